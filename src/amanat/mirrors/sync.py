"""Sync: push what mirrors lack, pull what this home lacks, catch and repair bad mirrors.

Mirrors are untrusted. For each mirror, sync reads its listing and its logs and checks:
the organisation file is ours; every checkpoint is signed by a trusted key and matches
the records; no log is shorter than the largest checkpoint this home has ever seen
(**rollback**) or disagrees with it (**fork**); every object a record names is there with
the recorded size (with ``deep``, re-hashed too). Every problem is reported with the
mirror's name. Then, in order: pull from the mirrors that are sound (a desk), push to
every mirror what it lacks, and repair what a mirror got wrong from this home's copy or
another mirror's (a bad object is deleted and written again; a rolled-back or forked log
is replaced by the history this home has verified).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from amanat.errors import AmanatError, FormatError, IntegrityError, MirrorError, NotFound, Words
from amanat.mirrors.config import MirrorConfig, MirrorEntry, MirrorState, open_store
from amanat.mirrors.layout import (
    MIRROR_MARKER,
    MirrorSource,
    checkpoint_key,
    keyring_key,
    object_key,
    segment_key,
)
from amanat.mirrors.store import FolderStore, ObjectStore
from amanat.vault import durable, merkle, note
from amanat.vault.home import Home
from amanat.vault.log import Envelope, checkpoint_origin
from amanat.vault.org import Keyring
from amanat.vault.source import sha256_file
from amanat.vault.store import Vault

__all__ = ["MirrorReport", "SyncReport", "sync_home"]

Progress = Callable[[int], None]
_THREADS = 8


@dataclass
class MirrorReport:
    name: str
    reachable: bool = True
    problems: list[Words] = field(default_factory=list)
    repaired: list[Words] = field(default_factory=list)
    pushed_objects: int = 0
    pushed_bytes: int = 0
    pushed_records: int = 0
    pulled_records: int = 0
    lost_objects: int = 0  # named by records, with no sound copy anywhere


@dataclass
class SyncReport:
    mirrors: list[MirrorReport] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # lost objects found again on a mirror
    lost: list[str] = field(default_factory=list)  # still lost after this sync

    @property
    def ok(self) -> bool:
        return all(m.reachable and not m.problems for m in self.mirrors) and not self.lost


@dataclass
class _LogView:
    """What one mirror holds of one log, after checking it."""

    lines: list[bytes]
    size: int  # records covered by a valid checkpoint
    checkpoint: str | None
    sound: bool = True
    # For a log that is not sound because records were lost or damaged: the longest
    # prefix of its records that an older checkpoint of the mirror still proves (size,
    # checkpoint, records). A pull may take it (it is signed and matches its root); the
    # mirror itself is still rewritten from this home's copy.
    fallback: tuple[int, str, list[bytes]] | None = None
    # a sound log of a revoked key that goes on past the size it was revoked at: only
    # ``fallback`` (what a checkpoint proves up to that size) may be taken
    capped: bool = False


class _Mirror:
    def __init__(self, entry: MirrorEntry, store: ObjectStore, report: MirrorReport) -> None:
        self.entry = entry
        self.store = store
        self.report = report
        self.source = MirrorSource(store)
        self.logs: dict[str, _LogView] = {}
        self.bad_objects: set[str] = set()
        self.keyring_good = 0  # how many of its keyring statements agree with ours
        self.was_empty = self.source.empty

    def problem(self, text: Words) -> None:
        self.report.problems.append(text)


def _local_log(vault: Vault, kid: str) -> tuple[list[bytes], str | None]:
    files = vault.log(kid)
    text = files.read_checkpoint()
    lines, _ = files.read_records()
    if text is None:
        return [], None
    size = int(text.split("\n")[1])
    return lines[:size], text


def _inspect_keyring(m: _Mirror, ring: Keyring) -> Keyring | None:
    """Check the mirror's keyring; returns it when it is valid and extends ours."""
    count = len(m.source.keyring_keys)
    try:
        theirs = Keyring.load(ring.org, m.source.keyring_bytes()) if count else None
    except AmanatError as exc:
        m.problem(Words("keyring: %(reason)s", reason=exc))
        theirs = None
    if theirs is None:
        # keep the statements that still agree with ours; the rest is written again
        agree = 0
        for seq, key in m.source.keyring_keys:
            try:
                if seq != agree or m.store.get(key) != ring.lines[seq] + b"\n":
                    break
            except (AmanatError, IndexError):
                break
            agree += 1
        m.keyring_good = agree
        return None
    n = min(len(theirs.lines), len(ring.lines))
    if theirs.lines[:n] != ring.lines[:n]:
        m.problem(Words("keyring: disagrees with this home's keyring (a fork of the key history)"))
        m.keyring_good = next(i for i in range(n) if theirs.lines[i] != ring.lines[i])
        return None
    m.keyring_good = len(theirs.lines)
    return theirs if len(theirs.lines) > len(ring.lines) else None


