"""Mirrors are untrusted: each way a mirror can misbehave is caught, named and repaired.

Two folder mirrors, ``a`` and ``b``, hold a station's log in two segments (one entry
sealed and synced, then a second). Then mirror ``a`` misbehaves, in one of two ways:

* on disk: the real files of the folder mirror are changed (a bit flipped, a file cut
  short or removed, the newest segment and checkpoint removed, the log replaced);
* as a server that lies: ``AdversarialStore`` (``tests/mirror_doubles.py``) sits in
  front of the same folder and serves the damage while the files stay intact.

For each misbehaviour (corrupted object, corrupted segment, truncated object, truncated
segment, deleted entry, deleted record, rollback, fork) the tests check that a sync
names mirror ``a`` and says what is wrong, never blames ``b``, repairs ``a`` from this
home's copy or from ``b`` (a following sync is clean and ``verify_source`` passes), and
that a desk pulling ends with a vault that verifies and opens to the original bytes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from amanat.mirrors import sync as sync_module
from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.layout import MirrorSource, checkpoint_key, object_key, segment_key
from amanat.mirrors.status import drop_safe_objects
from amanat.mirrors.store import FolderStore, ObjectStore
from amanat.mirrors.sync import MirrorReport, SyncReport, sync_home
from amanat.vault import crypto
from amanat.vault.home import Home
from amanat.vault.opening import open_entry, write_files
from amanat.vault.org import key_id
from amanat.vault.seal import FileToSeal, SealReceipt, seal_entry
from amanat.vault.verify import verify_source, verify_vault
from conftest import Org
from mirror_doubles import AdversarialStore, flip_bit

# -- the world: a station, a desk and two folder mirrors -------------------------------


@dataclass
class World:
    org: Org
    base: Path
    kid: str
    sealed: list[tuple[SealReceipt, Path]]  # what the station sealed, with the original file
    fork_home: Home  # a copy of the station taken after the first entry, before the second
    doubles: dict[str, ObjectStore] = field(default_factory=dict)  # mirror name -> double
    _fork: FolderStore | None = None

    def folder(self, name: str) -> Path:
        return self.base / f"mirror-{name}"

    def store(self, name: str) -> ObjectStore:
        """The mirror as sync sees it: the double if there is one, else the folder."""
        return self.doubles.get(name) or FolderStore(name, self.folder(name))

    def entry_key(self, n: int) -> str:
        return object_key("entries", self.sealed[n][0].entry_id)

    def blob_key(self, n: int) -> str:
        return object_key("blobs", self.sealed[n][0].blobs[0].id)

    def fork(self) -> FolderStore:
        """A store holding another history of the station's log, signed by the same key:
        the first entry, then a different second one (sealed in a copy of the station)."""
        if self._fork is None:
            other = self.base / "forged.txt"
            other.write_bytes(b"a different second testimony\n" * 50)
            seal_entry(
                self.fork_home.vault(),
                self.fork_home.station_seed(),
                [FileToSeal(other)],
                note="forked",
            )
            MirrorConfig([MirrorEntry("fork", str(self.base / "fork-store"))]).save(
                self.fork_home.path
            )
            report = sync_home(self.fork_home)
            assert report.ok, report
            self._fork = FolderStore("fork", self.base / "fork-store")
        return self._fork


def _configure(home: Home, world_base: Path) -> None:
    MirrorConfig(
        [
            MirrorEntry("a", str(world_base / "mirror-a")),
            MirrorEntry("b", str(world_base / "mirror-b")),
        ]
    ).save(home.path)


@pytest.fixture
def world(org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    base = tmp_path / "world"
    base.mkdir()
    kid = key_id(crypto.ed25519_public_key(org.station_seed))
    _configure(org.station, base)
    _configure(org.desk, base)
    first, second = base / "first.txt", base / "second.bin"
    first.write_bytes("شهادة — a first testimony\n".encode() * 100)
    second.write_bytes(os.urandom(40_000))
    sealed = []
    sealed.append((seal_entry(org.station.vault(), org.station_seed, [FileToSeal(first)]), first))
    assert sync_home(org.station).ok
    shutil.copytree(org.station.path, base / "station-copy")
    fork_home = Home(base / "station-copy")
    sealed.append((seal_entry(org.station.vault(), org.station_seed, [FileToSeal(second)]), second))
    assert sync_home(org.station).ok
    w = World(org, base, kid, sealed, fork_home)
    # Sync opens each mirror through the port factory; hand it the double where one is set.
    monkeypatch.setattr(
        sync_module,
        "open_store",
        lambda entry, **kw: w.doubles.get(entry.name) or open_store(entry, **kw),
    )
    return w


# -- misbehaviours, each on disk and through the lying double ---------------------------


@dataclass(frozen=True)
class Misbehaviour:
    name: str
    on_disk: Callable[[World, Path], str]  # damages the folder; returns what it names
    lie: Callable[[World, AdversarialStore], str]
    says: str  # what the sync report says about mirror a
    verify_says: str | None  # what verify_source says of the mirror alone (None: looks fine)
    needs_deep: bool = False  # a station finds it only when it re-hashes every object


def _flip_file(path: Path) -> None:
    path.write_bytes(flip_bit(path.read_bytes()))


def _cut_file(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _disk_corrupt_blob(w: World, root: Path) -> str:
    _flip_file(root / w.blob_key(0))
    return w.blob_key(0)


def _lie_corrupt_blob(w: World, s: AdversarialStore) -> str:
    s.corrupt(w.blob_key(0))
    return w.blob_key(0)


def _disk_corrupt_segment(w: World, root: Path) -> str:
    _flip_file(root / segment_key(w.kid, 1))
    return w.kid


def _lie_corrupt_segment(w: World, s: AdversarialStore) -> str:
    s.corrupt(segment_key(w.kid, 1))
    return w.kid


def _disk_truncate_entry(w: World, root: Path) -> str:
    _cut_file(root / w.entry_key(1))
    return w.entry_key(1)


def _lie_truncate_entry(w: World, s: AdversarialStore) -> str:
    s.truncate(w.entry_key(1))
    return w.entry_key(1)


def _disk_truncate_segment(w: World, root: Path) -> str:
    _cut_file(root / segment_key(w.kid, 1))
    return segment_key(w.kid, 1)


def _lie_truncate_segment(w: World, s: AdversarialStore) -> str:
    s.truncate(segment_key(w.kid, 1))
    return segment_key(w.kid, 1)


def _disk_drop_entry(w: World, root: Path) -> str:
    (root / w.entry_key(0)).unlink()
    return w.entry_key(0)


def _lie_drop_entry(w: World, s: AdversarialStore) -> str:
    s.drop(w.entry_key(0))
    return w.entry_key(0)


def _disk_drop_record(w: World, root: Path) -> str:
    (root / segment_key(w.kid, 1)).unlink()  # its checkpoint (size 2) stays
    return w.kid


def _lie_drop_record(w: World, s: AdversarialStore) -> str:
    s.drop(segment_key(w.kid, 1))
    return w.kid


def _disk_rollback(w: World, root: Path) -> str:
    (root / segment_key(w.kid, 1)).unlink()
    (root / checkpoint_key(w.kid, 2)).unlink()
    return w.kid


def _lie_rollback(w: World, s: AdversarialStore) -> str:
    s.rollback(w.kid, 1)
    return w.kid


def _disk_fork(w: World, root: Path) -> str:
    fork = w.fork().root
    shutil.rmtree(root / "logs" / w.kid)
    shutil.copytree(fork / "logs" / w.kid, root / "logs" / w.kid)
    for kind in ("entries", "blobs"):
        shutil.copytree(fork / kind, root / kind, dirs_exist_ok=True)
    return w.kid


def _lie_fork(w: World, s: AdversarialStore) -> str:
    s.fork(w.fork(), w.kid)
    return w.kid


MISBEHAVIOURS = [
    Misbehaviour(
        "corrupted-object",
        _disk_corrupt_blob,
        _lie_corrupt_blob,
        "is corrupted (its content does not match its name)",
        "content does not match its name",
        needs_deep=True,
    ),
    Misbehaviour(
        "corrupted-segment",
        _disk_corrupt_segment,
        _lie_corrupt_segment,
        "records do not match the checkpoint",
        "logs/",
    ),
    Misbehaviour(
        "truncated-object",
        _disk_truncate_entry,
        _lie_truncate_entry,
        "(truncated or corrupted)",
        "content does not match its name",
    ),
    Misbehaviour(
        "truncated-segment", _disk_truncate_segment, _lie_truncate_segment, "is truncated", "logs/"
    ),
    Misbehaviour(
        "deleted-entry", _disk_drop_entry, _lie_drop_entry, "is missing (named by log", "missing"
    ),
    Misbehaviour(
        "deleted-record",
        _disk_drop_record,
        _lie_drop_record,
        "records were deleted or truncated",
        "records were deleted",
    ),
    # A rolled-back or forked mirror is a consistent vault on its own: only a home that
    # remembers a newer (or another) checkpoint can tell.
    Misbehaviour("rollback", _disk_rollback, _lie_rollback, "(rolled back)", None),
    Misbehaviour("fork", _disk_fork, _lie_fork, "a fork", None),
]
HOW = ["on-disk", "lying-server"]


def _misbehave(w: World, mis: Misbehaviour, how: str) -> str:
    if how == "on-disk":
        return mis.on_disk(w, w.folder("a"))
    double = AdversarialStore(FolderStore("a", w.folder("a")))
    w.doubles["a"] = double
    return mis.lie(w, double)


# -- checks ---------------------------------------------------------------------------------


def _by_name(report: SyncReport) -> dict[str, MirrorReport]:
    return {m.name: m for m in report.mirrors}


def _assert_named(report: SyncReport, says: str, names: str) -> MirrorReport:
    """Mirror a is blamed, with what is wrong and where; mirror b is left alone."""
    mirrors = _by_name(report)
    a, b = mirrors["a"], mirrors["b"]
    assert a.reachable and b.reachable
    text = "\n".join(a.problems)
    assert says in text, text
    assert names in text, text
    assert b.problems == [], b.problems
    assert b.repaired == [], b.repaired
    assert a.repaired, "mirror a was not repaired"
    return a


def _assert_clean(w: World, home: Home) -> None:
    """A following sync finds nothing wrong, and each mirror verifies on its own."""
    again = sync_home(home, deep=True)
    assert again.ok, again
    assert all(not m.repaired for m in again.mirrors), again
    for name in ("a", "b"):
        found = verify_source(MirrorSource(w.store(name)))
        assert found.ok, (name, found.problems)
        assert found.tree_size == len(w.sealed)


def _assert_desk_has_everything(w: World, out: Path) -> None:
    """The desk's vault verifies and every sealed file opens to its original bytes."""
    vault = w.org.desk.vault()
    checked = verify_vault(vault.root)
    assert checked.ok, checked.problems
    assert checked.tree_size == len(w.sealed)
    identity = [w.org.desk_keys.identity]
    for receipt, original in w.sealed:
        opened = open_entry(vault, receipt.entry_id, identity)
        written = write_files(vault, opened, identity, out / receipt.entry_id)
        assert [p.read_bytes() for p in written] == [original.read_bytes()]


