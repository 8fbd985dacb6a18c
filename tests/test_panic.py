"""Panic: the police are at the door.

Given a station and a desk with entries, some already on the mirrors and some not, when
``amanat panic --yes`` runs on each (the real command), then nothing of their homes is
left — no key, no ciphertext, no canary — what could be pushed was pushed, and a restore
from the mirror with the trustees' shares brings back every entry that had been pushed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.restore import restore_home
from amanat.mirrors.sync import sync_home
from amanat.vault import copy, opening, seal
from amanat.vault.home import Home
from conftest import TEST_WORK_FACTOR, Org

CANARY = "PANIC-CANARY-Жансая-2019"


def panic(env: dict[str, str], home: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "panic", "--home", str(home), "--yes",
         "--seconds", "30", "--json"],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _scan(root: Path) -> list[str]:
    if not root.exists():
        return []
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (CANARY.encode(), b"AGE-SECRET-KEY", b"BEGIN AGE ENCRYPTED FILE"):
                if needle in data:
                    hits.append(f"{path}: {needle!r}")
    return hits


def test_panic_on_a_station_and_a_desk(org: Org, tmp_path: Path, cli_env: dict[str, str]) -> None:
    # Given: two entries synced to a mirror, then the mirror unplugged
    usb = tmp_path / "usb"
    mirror = MirrorEntry("usb", str(usb))
    for home in (org.station, org.desk):
        MirrorConfig(mirrors=[mirror], quorum=1).save(home.path)
    early = []
    for n in range(2):
        f = tmp_path / f"early-{n}.txt"
        f.write_text(f"{CANARY} early {n}")
        early.append(
            seal.seal_entry(
                org.station.vault(), org.station_seed, [seal.FileToSeal(f)], note=CANARY
            ).entry_id
        )
    assert sync_home(org.station).ok
    copy.pull_vault(org.desk.vault(), org.station.path / "vault")
    # and one more entry sealed while the mirror is away (it comes back for the panic)
    late_file = tmp_path / "late.txt"
    late_file.write_text(f"{CANARY} late")
    late = seal.seal_entry(
        org.station.vault(), org.station_seed, [seal.FileToSeal(late_file)], note=CANARY
    ).entry_id
    # When: panic on the station, then on the desk
    station_report = panic(cli_env, org.station.path)
    desk_report = panic(cli_env, org.desk.path)
    # Then: both homes are gone, nothing readable left
    for home in (org.station.path, org.desk.path):
        assert not home.exists() or not any(p.is_file() for p in home.rglob("*")), home
        assert _scan(home) == []
    assert set(station_report["saved"]) == {*early, late}  # type: ignore[arg-type]
    assert station_report["not_saved"] == []
    assert station_report["mirrors_reached"] == ["usb"]
    assert desk_report["files_destroyed"]
    # and the trustees restore everything that was pushed, the late entry included
    report = restore_home(
        tmp_path / "after", url=str(usb), shares=org.shares[:3], passphrase="new passphrase",
        work_factor=TEST_WORK_FACTOR,
    )  # fmt: skip
    assert report.records == 3
    home = Home(tmp_path / "after")
    identity = home.desk_identity("new passphrase")
    for entry_id in [*early, late]:
        entry = opening.open_entry(home.vault(), entry_id, [identity], rekeys=home.rekeys_dir)
        assert entry.content["note"] == CANARY


def test_panic_needs_yes(org: Org, cli_env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "panic", "--home", str(org.station.path)],
        env=cli_env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert (org.station.path / "keys" / "station.key").exists()