def _inspect(m: _Mirror, ring: Keyring, state: MirrorState, deep: bool) -> None:
    """Check everything the mirror serves against the keyring and what we have seen."""
    src = m.source
    held_before = state.confirmed.get(m.entry.name, {})
    if m.was_empty and any(held_before.values()):
        m.problem(
            Words(
                "the mirror is empty, but it held %(count)d records at the last sync "
                "(wiped or replaced)",
                count=sum(held_before.values()),
            )
        )
    for kid, held in held_before.items():
        if held and kid not in src.log_names() and not m.was_empty:
            m.problem(
                Words(
                    "log %(log)s is gone, but it held %(count)d records at the last sync (deleted)",
                    log=kid,
                    count=held,
                )
            )
    for kid in src.log_names():
        key = ring.keys.get(kid)
        if key is None:
            m.problem(
                Words("log %(log)s is written by a key the organisation never trusted", log=kid)
            )
            continue
        origin = checkpoint_origin(ring.org.org_id, kid)
        view = _LogView([], 0, None)
        m.logs[kid] = view
        try:
            view.lines, _ = src.records(kid)
            text = src.checkpoint(kid)
            if text is not None:
                cp = note.open_checkpoint(text, origin, key.key, origin)
                if cp.size > len(view.lines):
                    raise FormatError(
                        "checkpoint %(size)s covers records the mirror lacks "
                        "(it has %(count)s): records were deleted or truncated",
                        size=cp.size,
                        count=len(view.lines),
                    )
                hashes = [merkle.leaf_hash(x) for x in view.lines[: cp.size]]
                if merkle.root_from_leaf_hashes(hashes) != cp.root_hash:
                    raise FormatError("records do not match the checkpoint (altered records)")
                view.size, view.checkpoint = cp.size, text
        except AmanatError as exc:
            m.problem(Words("log %(log)s: %(reason)s", log=kid, reason=exc))
            view.sound = False
            view.fallback = _proven_prefix(src, kid, origin, key.key)
            if view.fallback is not None:
                m.problem(
                    Words(
                        "log %(log)s: records 0–%(last)d are still proven by an older "
                        "checkpoint, and can be taken",
                        log=kid,
                        last=view.fallback[0] - 1,
                    )
                )
            continue
        if not key.active and key.keep_until is not None and view.size > key.keep_until:
            # Signed by a key after it was revoked (a seized station's, or one that never
            # learnt of the revocation): not taken, and not counted as safe; left on the
            # mirror, where a person can still look at it.
            m.problem(
                Words(
                    "log %(log)s: records %(first)d–%(last)d were signed after the key was "
                    "revoked (at %(first)d); they are not taken",
                    log=kid,
                    first=key.keep_until,
                    last=view.size - 1,
                )
            )
            view.capped = True
            view.fallback = _proven_prefix(src, kid, origin, key.key, most=key.keep_until)
        seen = state.seen.get(kid)
        # A mirror merely behind this home (not pushed to yet) is no rollback: only one
        # serving less than it held at its last sync is.
        held = int(state.confirmed.get(m.entry.name, {}).get(kid, 0))
        if view.size < held:
            m.problem(
                Words(
                    "log %(log)s: serves %(size)d records but held %(held)d at the last sync "
                    "(rolled back)",
                    log=kid,
                    size=view.size,
                    held=held,
                )
            )
            view.sound = False
        elif seen and view.size >= int(seen["size"]):
            hashes = [merkle.leaf_hash(x) for x in view.lines[: int(seen["size"])]]
            if merkle.root_from_leaf_hashes(hashes).hex() != seen["root"]:
                m.problem(
                    Words(
                        "log %(log)s: disagrees with the history this home has seen (a fork)",
                        log=kid,
                    )
                )
                view.sound = False
        for seq, line in enumerate(view.lines[: view.size]):
            env = Envelope.parse(line, where=f"{kid}/{seq}")
            wanted = [("entries", env.entry, env.entry_size)]
            wanted += [("blobs", b.id, b.size) for b in env.blobs]
            for kind, object_id, size in wanted:
                okey = object_key(kind, object_id)
                have = src.index.get(okey)
                if have is None:
                    m.problem(
                        Words(
                            "%(key)s is missing (named by log %(log)s record %(seq)d)",
                            key=okey,
                            log=kid,
                            seq=seq,
                        )
                    )
                    m.bad_objects.add(okey)
                elif have != size:
                    m.problem(
                        Words(
                            "%(key)s has %(have)d bytes, not %(size)d (truncated or corrupted)",
                            key=okey,
                            have=have,
                            size=size,
                        )
                    )
                    m.bad_objects.add(okey)
                elif deep and m.store.hash(okey)[0] != object_id:
                    m.problem(_corrupted(okey))
                    m.bad_objects.add(okey)