# -- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mis", MISBEHAVIOURS, ids=lambda m: m.name)
def test_station_sync_names_the_misbehaving_mirror_and_repairs_it(
    world: World, mis: Misbehaviour, how: str, tmp_path: Path
) -> None:
    # Given: both mirrors hold the station's two entries, and this home has seen
    # checkpoint 2; then mirror a misbehaves
    names = _misbehave(world, mis, how)

    # When: the station syncs, re-hashing every object
    report = sync_home(world.org.station, deep=True)

    # Then: mirror a is named with what is wrong; b is not blamed; a is repaired from
    # this home's copy, so the next sync is clean and each mirror verifies alone
    a = _assert_named(report, mis.says, names)
    assert not report.ok
    assert any(names in r or world.kid in r for r in a.repaired), a.repaired
    _assert_clean(world, world.org.station)
    # And: a desk pulling from the repaired mirrors gets every entry, intact
    pulled = sync_home(world.org.desk)
    assert pulled.ok, pulled
    _assert_desk_has_everything(world, tmp_path / "opened")


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mis", MISBEHAVIOURS, ids=lambda m: m.name)
def test_a_misbehaving_mirror_fails_verify_on_its_own_unless_it_is_consistent(
    world: World, mis: Misbehaviour, how: str
) -> None:
    # Given: mirror a misbehaves
    names = _misbehave(world, mis, how)

    # When: it is verified in place, with no key and no memory of earlier checkpoints
    found = verify_source(MirrorSource(world.store("a")))

    # Then: damage to its content is reported with the object or log it concerns; a
    # rollback or fork is a consistent vault alone (a home's memory catches it, above)
    if mis.verify_says is None:
        assert found.ok, found.problems
        return
    assert not found.ok
    text = "\n".join(f"{p.where}: {p.what}" for p in found.problems)
    assert mis.verify_says in text, text
    assert names.rsplit("/", 1)[-1] in text, text
    assert verify_source(MirrorSource(world.store("b"))).ok


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mis", MISBEHAVIOURS, ids=lambda m: m.name)
def test_desk_pull_names_the_misbehaving_mirror_and_takes_sound_data(
    world: World, mis: Misbehaviour, how: str, tmp_path: Path
) -> None:
    # Given: the station is offline. For a rollback or a fork the desk must already have
    # seen the newer history (nothing else could tell it apart), so it pulls first.
    if mis.name in ("rollback", "fork"):
        assert sync_home(world.org.desk).ok
    desk_vault = world.org.desk.vault()
    had_blob = desk_vault.object_path("blobs", world.sealed[0][0].blobs[0].id).exists()
    names = _misbehave(world, mis, how)

    # When: the desk syncs, without deep re-hashing: it re-hashes what it pulls
    report = sync_home(world.org.desk)

    # Then: mirror a is named and repaired (from b, through the desk); b is not blamed
    _assert_named(report, mis.says, names)
    if mis.name == "corrupted-object":
        assert not had_blob  # the good copy came from mirror b
        assert _by_name(report)["b"].pulled_records + _by_name(report)["a"].pulled_records == 2
    # And: the desk holds sound data, and the mirrors are clean afterwards
    _assert_desk_has_everything(world, tmp_path / "opened")
    _assert_clean(world, world.org.desk)


