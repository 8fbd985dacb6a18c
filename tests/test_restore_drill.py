"""A seizure loses nothing: the raid drill, restore from shares, and every subset of shares.

Given an organisation whose station synced to a folder mirror and a real S3 server,
when the station, the desk and one mirror are destroyed, then k of n trustees rebuild a
working desk from the remaining mirror and every testimony comes back byte-identical.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from amanat.bootstrap import open_desk
from amanat.errors import AmanatError, KeyError_, ShareError
from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.drill import run_drill
from amanat.mirrors.layout import MirrorSource
from amanat.mirrors.local_s3 import LocalS3, local_s3
from amanat.mirrors.restore import rekey_missing, restore_home
from amanat.mirrors.store import FolderStore
from amanat.mirrors.sync import sync_home
from amanat.settings import Settings
from amanat.vault import crypto, opening, seal
from amanat.vault.home import Home
from amanat.vault.verify import verify_vault
from conftest import PASSPHRASE, TEST_WORK_FACTOR, Org


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    with local_s3(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def test_the_raid_drill_loses_nothing(s3: LocalS3, tmp_path: Path) -> None:
    """Given the drill's story against a real S3 server, then 'lost: 0'."""
    said: list[str] = []
    report = run_drill(
        tmp_path / "drill",
        testimonies=4,
        media_bytes=300_000,
        s3_url=s3.url("drill-test", "vault"),
        credentials=str(s3.credentials_file),
        say=said.append,
        work_factor=TEST_WORK_FACTOR,
    )
    assert report.ok, report.problems
    assert report.lost == []
    assert report.restored_files == report.media_files == 8
    assert said[-1] == "lost: 0"
    # the seized places are gone: nothing of the station or the desk is left
    assert not (tmp_path / "drill" / "station").exists()
    assert not (tmp_path / "drill" / "desk").exists()


def _seal_and_sync(org: Org, tmp_path: Path, s3: LocalS3, bucket: str) -> dict[str, bytes]:
    files = {}
    for n in range(3):
        path = tmp_path / f"video-{n}.mp4"
        path.write_bytes(os.urandom(100_000 + n))
        receipt = seal.seal_entry(
            org.station.vault(), org.station_seed, [seal.FileToSeal(path)], note=f"t{n}"
        )
        files[receipt.entry_id] = path.read_bytes()
    MirrorConfig(
        mirrors=[
            MirrorEntry("usb", str(tmp_path / "usb")),
            MirrorEntry("abroad", s3.url(bucket), str(s3.credentials_file)),
        ]
    ).save(org.station.path)
    report = sync_home(org.station)
    assert report.ok, report.mirrors
    return files


def test_restore_from_the_surviving_s3_mirror_with_three_shares(
    org: Org, tmp_path: Path, s3: LocalS3
) -> None:
    sealed = _seal_and_sync(org, tmp_path, s3, "restore-test")
    # When: the office is emptied and the USB mirror taken
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)
    shutil.rmtree(tmp_path / "usb")
    report = restore_home(
        tmp_path / "new-desk",
        url=s3.url("restore-test"),
        credentials=str(s3.credentials_file),
        shares=[org.shares[0], org.shares[3], org.shares[4]],
        passphrase="a new desk passphrase",
        work_factor=TEST_WORK_FACTOR,
    )
    # Then: a working desk, which reads everything sealed before the raid
    assert report.problems == []
    assert report.records == 3
    assert len(report.rotated) == 2  # the old desk removed, the seized station revoked
    home = Home(tmp_path / "new-desk")
    assert verify_vault(home.path / "vault").ok
    identity = home.desk_identity("a new desk passphrase")
    for entry_id, original in sealed.items():
        entry = opening.open_entry(home.vault(), entry_id, [identity], rekeys=home.rekeys_dir)
        out = opening.write_files(
            home.vault(), entry, [identity], tmp_path / "out" / entry_id[:8],
            rekeys=home.rekeys_dir,
        )  # fmt: skip
        assert out[0].read_bytes() == original
    # and the recovery identity was never written to the new home
    for path in home.path.rglob("*"):
        if path.is_file():
            assert b"AGE-SECRET-KEY" not in path.read_bytes(), path
    # and new entries are sealed to the new desk, not to the seized one
    ring = home.vault().read_keyring()
    assert crypto.recipient_of(identity) in ring.recipients()
    assert len([k for k in ring.keys.values() if k.role == "desk" and k.active]) == 1