def _corrupted(okey: str) -> Words:
    return Words("%(key)s is corrupted (its content does not match its name)", key=okey)


def _proven_prefix(
    src: MirrorSource, kid: str, origin: str, key: bytes, most: int | None = None
) -> tuple[int, str, list[bytes]] | None:
    """The longest prefix of a log (damaged, or to be taken only up to ``most``
    records) that one of the mirror's checkpoints still proves: (size, checkpoint text,
    records), or None."""
    lines, _ = src.readable_records(kid)
    for size in sorted(src.checkpoints.get(kid, []), reverse=True):
        if size == 0 or size > len(lines) or (most is not None and size > most):
            continue
        try:
            text = src.checkpoint_text(kid, size)
            cp = note.open_checkpoint(text, origin, key, origin)
        except AmanatError:
            continue
        hashes = [merkle.leaf_hash(x) for x in lines[: cp.size]]
        if cp.size == size and merkle.root_from_leaf_hashes(hashes) == cp.root_hash:
            return size, text, lines[:size]
    return None


class _ObjectFinder:
    """Finds a good copy of an object: this vault first, then each sound mirror."""

    def __init__(self, vault: Vault, mirrors: list[_Mirror]) -> None:
        self.vault = vault
        self.mirrors = mirrors

    def fetch(self, kind: str, object_id: str, exclude: _Mirror | None) -> tuple[Path, bool]:
        """A path holding the verified object, and whether it is a temporary copy."""
        local = self.vault.object_path(kind, object_id)
        if local.exists():
            return local, False
        okey = object_key(kind, object_id)
        for m in self.mirrors:
            if m is exclude or okey not in m.source.index or okey in m.bad_objects:
                continue
            part = durable.new_part_path(self.vault.tmp_dir)
            try:
                m.store.download(okey, part)
                digest, _ = sha256_file(part)
            except AmanatError:
                part.unlink(missing_ok=True)
                continue
            if digest == object_id:
                return part, True
            m.problem(_corrupted(okey))
            m.bad_objects.add(okey)
            part.unlink(missing_ok=True)
        raise NotFound("No sound copy of %(key)s is left, here or on any mirror.", key=okey)


