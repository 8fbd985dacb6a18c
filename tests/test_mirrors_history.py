"""Mirrors and history: keyrings travel through mirrors, wiped mirrors are named, and two
mirrors holding different histories are never copied blindly.

Given a station and a desk sharing two folder mirrors, each test changes what a mirror
holds on its disk and checks what sync says and does.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from amanat.errors import UntrustedKey
from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.sync import sync_home
from amanat.vault import crypto, seal
from amanat.vault.home import Home
from amanat.vault.org import sign_statement
from amanat.vault.verify import verify_vault
from conftest import Org


def _mirrors(org: Org, tmp_path: Path) -> None:
    config = MirrorConfig(
        mirrors=[MirrorEntry("a", str(tmp_path / "a")), MirrorEntry("b", str(tmp_path / "b"))]
    )
    config.save(org.station.path)
    config.save(org.desk.path)


def _seal(org: Org, note: str) -> str:
    return seal.seal_entry(org.station.vault(), org.station_seed, [], note=note).entry_id


def test_a_new_desk_reaches_the_station_through_the_mirrors(org: Org, tmp_path: Path) -> None:
    """Given a desk that adds a second desk, when desk and then station sync, then the
    station seals to the new desk too, without any file carried by hand."""
    _mirrors(org, tmp_path)
    ring = org.desk.vault().read_keyring()
    second = crypto.x25519_new_identity()
    line = sign_statement(
        ring.next_body(
            "add-desk",
            "2026-11-28T00:00:00Z",
            name="desk-2",
            key=base64.b64encode(crypto.ed25519_public_key(crypto.new_signing_seed())).decode(),
            recipient=crypto.recipient_of(second),
            admin=False,
        ),
        org.desk_keys.signing_seed,
    )
    org.desk.vault().append_keyring(line)
    assert sync_home(org.desk).ok
    assert sync_home(org.station).ok
    assert crypto.recipient_of(second) in org.station.vault().read_keyring().recipients()
    entry = _seal(org, "for both desks")
    sealed = org.station.vault().object_path("entries", entry).read_bytes()
    assert crypto.age_decrypt_bytes(sealed, [second])


def test_a_damaged_keyring_on_a_mirror_is_named_and_repaired(org: Org, tmp_path: Path) -> None:
    _mirrors(org, tmp_path)
    _seal(org, "one")
    assert sync_home(org.station).ok
    statement = tmp_path / "a" / "keyring" / "000000"
    data = bytearray(statement.read_bytes())
    data[20] ^= 1
    statement.write_bytes(bytes(data))
    report = sync_home(org.station)
    a = next(m for m in report.mirrors if m.name == "a")
    b = next(m for m in report.mirrors if m.name == "b")
    assert any("keyring" in p for p in a.problems) and not b.problems
    assert any("keyring statement 0" in r for r in a.repaired)
    assert sync_home(org.station).ok


def test_a_wiped_mirror_and_a_deleted_log_are_named(org: Org, tmp_path: Path) -> None:
    _mirrors(org, tmp_path)
    _seal(org, "one")
    assert sync_home(org.station).ok
    kid = org.station.doc["station"]
    shutil.rmtree(tmp_path / "b")
    (tmp_path / "b").mkdir()  # the disk is there, but empty
    shutil.rmtree(tmp_path / "a" / "logs" / kid)
    report = sync_home(org.station)
    a = next(m for m in report.mirrors if m.name == "a")
    b = next(m for m in report.mirrors if m.name == "b")
    assert any("is gone" in p and kid in p for p in a.problems)
    assert any("the mirror is empty" in p for p in b.problems)
    assert sync_home(org.station).ok  # both were refilled from the station


def test_an_unplugged_disk_is_not_refilled_on_the_laptop(org: Org, tmp_path: Path) -> None:
    _mirrors(org, tmp_path)
    _seal(org, "one")
    assert sync_home(org.station).ok
    shutil.rmtree(tmp_path / "a")
    report = sync_home(org.station)
    a = next(m for m in report.mirrors if m.name == "a")
    assert not a.reachable and "plugged in" in a.problems[0]
    assert not (tmp_path / "a").exists()


def test_two_mirrors_with_two_histories_are_not_copied(org: Org, tmp_path: Path) -> None:
    """Given a stolen station key that signed a second history onto mirror b, when a desk
    that has seen neither syncs, then both mirrors are named, nothing of that log is
    copied, and the honest mirror is not rewritten."""
    _mirrors(org, tmp_path)
    shutil.copytree(org.station.path, tmp_path / "twin")
    twin = Home(tmp_path / "twin")
    _seal(org, "true history")
    MirrorConfig(mirrors=[MirrorEntry("a", str(tmp_path / "a"))]).save(org.station.path)
    assert sync_home(org.station).ok
    seal.seal_entry(twin.vault(), twin.station_seed(), [], note="forged history")
    MirrorConfig(mirrors=[MirrorEntry("b", str(tmp_path / "b"))]).save(twin.path)
    assert sync_home(twin).ok
    before = sorted(p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file())
    report = sync_home(org.desk)
    for m in report.mirrors:
        assert any("two different histories" in p for p in m.problems), m
    assert not [p for p in (org.desk.path / "vault" / "entries").rglob("*") if p.is_file()]
    after = sorted(p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert before == after


def test_a_revoked_station_learns_it_through_the_mirrors(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Given a station whose laptop was seized, when an admin desk revokes it with the
    real command and syncs, then after the station's next sync it can no longer seal,
    its earlier records still verify, and records it signs later are refused."""
    _mirrors(org, tmp_path)
    _seal(org, "before the raid")
    assert sync_home(org.station).ok
    assert sync_home(org.desk).ok
    kid = org.station.doc["station"]
    done = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "station", "revoke", "--home",
         str(org.desk.path), kid, "--json"],
        env=cli_env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["keep_until"] == 1
    assert sync_home(org.desk).ok
    sync_home(org.station)  # the station adopts the longer keyring from the mirrors
    with pytest.raises(UntrustedKey):
        _seal(org, "after the raid")
    report = verify_vault(org.station.path / "vault")
    assert report.ok, report.problems
