"""Shared fixtures: a real organisation, desk and station in temporary folders.

Slow security is made cheap here only: desk key files use scrypt work factor 10
instead of 18 ("insecure but fast", as SecureDrop's test fixtures do).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from amanat.desk import Desk
from amanat.vault import enrol
from amanat.vault.home import DeskKeys, Home
from amanat.vault.shares import read_share_file
from amanat.views.engine import KEY_BYTES, open_postgres, open_sqlite
from amanat.views.local_pg import local_postgres, postgres_installed

hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

PASSPHRASE = "correct horse battery staple"
# The commands speak the terminal's language (LANG=kk_KZ.UTF-8 on a Kazakh laptop); the
# tests read their English words, so they ask for English whatever the machine's is.
os.environ["AMANAT_LANG"] = "en"


def skip_unless_ci(reason: str) -> None:
    """Skip when a tool is missing on a developer's machine; fail in CI, where
    scripts/setup installs every tool, so a skip can never hide a gap there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must have it: see scripts/setup)")
    pytest.skip(reason)


TEST_WORK_FACTOR = 10


@dataclass
class Org:
    base: Path
    desk: Home
    station: Home
    desk_keys: DeskKeys
    shares: list[str]
    share_files: list[Path]
    org_export: Path

    @property
    def station_seed(self) -> bytes:
        return self.station.station_seed()


def make_org(base: Path, *, trustees: int = 5, threshold: int = 3) -> Org:
    result = enrol.init_org(
        base / "desk",
        name="Test group",
        trustees=trustees,
        threshold=threshold,
        passphrase=PASSPHRASE,
        shares_dir=base / "shares",
        work_factor=TEST_WORK_FACTOR,
    )
    desk = Home(result.home)
    keys = desk.desk_keys(PASSPHRASE)
    station, vkey = enrol.create_station(base / "station", result.org_export, name="office-1")
    enrol.trust_station(desk, vkey, keys.signing_seed, name="office-1")
    enrol.update_from_export(station, desk.path / "org-export.json")
    return Org(
        base=base,
        desk=desk,
        station=station,
        desk_keys=keys,
        shares=[read_share_file(p) for p in result.share_files],
        share_files=result.share_files,
        org_export=desk.path / "org-export.json",
    )


@pytest.fixture(scope="session")
def _org_template(tmp_path_factory: pytest.TempPathFactory) -> Org:
    return make_org(tmp_path_factory.mktemp("org-template"))


def copy_org(template: Org, base: Path) -> Org:
    """A copy of the organisation ``template`` at ``base`` (which must not exist)."""
    shutil.copytree(template.base, base)
    return Org(
        base=base,
        desk=Home(base / "desk"),
        station=Home(base / "station"),
        desk_keys=template.desk_keys,
        shares=template.shares,
        share_files=[base / "shares" / p.name for p in template.share_files],
        org_export=base / "desk" / "org-export.json",
    )


@pytest.fixture
def org(_org_template: Org, tmp_path: Path) -> Iterator[Org]:
    """A fresh copy of one organisation (desk + trusted station), per test."""
    yield copy_org(_org_template, tmp_path / "org")


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real ``amanat`` command in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMANAT_")}
    env["AMANAT_LANG"] = "en"
    env["AMANAT_PASSPHRASE"] = PASSPHRASE
    env["AMANAT_SCRYPT_WORK_FACTOR"] = str(TEST_WORK_FACTOR)
    env["AMANAT_HOME"] = str(tmp_path / "default-home")
    return env


def amanat_here(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The ``amanat`` command run in this process with ``env`` as its environment: the
    same ``main`` a terminal runs, its exit code, stdout and stderr, without starting an
    interpreter and importing Amanat again for each command (seconds each). For tests of
    what a command says and does; tests of the process itself (signals, a terminal's
    language, a crash) start the real process."""
    from amanat.cli import words
    from amanat.cli.main import main

    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help and usage errors
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None) * 2
    finally:
        os.environ.clear()
        os.environ.update(saved)
        words.use("en")
    return subprocess.CompletedProcess(["amanat", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server started once for the session (amanat.views.local_pg)."""
    if not postgres_installed():
        skip_unless_ci("PostgreSQL is not installed (Debian package postgresql)")
    with local_postgres() as server:
        yield server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def view_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty views database, once on SQLCipher and once on PostgreSQL.

    PostgreSQL gets a database of its own per test, dropped afterwards; the server is
    started only when a PostgreSQL case first runs.
    """
    if request.param == "sqlite":
        engine = open_sqlite(tmp_path / "views.db", secrets.token_bytes(KEY_BYTES), create=True)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as engine:
        yield engine


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[Engine]:
    """A new, empty database on the test server, dropped afterwards."""
    name = "views_" + secrets.token_hex(6)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = open_postgres(make_url(server_url).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def cut_last_log_record(folder: Path) -> None:
    """Delete the last record of the vault log in ``folder`` on disk, as a log cut short
    or put back from an older copy would."""
    path = folder / "log.jsonl"
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"".join(line + b"\n" for line in lines[:-1]))


@contextlib.contextmanager
def desk_on(org: Org, request: pytest.FixtureRequest, backend: str) -> Iterator[Desk]:
    """The org's desk with its views on ``backend``: "sqlite" (the desk's own file) or
    "postgresql" (a fresh database on the test server)."""
    if backend == "sqlite":
        with Desk(org.desk, org.desk_keys) as desk:
            yield desk
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as engine:
        url = engine.url.render_as_string(hide_password=False)
        with Desk(org.desk, org.desk_keys, views_url=url) as desk:
            yield desk