def _pull(
    vault: Vault,
    m: _Mirror,
    finder: _ObjectFinder,
    state: MirrorState,
    progress: Progress | None = None,
) -> None:
    """Bring records (and their objects) that this vault lacks from a mirror: from a
    sound log, or from the prefix of a damaged one that an older checkpoint proves.

    Every object is fetched before the records that name it are written. An object no
    mirror holds a sound copy of is **lost**: it is reported, and the records are
    written all the same (each is signed and proven by the checkpoint), so that one
    damaged file on the last surviving mirror costs one testimony, not the whole log;
    verify then names what is missing, and a later sync fetches it from any mirror
    that has it."""
    for kid, view in m.logs.items():
        if view.sound and view.checkpoint is not None and not view.capped:
            size, checkpoint, proven = view.size, view.checkpoint, view.lines
        elif view.fallback is not None:
            size, checkpoint, proven = view.fallback
        else:
            continue
        lines, _ = _local_log(vault, kid)
        if proven[: len(lines)] != lines[:size]:
            m.problem(Words("log %(log)s: disagrees with this home's copy (a fork)", log=kid))
            view.sound = False
            continue
        if size <= len(lines):
            continue
        files = vault.log(kid)
        for seq in range(len(lines), size):  # every object first
            env = Envelope.parse(proven[seq], where=f"{kid}/{seq}")
            for kind, object_id in [("entries", env.entry)] + [("blobs", b.id) for b in env.blobs]:
                if vault.object_path(kind, object_id).exists():
                    continue
                try:
                    path, temporary = finder.fetch(kind, object_id, exclude=None)
                except NotFound:
                    m.problem(
                        Words(
                            "%(key)s is lost: no sound copy here or on any mirror (named by "
                            "log %(log)s record %(seq)d); the record is kept",
                            key=object_key(kind, object_id),
                            log=kid,
                            seq=seq,
                        )
                    )
                    m.report.lost_objects += 1
                    state.lost.append(object_key(kind, object_id))
                    continue
                if progress:
                    progress(path.stat().st_size)
                if temporary:
                    durable.place(path, vault.object_path(kind, object_id))
        keep = sum(len(x) + 1 for x in lines)
        if files.records_path.exists() and files.records_path.stat().st_size > keep:
            files.truncate_to(keep)  # records of a pull cut short before its checkpoint
        for seq in range(len(lines), size):
            files.append_record(proven[seq])
            m.report.pulled_records += 1
        durable.write_atomic(files.checkpoint_path, checkpoint.encode(), vault.tmp_dir)
        root = merkle.root_from_leaf_hashes([merkle.leaf_hash(x) for x in proven[:size]])
        state.remember(kid, size, root.hex())


def _push(
    vault: Vault,
    m: _Mirror,
    finder: _ObjectFinder,
    progress: Progress | None,
    cancel: threading.Event | None = None,
) -> None:
    """Give the mirror what it lacks, repairing what it got wrong."""
    store, src = m.store, m.source
    for okey in sorted(m.bad_objects):
        src.index.pop(okey, None)  # deleted below, once a sound copy is in hand
    for files in vault.logs():
        kid = files.kid
        lines, text = _local_log(vault, kid)
        if text is None:
            continue
        view = m.logs.get(kid)
        have = len(view.lines) if view else 0
        common = min(have, len(lines))
        if view is not None and view.sound and view.lines[:common] != lines[:common]:
            m.problem(
                Words("log %(log)s: disagrees with this home's verified copy (a fork)", log=kid)
            )
            view.sound = False
        if view is not None and not view.sound:
            _forget_log(m, kid)
            m.report.repaired.append(
                Words("log %(log)s rewritten from this home's verified copy", log=kid)
            )
            view, have = None, 0
        if have > len(lines):
            continue  # the mirror is ahead of this home; a desk pulls it first
        wanted: list[tuple[str, str]] = []
        for seq, line in enumerate(lines):
            env = Envelope.parse(line, where=f"{kid}/{seq}")
            wanted += [("entries", env.entry)] + [("blobs", b.id) for b in env.blobs]
        missing = [(k, i) for k, i in wanted if object_key(k, i) not in src.index]

        def send(item: tuple[str, str]) -> None:
            if cancel is not None and cancel.is_set():
                return
            kind, object_id = item
            okey = object_key(kind, object_id)
            try:
                path, temporary = finder.fetch(kind, object_id, exclude=m)
            except NotFound:
                m.problem(
                    Words(
                        "%(key)s is lost: no sound copy here or on any mirror to give it",
                        key=okey,
                    )
                )
                return
            try:
                if okey in m.bad_objects:
                    with contextlib.suppress(AmanatError):
                        store.delete(okey)
                size = path.stat().st_size
                if store.upload(okey, path, progress):
                    m.report.pushed_objects += 1
                    m.report.pushed_bytes += size
                    if okey in m.bad_objects:
                        m.report.repaired.append(Words("%(key)s written again", key=okey))
                elif okey in m.bad_objects:
                    m.problem(
                        Words(
                            "%(key)s could not be replaced (the mirror refused to delete it)",
                            key=okey,
                        )
                    )
            finally:
                if temporary:
                    path.unlink(missing_ok=True)

        with ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(send, missing))
        if cancel is not None and cancel.is_set():
            return
        if have < len(lines) and not store.put(
            segment_key(kid, have), b"".join(x + b"\n" for x in lines[have:])
        ):
            # Another home pushed a segment at the same place meanwhile: look again.
            fresh = MirrorSource(store)
            theirs, _ = fresh.records(kid)
            if theirs[: len(lines)] != lines[: len(theirs)]:
                m.problem(
                    Words(
                        "log %(log)s: another writer pushed a different history meanwhile",
                        log=kid,
                    )
                )
                continue
            if len(theirs) < len(lines):
                store.put(
                    segment_key(kid, len(theirs)),
                    b"".join(x + b"\n" for x in lines[len(theirs) :]),
                )
        m.report.pushed_records += max(len(lines) - have, 0)
        if checkpoint_key(kid, len(lines)) not in src.index:
            store.put(checkpoint_key(kid, len(lines)), text.encode())


