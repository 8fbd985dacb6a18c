"""Verify a vault, or any copy of one, with no secret key.

Checks, in order (``docs/format/vault.md``, "Verifying"): the vault marker; the
organisation file's root signature; every keyring statement (chain, signature,
authority); for every log: the signed checkpoint, every record (canonical form,
sequence, signature, writer trusted at that position), the Merkle root over the records
against the checkpoint, and every entry and blob the records name (present, SHA-256 of
the bytes equals the name, size as recorded). Every problem is reported with the file
it concerns; verification goes on after a problem so that one run lists them all.

A log whose record times go backwards is a note, not a problem: Amanat holds a log's
times in order when it seals (``LogWriter.time_for``), but a log sealed by an older
version under a clock stepped back may have them, and it is as genuine as any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import AmanatError, FormatError, Words
from amanat.vault import merkle, note
from amanat.vault.log import TIME, Envelope, checkpoint_origin
from amanat.vault.org import Keyring, OrgFile
from amanat.vault.source import FolderSource, VaultSource
from amanat.vault.store import KID

__all__ = ["LogSummary", "Problem", "VerifyReport", "verify_source", "verify_vault"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    where: str  # path relative to the vault, e.g. "blobs/ab/ab12…"
    what: Words


@dataclass
class LogSummary:
    log: str
    name: str
    size: int
    root: str
    pending: int = 0


@dataclass
class VerifyReport:
    vault: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Words] = field(default_factory=list)
    logs: list[LogSummary] = field(default_factory=list)
    entries: int = 0
    blobs: int = 0
    bytes_checked: int = 0
    dropped: int = 0  # objects a station dropped on purpose once mirrors held them

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def tree_size(self) -> int:
        return sum(s.size for s in self.logs)

    def add(self, where: str, what: Words) -> None:
        self.problems.append(Problem(where, what))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "vault": str(self.vault),
            "entries": self.entries,
            "blobs": self.blobs,
            "bytes_checked": self.bytes_checked,
            "dropped": self.dropped,
            "tree_size": self.tree_size,
            "logs": [s.__dict__ for s in self.logs],
            "problems": [p.__dict__ for p in self.problems],
            "notes": self.notes,
        }


class _Checker:
    def __init__(
        self, source: VaultSource, report: VerifyReport, progress: Progress | None
    ) -> None:
        self.source = source
        self.report = report
        self.progress = progress
        self.seen: dict[str, str] = {}  # object path -> the log record naming it

    def check_object(
        self,
        kind: str,
        object_id: str,
        size: int,
        named_by: str,
        *,
        pending: bool = False,
        dropped: bool = False,
    ) -> None:
        rel = f"{kind}/{object_id[:2]}/{object_id}"
        if rel in self.seen:
            self.report.add(
                rel,
                Words(
                    "named by both %(first)s and %(second)s (replayed record)",
                    first=self.seen[rel],
                    second=named_by,
                ),
            )
            return
        self.seen[rel] = named_by
        try:
            found = self.source.object_digest(kind, object_id)
        except OSError as exc:
            self.report.add(rel, Words("unreadable: %(reason)s", reason=exc.strerror))
            return
        except AmanatError as exc:
            self.report.add(rel, Words("unreadable: %(reason)s", reason=exc))
            return
        if found is None:
            if dropped:
                self.report.dropped += 1
            elif pending:  # an interrupted seal may stop before its entry is in place
                self.report.notes.append(
                    Words("%(path)s of the unacknowledged record is not in place.", path=rel)
                )
            else:
                self.report.add(rel, Words("missing (named by %(record)s)", record=named_by))
            return
        digest, actual = found
        self.report.bytes_checked += actual
        if self.progress:
            self.progress(actual)
        if digest != object_id:
            self.report.add(rel, Words("content does not match its name (corrupted or replaced)"))
        elif actual != size:
            self.report.add(
                rel,
                Words(
                    "size %(actual)d differs from the %(size)d bytes recorded",
                    actual=actual,
                    size=size,
                ),
            )
        if kind == "entries":
            self.report.entries += 1
        else:
            self.report.blobs += 1

    def check_log(self, kid: str, ring: Keyring) -> None:
        rel = f"logs/{kid}"
        where_records = self.source.records_where(kid)
        where_checkpoint = self.source.checkpoint_where(kid)
        state = ring.keys.get(kid)
        if state is None:
            self.report.add(rel, Words("a log written by a key the organisation never trusted"))
            return
        origin = checkpoint_origin(ring.org.org_id, kid)
        lines, torn = self.source.records(kid)
        cp_size, cp_root = 0, merkle.EMPTY_ROOT
        try:
            text = self.source.checkpoint(kid)
            if text is None:
                if len(lines) > 1:
                    self.report.add(where_checkpoint, Words("missing"))
            else:
                cp = note.open_checkpoint(text, origin, state.key, origin)
                cp_size, cp_root = cp.size, cp.root_hash
        except AmanatError as exc:
            self.report.add(where_checkpoint, Words("not valid: %(reason)s", reason=exc))
            cp_size = len(lines)
            cp_root = b""
        if cp_size > len(lines):
            self.report.add(
                where_records,
                Words(
                    "holds %(count)d records but the checkpoint covers %(size)d "
                    "(records were deleted or the file truncated)",
                    count=len(lines),
                    size=cp_size,
                ),
            )
        pending = len(lines) - cp_size
        limit = self.source.pending_limit
        if limit is not None and pending > limit:
            self.report.add(
                where_checkpoint,
                Words(
                    "%(count)d records lie beyond the checkpoint (the checkpoint was rolled back)",
                    count=pending,
                ),
            )
        if torn:
            self.report.notes.append(
                Words(
                    "%(path)s ends with %(count)d bytes of an interrupted write; ignored.",
                    path=where_records,
                    count=len(torn),
                )
            )
        dropped = self.source.dropped(kid)
        hashes: list[bytes] = []
        last_time = ""  # the latest time so far, of the records whose time is well formed
        earlier: list[int] = []  # records timed earlier than a record before them
        for seq, line in enumerate(lines):
            where = f"{where_records} record {seq}"
            hashes.append(merkle.leaf_hash(line))
            try:
                env = Envelope.parse(line, where=f"{kid}/{seq}")
            except AmanatError as exc:
                self.report.add(where, Words.of(exc))
                continue
            if env.seq != seq or env.log != kid or env.key != kid:
                self.report.add(
                    where,
                    Words("says it is record %(seq)d of log %(log)s", seq=env.seq, log=env.log),
                )
                continue
            if not env.signature_ok(state.key):
                self.report.add(where, Words("signature is not valid"))
                continue
            if not ring.may_write(kid, seq):
                self.report.add(where, Words("signed by a key that was revoked before it"))
            if TIME.fullmatch(env.time):
                if env.time < last_time:
                    earlier.append(seq)
                last_time = max(last_time, env.time)
            late = seq >= cp_size
            gone = seq < dropped
            self.check_object(
                "entries", env.entry, env.entry_size, where, pending=late, dropped=gone
            )
            for blob in env.blobs:
                self.check_object("blobs", blob.id, blob.size, where, dropped=gone)
        if cp_root and merkle.root_from_leaf_hashes(hashes[:cp_size]) != cp_root:
            self.report.add(
                where_records, Words("records do not hash to the checkpoint's root (altered log)")
            )
        if earlier:
            self.report.notes.append(
                Words(
                    "%(path)s: %(count)d record(s) timed earlier than a record before them "
                    "(first: record %(first)d), sealed while the writer's clock was behind; "
                    "the fold orders them by time, not by their place in the log.",
                    path=where_records,
                    count=len(earlier),
                    first=earlier[0],
                )
            )
        if pending > 0 and (limit is None or pending <= limit):
            self.report.notes.append(
                Words(
                    "%(log)s: %(count)d record(s) after the checkpoint, from an interrupted seal "
                    "or sync (never acknowledged); the next seal or sync completes it.",
                    log=rel,
                    count=pending,
                )
            )
        size = min(cp_size, len(lines))
        root = merkle.root_from_leaf_hashes(hashes[:size]).hex()
        self.report.logs.append(LogSummary(kid, state.name, size, root, max(pending, 0)))

    def check_unreferenced(self) -> None:
        """Objects no record names: leftovers of an interrupted seal or pull, harmless.

        A single copy cannot tell a deleted log from one never written; a home compares
        what it has against the checkpoints it has seen before (mirrors) for that.
        """
        for where, kind, name_ok in self.source.other_objects(set(self.seen)):
            if where == kind:
                self.report.add(kind, Words("folder missing"))
            elif not name_ok:
                self.report.add(where, Words("not an object of this vault (unexpected file)"))
            elif self.source.digest_of(where) != where.rsplit("/", 1)[-1]:
                self.report.add(where, Words("content does not match its name (corrupted)"))
            else:
                self.report.notes.append(
                    Words(
                        "%(path)s is named by no record (left by an interrupted write); harmless.",
                        path=where,
                    )
                )


def verify_source(source: VaultSource, *, progress: Progress | None = None) -> VerifyReport:
    """Verify any vault source; never raises for problems in the vault itself."""
    report = VerifyReport(vault=source.label)
    problem = source.marker_problem()
    if problem:
        report.add("AMANAT-VAULT", problem)
        return report
    try:
        org = OrgFile.from_bytes(source.org_bytes())
    except AmanatError as exc:
        report.add("org.json", Words.of(exc))
        return report
    try:
        ring = Keyring.load(org, source.keyring_bytes())
    except AmanatError as exc:
        report.add("keyring.jsonl", Words.of(exc))
        return report
    checker = _Checker(source, report, progress)
    try:
        names = source.log_names()
    except AmanatError as exc:
        report.add("logs", Words.of(exc))
        names = []
    for name in names:
        if not KID.match(name):
            report.add(f"logs/{name}", Words("not a log of this vault (unexpected file)"))
            continue
        try:
            checker.check_log(name, ring)
        except FormatError as exc:
            report.add(f"logs/{name}", Words.of(exc))
    checker.check_unreferenced()
    return report


def verify_vault(root: Path, *, progress: Progress | None = None) -> VerifyReport:
    """Verify the vault folder at ``root``."""
    return verify_source(FolderSource(root), progress=progress)