@pytest.mark.parametrize("how", HOW)
def test_desk_alone_repairs_a_mirror_after_the_station_dropped_out(
    world: World, how: str, tmp_path: Path
) -> None:
    # Given: the desk has pulled everything, then the station is gone for good
    assert sync_home(world.org.desk).ok
    shutil.rmtree(world.org.station.path)
    # ...and mirror a corrupts one blob (same size) and loses one entry
    corrupt, lost = world.blob_key(1), world.entry_key(0)
    if how == "on-disk":
        _flip_file(world.folder("a") / corrupt)
        (world.folder("a") / lost).unlink()
    else:
        double = AdversarialStore(FolderStore("a", world.folder("a")))
        double.corrupt(corrupt)
        double.drop(lost)
        world.doubles["a"] = double

    # When: the desk syncs with deep re-hashing
    report = sync_home(world.org.desk, deep=True)

    # Then: both faults are named on mirror a, and both are written again
    a = _assert_named(report, f"{corrupt} is corrupted", corrupt)
    assert any(lost in p and "is missing" in p for p in a.problems), a.problems
    assert f"{corrupt} written again" in a.repaired
    assert f"{lost} written again" in a.repaired
    if how == "on-disk":
        assert FolderStore("a", world.folder("a")).hash(corrupt)[0] == corrupt.rsplit("/")[-1]
    _assert_clean(world, world.org.desk)
    _assert_desk_has_everything(world, tmp_path / "opened")