def _forget_log(m: _Mirror, kid: str) -> None:
    """Delete a misbehaving mirror's copy of one log, so it can be written again."""
    keys = [key for _, key in m.source.segments.pop(kid, [])]
    keys += [checkpoint_key(kid, size) for size in m.source.checkpoints.pop(kid, [])]
    for key in keys:
        with contextlib.suppress(AmanatError):
            m.store.delete(key)
        m.source.index.pop(key, None)


def _push_keyring(m: _Mirror, ring: Keyring) -> None:
    """Write the statements the mirror lacks; replace those it got wrong."""
    for seq, key in m.source.keyring_keys:
        if seq >= m.keyring_good and seq < len(ring.lines):
            with contextlib.suppress(AmanatError):
                m.store.delete(key)
            m.report.repaired.append(Words("keyring statement %(seq)d written again", seq=seq))
    have = {seq for seq, _ in m.source.keyring_keys if seq < m.keyring_good}
    for seq in range(len(ring.lines)):
        if seq not in have:
            m.store.put(keyring_key(seq), ring.lines[seq] + b"\n")


def _open_mirror(entry: MirrorEntry, ring: Keyring, *, create: bool) -> _Mirror:
    report = MirrorReport(entry.name)
    store = open_store(entry, create=create)
    if isinstance(store, FolderStore):
        store.clean_parts()  # leftovers of a sync killed mid-write
    m = _Mirror(entry, store, report)
    org_bytes = ring.org.to_bytes()
    if set(m.source.index) <= {"amanat-mirror"}:  # new, or its first sync was cut short
        store.put("amanat-mirror", MIRROR_MARKER)
        store.put("org.json", org_bytes)
        m.source = MirrorSource(store)
    problem = m.source.marker_problem()
    if problem:
        raise MirrorError(problem)
    if m.source.org_bytes() != org_bytes:
        raise MirrorError("Mirror %(name)s holds another organisation's archive.", name=entry.name)
    return m


