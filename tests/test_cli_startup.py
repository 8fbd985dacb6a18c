"""A command loads only what it uses: the station's commands start in a fraction of a
second on an old laptop, without the desk's views, names and linkage; a desk's own
commands start without the linkage engine and the S3 client until they need them.

`amanat seal` at an intake station, `amanat verify` and `amanat --help` used to import
every layer (SQLAlchemy, SQLCipher, pypinyin, openpyxl, Splink's DuckDB), two seconds
before the command did anything, which halved the seal benchmark's throughput against
`age` and raised its peak memory to 208 MB (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import amanat.desk
import amanat.desk.service
import amanat.ingest
import amanat.ingest.spreadsheet
import amanat.linkage
import amanat.linkage.link
import amanat.linkage.settings
import amanat.mirrors
import amanat.mirrors.s3
from conftest import Org

# Libraries and layers only a desk's commands need.
HEAVY = (
    "amanat.desk.service",
    "boto3",
    "botocore",
    "amanat.linkage",
    "amanat.names",
    "amanat.views",
    "duckdb",
    "openpyxl",
    "pyarrow",
    "pypinyin",
    "splink",
    "sqlalchemy",
    "sqlcipher3",
)

# Runs the console script's entry point as a terminal would, then writes which of HEAVY
# the process loaded: the command's exit status stays the process's own.
_PROBE = """
import atexit, json, sys
def loaded():
    with open(sys.argv[1], "w") as f:
        json.dump(sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".")
                                                        for h in HEAVY)), f)
atexit.register(loaded)
from amanat.cli import run
sys.exit(run(sys.argv[2:]))
"""


def _loaded_by(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    out = tmp_path / "loaded.json"
    probe = f"HEAVY = {HEAVY!r}\n{_PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", probe, str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    loaded: list[str] = json.loads(out.read_text("utf-8"))
    return done.returncode, loaded


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["--version"],
        ["seal", "--home", "{station}", "{file}", "--note", "visit 1", "--json"],
        ["verify", "--home", "{station}", "--json"],
        ["log", "--home", "{station}", "--json"],
    ],
    ids=lambda c: c[0].lstrip("-"),
)
def test_the_station_s_commands_load_nothing_of_the_desk(
    org: Org, cli_env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    """Given a real station and a file to seal, when `amanat seal`, `verify`, `log`,
    `--help` or `--version` runs in a fresh interpreter, then it succeeds without
    importing the desk's views, names or linkage or any library only they use."""
    video = tmp_path / "testimony.mp4"
    video.write_bytes(os.urandom(200_000))
    args = [a.format(station=org.station.path, file=video) for a in command]
    status, loaded = _loaded_by(cli_env, tmp_path, *args)
    assert status == 0
    assert loaded == []


def test_a_desk_command_still_finds_everything_it_needs(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a real desk, when `amanat persons` runs in a fresh interpreter, then it
    succeeds, loading the views and names on its first use of the desk, but not the
    linkage engine (DuckDB, Arrow, Splink), the S3 client (boto3) nor pypinyin, which
    load when the desk first links, reaches a mirror on S3 or reads a Chinese name."""
    status, loaded = _loaded_by(cli_env, tmp_path, "persons", "--home", str(org.desk.path))
    assert status == 0
    assert {"amanat.desk.service", "amanat.views", "sqlalchemy", "sqlcipher3"} <= set(loaded)
    later = {"duckdb", "splink", "pyarrow", "amanat.linkage.link", "boto3", "botocore"}
    later.add("pypinyin")  # loads with the first Chinese character to read
    assert not later & set(loaded)


def test_a_package_s_names_are_its_modules_names() -> None:
    """Given the packages whose names are imported on first use, when a name is asked
    for, then it is the very object of its module, and a name the package lacks is an
    AttributeError as for any module."""
    assert amanat.desk.Desk is amanat.desk.service.Desk
    assert amanat.ingest.SpreadsheetImport is amanat.ingest.spreadsheet.SpreadsheetImport
    assert amanat.linkage.link_records is amanat.linkage.link.link_records
    assert amanat.linkage.LinkSettings is amanat.linkage.settings.LinkSettings
    assert amanat.linkage.link.Decision is amanat.linkage.settings.Decision
    assert amanat.mirrors.S3Store is amanat.mirrors.s3.S3Store
    for package in (amanat.desk, amanat.ingest, amanat.linkage, amanat.mirrors):
        for name in package.__all__:  # each public name is found in the module named
            assert getattr(package, name) is not None
        with pytest.raises(AttributeError, match="no attribute 'nothing'"):
            _ = package.nothing  # type: ignore[attr-defined]


def test_linking_a_list_loads_nothing_of_the_desk_unless_asked(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a list and its mapping, when `amanat link` runs in a fresh interpreter
    without --desk, then it links without importing the desk's service, its views or
    SQLAlchemy (half a second of start-up): only --desk needs them."""
    source, mapping = tmp_path / "list.csv", tmp_path / "list.link.yaml"
    source.write_text("name,birth\nSerik Bilash,1974\nСерік Білаш,1974\n", encoding="utf-8")
    mapping.write_text("version: 1\ncolumns:\n  name: name\n  birth: birth\n", "utf-8")
    out = tmp_path / "clusters.csv"
    status, loaded = _loaded_by(
        cli_env, tmp_path, "link", str(source), "--mapping", str(mapping), "--out", str(out)
    )
    assert status == 0 and out.is_file()
    assert "amanat.linkage.link" in loaded  # it did link
    assert not {"amanat.desk.service", "amanat.views", "sqlalchemy", "sqlcipher3"} & set(loaded)