@pytest.mark.parametrize("how", HOW)
def test_station_without_its_ciphertext_repairs_a_mirror_from_the_other(
    world: World, how: str
) -> None:
    # Given: both entries are safe on two mirrors, so the station dropped its ciphertext
    assert drop_safe_objects(world.org.station) == 2
    vault = world.org.station.vault()
    key = world.blob_key(1)
    assert not vault.object_path("blobs", key.rsplit("/", 1)[-1]).exists()
    # ...then mirror a corrupts that blob and loses an entry
    lost = world.entry_key(0)
    if how == "on-disk":
        _flip_file(world.folder("a") / key)
        (world.folder("a") / lost).unlink()
    else:
        double = AdversarialStore(FolderStore("a", world.folder("a")))
        double.corrupt(key)
        double.drop(lost)
        world.doubles["a"] = double

    # When: the station syncs with deep re-hashing
    report = sync_home(world.org.station, deep=True)

    # Then: mirror a is named for both, and both are written again from mirror b's copy
    # (the station holds none); the station still holds no ciphertext of them
    a = _assert_named(report, f"{key} is corrupted", key)
    assert any(lost in p and "is missing" in p for p in a.problems), a.problems
    assert {f"{key} written again", f"{lost} written again"} <= set(a.repaired)
    assert not vault.object_path("blobs", key.rsplit("/", 1)[-1]).exists()
    _assert_clean(world, world.org.station)