def sync_home(
    home: Home,
    *,
    only: str | None = None,
    pull: bool = True,
    deep: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> SyncReport:
    """Sync ``home`` with its mirrors (or the one named ``only``); ``cancel`` stops the
    uploads early (panic)."""
    config = MirrorConfig.load(home.path)
    state = MirrorState.load(home.path)
    vault = home.vault()
    report = SyncReport()
    entries = [config.find(only)] if only else config.mirrors
    with vault.lock():
        ring = vault.read_keyring()
        for kid in [f.kid for f in vault.logs()]:
            lines, text = _local_log(vault, kid)
            if text is not None:
                root = merkle.root_from_leaf_hashes([merkle.leaf_hash(x) for x in lines])
                state.remember(kid, len(lines), root.hex())
        mirrors: list[_Mirror] = []
        newer: Keyring | None = None
        for entry in entries:
            try:
                # A mirror is made on its first sync; later, a missing one is an error
                # (an unplugged disk must not be refilled on the laptop's own disk).
                m = _open_mirror(entry, ring, create=entry.name not in state.confirmed)
                theirs = _inspect_keyring(m, ring)
                if theirs is not None and (newer is None or len(theirs.lines) > len(newer.lines)):
                    newer = theirs
                _inspect(m, ring, state, deep)
                mirrors.append(m)
                report.mirrors.append(m.report)
            except (MirrorError, FormatError, IntegrityError) as exc:
                report.mirrors.append(
                    MirrorReport(entry.name, reachable=False, problems=[Words.of(exc)])
                )
        if newer is not None:
            # A longer keyring, signed all the way from the organisation's root key: a
            # new desk or a revoked station reaches this home (stations too) this way.
            vault.replace_keyring(b"".join(line + b"\n" for line in newer.lines))
            ring = newer
        _check_mirrors_agree(vault, mirrors)
        finder = _ObjectFinder(vault, mirrors)
        if pull and "desk" in home.roles:
            for m in mirrors:
                try:
                    _pull(vault, m, finder, state, progress)
                except AmanatError as exc:
                    m.problem(Words("could not finish pulling: %(reason)s", reason=exc))
            _look_for_lost(vault, finder, state, report)
        for m in mirrors:
            try:
                _push_keyring(m, ring)
                _push(vault, m, finder, progress, cancel)
                state.confirmed[m.entry.name] = _confirmed(vault, MirrorSource(m.store))
            except AmanatError as exc:
                m.problem(Words("could not finish: %(reason)s", reason=exc))
        state.save(home.path)
    return report


def _look_for_lost(
    vault: Vault, finder: _ObjectFinder, state: MirrorState, report: SyncReport
) -> None:
    """Fetch the objects that records name but no mirror held when they were pulled,
    from any mirror that holds a sound copy now; the rest stay on the list."""
    still: list[str] = []
    for okey in sorted(set(state.lost)):
        kind, _, object_id = okey.split("/")
        if vault.object_path(kind, object_id).exists():
            continue
        try:
            path, temporary = finder.fetch(kind, object_id, exclude=None)
        except NotFound:
            still.append(okey)
            continue
        if temporary:
            durable.place(path, vault.object_path(kind, object_id))
        report.found.append(okey)
    state.lost = still
    report.lost = still


def _confirmed(vault: Vault, fresh: MirrorSource) -> dict[str, int]:
    """Per log, how many of this home's records the mirror now holds under a checkpoint."""
    out: dict[str, int] = {}
    for kid in fresh.checkpoints:
        lines, _ = _local_log(vault, kid)
        try:
            theirs, _ = fresh.records(kid)
        except AmanatError:
            continue
        if checkpoint_key(kid, len(lines)) in fresh.index and theirs[: len(lines)] == lines:
            out[kid] = len(lines)
    return out


def _check_mirrors_agree(vault: Vault, mirrors: list[_Mirror]) -> None:
    """Two mirrors holding different histories of a log this home has never seen: only a
    stolen station key can sign both, so neither is copied and both are named."""
    kids = {kid for m in mirrors for kid in m.logs}
    for kid in sorted(kids):
        if _local_log(vault, kid)[1] is not None:
            continue  # this home's own verified copy decides (see _inspect and _push)
        views = [(m, m.logs[kid]) for m in mirrors if kid in m.logs and m.logs[kid].sound]
        for (m1, v1), (m2, v2) in itertools.combinations(views, 2):
            n = min(v1.size, v2.size)
            if v1.lines[:n] != v2.lines[:n]:
                for m, v in ((m1, v1), (m2, v2)):
                    m.problem(
                        Words(
                            "log %(log)s: mirrors %(first)s and %(second)s hold two different "
                            "histories signed by the same key; the station key may be stolen. "
                            "Nothing of this log was copied; ask a reviewer.",
                            log=kid,
                            first=m1.entry.name,
                            second=m2.entry.name,
                        )
                    )
                    v.sound = False