def test_every_subset_of_shares(org: Org, tmp_path: Path) -> None:
    """Given 5 shares with threshold 3, when a restore is tried with every subset, then every
    subset of 3 or more restores and every smaller one fails with a clear ShareError, leaving
    nothing behind."""
    path = tmp_path / "v.bin"
    path.write_bytes(b"testimony")
    seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(path)])
    MirrorConfig(mirrors=[MirrorEntry("usb", str(tmp_path / "usb"))]).save(org.station.path)
    assert sync_home(org.station).ok
    for size in range(1, 6):
        for combo in itertools.combinations(range(5), size):
            target = tmp_path / f"restore-{'-'.join(map(str, combo))}"
            shares = [org.shares[i] for i in combo]
            if size >= 3:
                report = restore_home(
                    target, url=str(tmp_path / "usb"), shares=shares, passphrase=PASSPHRASE,
                    work_factor=TEST_WORK_FACTOR,
                )  # fmt: skip
                assert report.records == 1 and not report.problems
            else:
                with pytest.raises(ShareError, match="3 different trustee shares are needed"):
                    restore_home(
                        target, url=str(tmp_path / "usb"), shares=shares, passphrase=PASSPHRASE,
                        work_factor=TEST_WORK_FACTOR,
                    )  # fmt: skip
                assert not target.exists()


def test_restore_with_a_surviving_desk_identity(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    path.write_bytes(b"testimony two")
    receipt = seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(path)])
    MirrorConfig(mirrors=[MirrorEntry("usb", str(tmp_path / "usb"))]).save(org.station.path)
    assert sync_home(org.station).ok
    report = restore_home(
        tmp_path / "desk2", url=str(tmp_path / "usb"), identity=org.desk_keys.identity,
        passphrase=PASSPHRASE, work_factor=TEST_WORK_FACTOR,
    )  # fmt: skip
    assert report.records == 1 and report.rotated == []
    home = Home(tmp_path / "desk2")
    entry = opening.open_entry(home.vault(), receipt.entry_id, [org.desk_keys.identity])
    assert entry.content["files"][0]["size"] == len(b"testimony two")


def test_rekey_lets_a_restored_desk_open_what_arrived_later(org: Org, tmp_path: Path) -> None:
    """Given a restore from a mirror that had lost one file, when the file arrives later
    from another mirror, then the new desk cannot open it until `rekey` with k shares.
    (Entries a revoked station sealed beyond what the restore mirror proved stay refused:
    they cannot be told from forgeries made with the seized key.)"""
    source = tmp_path / "two.txt"
    source.write_bytes(b"lost on mirror a")
    receipt = seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(source)])
    both = [MirrorEntry("a", str(tmp_path / "a")), MirrorEntry("b", str(tmp_path / "b"))]
    MirrorConfig(mirrors=both).save(org.station.path)
    assert sync_home(org.station).ok
    blob = receipt.blobs[0].id
    (tmp_path / "a" / "blobs" / blob[:2] / blob).unlink()
    report = restore_home(
        tmp_path / "new", url=str(tmp_path / "a"), shares=org.shares[:3], passphrase=PASSPHRASE,
        work_factor=TEST_WORK_FACTOR,
    )  # fmt: skip
    assert report.problems  # the lost file is named
    home = Home(tmp_path / "new")
    MirrorConfig(mirrors=both).save(home.path)
    sync_home(home)  # the file comes from mirror b (and mirror a is repaired)
    identity = home.desk_identity(PASSPHRASE)
    entry = opening.open_entry(home.vault(), receipt.entry_id, [identity], rekeys=home.rekeys_dir)
    with pytest.raises(KeyError_):
        opening.write_files(
            home.vault(), entry, [identity], tmp_path / "o1", rekeys=home.rekeys_dir
        )
    assert rekey_missing(home, org.shares[2:5], PASSPHRASE) == 1
    out = opening.write_files(
        home.vault(), entry, [identity], tmp_path / "o2", rekeys=home.rekeys_dir
    )
    assert out[0].read_bytes() == b"lost on mirror a"


def _three_testimonies(
    org: Org, tmp_path: Path, *, syncs: bool
) -> tuple[dict[str, bytes], list[str]]:
    """Three entries sealed at the station, synced to a folder mirror "usb" after each
    one (``syncs``: three segments and three checkpoints) or once at the end; their
    files' contents by entry, and their blobs' ids."""
    MirrorConfig(mirrors=[MirrorEntry("usb", str(tmp_path / "usb"))]).save(org.station.path)
    files, blobs = {}, []
    for n in range(3):
        path = tmp_path / f"video-{n}.mp4"
        path.write_bytes(os.urandom(50_000 + n))
        receipt = seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(path)])
        files[receipt.entry_id] = path.read_bytes()
        blobs.append(receipt.blobs[0].id)
        if syncs or n == 2:
            assert sync_home(org.station).ok
    return files, blobs