def test_without_deep_a_same_size_corruption_is_left_for_a_deep_sync(world: World) -> None:
    # Given: mirror a's blob has one bit flipped on disk (same size)
    _flip_file(world.folder("a") / world.blob_key(0))

    # When: the station syncs without re-hashing, then with
    shallow = sync_home(world.org.station)
    deep = sync_home(world.org.station, deep=True)

    # Then: the cheap sync trusts sizes; the deep one names the object
    assert shallow.ok, shallow
    _assert_named(deep, "is corrupted", world.blob_key(0))


def test_corruption_on_both_mirrors_is_named_on_both_and_repaired_from_the_home(
    world: World,
) -> None:
    # Given: both mirrors damaged the same blob in different ways
    key = world.blob_key(1)
    _flip_file(world.folder("a") / key)
    _cut_file(world.folder("b") / key)

    # When: the station syncs
    report = sync_home(world.org.station, deep=True)

    # Then: each mirror is named for its own fault and both are written again from the home
    mirrors = _by_name(report)
    assert any(key in p and "is corrupted" in p for p in mirrors["a"].problems)
    assert any(key in p and "truncated or corrupted" in p for p in mirrors["b"].problems)
    assert f"{key} written again" in mirrors["a"].repaired
    assert f"{key} written again" in mirrors["b"].repaired
    _assert_clean(world, world.org.station)


def test_a_desk_that_finds_no_sound_copy_names_both_mirrors_and_destroys_nothing(
    world: World, tmp_path: Path
) -> None:
    # Given: both mirrors hold a corrupted copy of a blob the desk has never pulled
    key = world.blob_key(0)
    _flip_file(world.folder("a") / key)
    _flip_file(world.folder("b") / key)
    damaged = (world.folder("a") / key).read_bytes()

    # When: the desk pulls
    report = sync_home(world.org.desk)

    # Then: the sync finishes and names both mirrors for the corrupted blob, and the
    # blob as lost; the records enter the desk's vault all the same (each is signed and
    # proven: one bad file must not hold back a whole log, and on the last surviving
    # mirror it would be all there is), and verify names the missing blob; the damaged
    # copies are left in place (nothing sound to put instead: deleting the last copies
    # would lose what a forensic reader might still recover)
    mirrors = _by_name(report)
    for name in ("a", "b"):
        text = "\n".join(mirrors[name].problems)
        assert f"{key} is corrupted" in text, text
    assert any(f"{key} is lost" in p for m in mirrors.values() for p in m.problems)
    assert report.lost == [key] and not report.ok
    vault = world.org.desk.vault()
    assert not vault.object_path("blobs", key.rsplit("/", 1)[-1]).exists()
    checked = verify_vault(vault.root)
    assert not checked.ok and checked.tree_size > 0
    assert any(key.rsplit("/", 1)[-1] in p.where + p.what for p in checked.problems)
    assert (world.folder("a") / key).read_bytes() == damaged
    # When: the station, which holds the sound copy, syncs; then the desk again
    assert not sync_home(world.org.station, deep=True).ok
    pulled = sync_home(world.org.desk)
    # Then: both mirrors were repaired and the desk has everything
    assert pulled.ok, pulled
    _assert_desk_has_everything(world, tmp_path / "opened")