def _restore(org: Org, tmp_path: Path, mirror: Path) -> tuple[Home, str, list[str], int]:
    report = restore_home(
        tmp_path / "new-desk", url=str(mirror), shares=org.shares[:3],
        passphrase=PASSPHRASE, work_factor=TEST_WORK_FACTOR,
    )  # fmt: skip
    home = Home(tmp_path / "new-desk")
    return home, home.desk_identity(PASSPHRASE), report.problems, report.records


def _opens(home: Home, identity: str, entry_id: str, out: Path) -> bytes:
    entry = opening.open_entry(home.vault(), entry_id, [identity], rekeys=home.rekeys_dir)
    written = opening.write_files(home.vault(), entry, [identity], out, rekeys=home.rekeys_dir)
    return written[0].read_bytes()


def test_one_damaged_file_on_the_last_mirror_costs_one_testimony(org: Org, tmp_path: Path) -> None:
    """Given three testimonies on the only mirror left after a raid, one of whose video
    files has a byte flipped, when the trustees restore, then every record is taken, the
    two sound testimonies open byte for byte, the damaged file is named as lost (by the
    restore and by verify), and when another copy of the mirror turns up, a sync finds
    the file there and, after rekey, it opens too."""
    files, blobs = _three_testimonies(org, tmp_path, syncs=False)
    shutil.copytree(tmp_path / "usb", tmp_path / "usb-copy")
    target = tmp_path / "usb" / "blobs" / blobs[1][:2] / blobs[1]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)

    home, identity, problems, records = _restore(org, tmp_path, tmp_path / "usb")

    assert records == 3
    assert any("is lost" in p and target.name in p for p in problems), problems
    opened = {}
    for n, (entry_id, original) in enumerate(files.items()):
        try:
            opened[entry_id] = _opens(home, identity, entry_id, tmp_path / f"o{n}") == original
        except AmanatError:
            opened[entry_id] = False
    assert list(opened.values()) == [True, False, True]  # the two whose files are sound
    checked = verify_vault(home.path / "vault")
    assert not checked.ok and any(target.name in p.what or target.name in p.where
                                  for p in checked.problems)  # fmt: skip

    both = [
        MirrorEntry("origin", str(tmp_path / "usb")),
        MirrorEntry("copy", str(tmp_path / "usb-copy")),
    ]
    MirrorConfig(mirrors=both).save(home.path)
    synced = sync_home(home)
    assert synced.found and not synced.lost
    rekey_missing(home, org.shares[2:5], PASSPHRASE)
    for n, (entry_id, original) in enumerate(files.items()):
        assert _opens(home, identity, entry_id, tmp_path / f"again{n}") == original
    assert verify_vault(home.path / "vault").ok


def test_a_damaged_log_is_restored_up_to_the_checkpoint_that_still_proves_it(
    org: Org, tmp_path: Path
) -> None:
    """Given a mirror whose log lost its last segment (records 2 on), but still holds
    the checkpoints of earlier syncs, when the trustees restore, then the records an
    older checkpoint proves come back and open, and the restore says what was not."""
    files, _ = _three_testimonies(org, tmp_path, syncs=True)
    (segment,) = [
        p for p in (tmp_path / "usb" / "logs").rglob("*.jsonl") if p.name == f"{2:012d}.jsonl"
    ]
    segment.unlink()
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)

    home, identity, problems, records = _restore(org, tmp_path, tmp_path / "usb")

    assert records == 2
    assert any("older checkpoint" in p for p in problems), problems
    first_two = list(files.items())[:2]
    for n, (entry_id, original) in enumerate(first_two):
        assert _opens(home, identity, entry_id, tmp_path / f"o{n}") == original


def test_records_beyond_the_last_checkpoint_are_said_not_kept(org: Org, tmp_path: Path) -> None:
    """Given a mirror whose newest checkpoint file was deleted, when the trustees
    restore, then the record it covered is not taken (a seized station key could have
    written it), and the restore says so instead of reporting success."""
    _three_testimonies(org, tmp_path, syncs=True)
    (newest,) = [p for p in (tmp_path / "usb" / "logs").rglob(f"{3:012d}") if p.is_file()]
    newest.unlink()
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)

    _, _, problems, records = _restore(org, tmp_path, tmp_path / "usb")

    assert records == 2
    assert any("1 record(s) after the 2 the mirrors prove" in p for p in problems), problems


def test_a_lost_entry_is_shown_as_lost_and_comes_back_when_found(org: Org, tmp_path: Path) -> None:
    """Given a restore from a mirror that lacks one entry's sealed file, when the new
    desk updates its views, then they are made all the same, with that entry marked
    lost; when a sync finds it on another copy of the mirror, the next update takes it."""
    files, _ = _three_testimonies(org, tmp_path, syncs=False)
    shutil.copytree(tmp_path / "usb", tmp_path / "usb-copy")
    lost = list(files)[1]
    (tmp_path / "usb" / "entries" / lost[:2] / lost).unlink()
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)
    home, _, problems, records = _restore(org, tmp_path, tmp_path / "usb")
    assert records == 3 and any(lost in p and "is lost" in p for p in problems)

    with open_desk(home, PASSPHRASE, Settings.from_env({})) as desk:
        desk.update_views()
        assert desk.views.lost_entries() == [lost]
        both = [
            MirrorEntry("origin", str(tmp_path / "usb")),
            MirrorEntry("copy", str(tmp_path / "usb-copy")),
        ]
        MirrorConfig(mirrors=both).save(home.path)
        assert sync_home(home).found == [f"entries/{lost[:2]}/{lost}"]
        rekey_missing(home, org.shares[:3], PASSPHRASE)
        desk.update_views()
        assert desk.views.lost_entries() == []


def test_a_restore_from_several_mirrors_keeps_the_most_complete_history(
    org: Org, tmp_path: Path
) -> None:
    """Given a USB disk that last synced two testimonies ago and a bucket that holds all
    three, when the trustees restore from both, then the station is revoked at the
    longer history, all three testimonies are taken and open, and nothing is said lost."""
    a, b = MirrorEntry("a", str(tmp_path / "a")), MirrorEntry("b", str(tmp_path / "b"))
    MirrorConfig(mirrors=[a, b]).save(org.station.path)
    files = {}
    for n in range(3):
        if n == 2:
            MirrorConfig(mirrors=[b]).save(org.station.path)  # the USB disk is away
        path = tmp_path / f"video-{n}.mp4"
        path.write_bytes(os.urandom(40_000 + n))
        receipt = seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(path)])
        files[receipt.entry_id] = path.read_bytes()
        assert sync_home(org.station).ok
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)

    report = restore_home(
        tmp_path / "new-desk", url=str(tmp_path / "a"), also=[(str(tmp_path / "b"), None)],
        shares=org.shares[:3], passphrase=PASSPHRASE, work_factor=TEST_WORK_FACTOR,
    )  # fmt: skip

    assert report.records == 3 and report.problems == [], report.problems
    assert any("revoke-station, kept 3" in r for r in report.rotated), report.rotated
    home = Home(tmp_path / "new-desk")
    identity = home.desk_identity(PASSPHRASE)
    for n, (entry_id, original) in enumerate(files.items()):
        assert _opens(home, identity, entry_id, tmp_path / f"o{n}") == original


def test_records_past_a_revocation_are_named_and_not_taken_by_a_later_sync(
    org: Org, tmp_path: Path
) -> None:
    """Given a desk restored from a mirror that was behind (the station revoked at 2),
    when a second mirror that holds the station's third record is added and synced,
    then the sync names that record as signed after the revocation, does not take it,
    and leaves it on the mirror, where a person can still look at it."""
    a, b = MirrorEntry("a", str(tmp_path / "a")), MirrorEntry("b", str(tmp_path / "b"))
    MirrorConfig(mirrors=[a, b]).save(org.station.path)
    for n in range(3):
        if n == 2:
            MirrorConfig(mirrors=[b]).save(org.station.path)
        path = tmp_path / f"video-{n}.mp4"
        path.write_bytes(os.urandom(30_000 + n))
        seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(path)])
        assert sync_home(org.station).ok
    shutil.rmtree(org.station.path)
    shutil.rmtree(org.desk.path)
    home, _, problems, records = _restore(org, tmp_path, tmp_path / "a")
    assert records == 2 and problems == []

    MirrorConfig(mirrors=[MirrorEntry("origin", str(tmp_path / "a")), b]).save(home.path)
    report = sync_home(home)

    said = [p for m in report.mirrors for p in m.problems]
    assert any("records 2–2 were signed after the key was revoked" in p for p in said), said
    assert max(len(f.read_records()[0]) for f in home.vault().logs()) == 2
    on_b = MirrorSource(FolderStore("b", tmp_path / "b"))
    assert max(len(on_b.records(kid)[0]) for kid in on_b.log_names()) == 3  # left there
