"""Verify a vault, or any copy of one, with no secret key.

Checks, in order (``docs/format/vault.md``, "Verifying"): the vault marker; the
organisation file's root signature; every keyring statement (chain, signature,
authority); for every log: the signed checkpoint, every record (canonical form,
sequence, signature, writer trusted at that position), the Merkle root over the records
against the checkpoint, and every entry and blob the records name (present, SHA-256 of
the bytes equals the name, size as recorded). Every problem is reported with the file
it concerns; verification goes on after a problem so that one run lists them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import AmanatError, FormatError
from amanat.vault import merkle, note
from amanat.vault.log import Envelope, checkpoint_origin
from amanat.vault.org import Keyring
from amanat.vault.store import HEX64, KID, KINDS, LogFiles, Vault

__all__ = ["LogSummary", "Problem", "VerifyReport", "verify_vault"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    where: str  # path relative to the vault, e.g. "blobs/ab/ab12…"
    what: str


@dataclass
class LogSummary:
    log: str
    name: str
    size: int
    root: str
    pending: int = 0


@dataclass
class VerifyReport:
    vault: Path
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    logs: list[LogSummary] = field(default_factory=list)
    entries: int = 0
    blobs: int = 0
    bytes_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def tree_size(self) -> int:
        return sum(s.size for s in self.logs)

    def add(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "vault": str(self.vault),
            "entries": self.entries,
            "blobs": self.blobs,
            "bytes_checked": self.bytes_checked,
            "tree_size": self.tree_size,
            "logs": [s.__dict__ for s in self.logs],
            "problems": [p.__dict__ for p in self.problems],
            "notes": self.notes,
        }


def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb", buffering=0) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class _Checker:
    def __init__(self, vault: Vault, report: VerifyReport, progress: Progress | None) -> None:
        self.vault = vault
        self.report = report
        self.progress = progress
        self.seen: dict[str, str] = {}  # object path -> the log record naming it

    def check_object(self, kind: str, object_id: str, size: int, named_by: str) -> None:
        path = self.vault.object_path(kind, object_id)
        rel = f"{kind}/{object_id[:2]}/{object_id}"
        if rel in self.seen:
            self.report.add(rel, f"named by both {self.seen[rel]} and {named_by} (replayed record)")
            return
        self.seen[rel] = named_by
        try:
            digest, actual = _sha256_file(path)
        except FileNotFoundError:
            self.report.add(rel, f"missing (named by {named_by})")
            return
        except OSError as exc:
            self.report.add(rel, f"unreadable: {exc.strerror}")
            return
        self.report.bytes_checked += actual
        if self.progress:
            self.progress(actual)
        if digest != object_id:
            self.report.add(rel, "content does not match its name (corrupted or replaced)")
        elif actual != size:
            self.report.add(rel, f"size {actual} differs from the {size} bytes recorded")
        if kind == "entries":
            self.report.entries += 1
        else:
            self.report.blobs += 1

    def check_log(self, files: LogFiles, ring: Keyring) -> None:
        kid = files.kid
        rel = f"logs/{kid}"
        state = ring.keys.get(kid)
        if state is None:
            self.report.add(rel, "a log written by a key the organisation never trusted")
            return
        origin = checkpoint_origin(ring.org.org_id, kid)
        lines, torn = files.read_records()
        cp_size, cp_root = 0, merkle.EMPTY_ROOT
        try:
            text = files.read_checkpoint()
            if text is None:
                if len(lines) > 1:
                    self.report.add(f"{rel}/checkpoint", "missing")
            else:
                cp = note.open_checkpoint(text, origin, state.key, origin)
                cp_size, cp_root = cp.size, cp.root_hash
        except AmanatError as exc:
            self.report.add(f"{rel}/checkpoint", f"not valid: {exc}")
            cp_size = len(lines)
            cp_root = b""
        if cp_size > len(lines):
            self.report.add(
                f"{rel}/log.jsonl",
                f"holds {len(lines)} records but the checkpoint covers {cp_size} "
                "(records were deleted or the file truncated)",
            )
        pending = len(lines) - cp_size
        if pending > 1:
            self.report.add(
                f"{rel}/checkpoint",
                f"{pending} records lie beyond the checkpoint (the checkpoint was rolled back)",
            )
        if torn:
            self.report.notes.append(
                f"{rel}/log.jsonl ends with {len(torn)} bytes of an interrupted write; ignored."
            )
        hashes: list[bytes] = []
        for seq, line in enumerate(lines):
            where = f"{rel}/log.jsonl record {seq}"
            hashes.append(merkle.leaf_hash(line))
            try:
                env = Envelope.parse(line, where=f"{kid}/{seq}")
            except AmanatError as exc:
                self.report.add(where, str(exc))
                continue
            if env.seq != seq or env.log != kid or env.key != kid:
                self.report.add(where, f"says it is record {env.seq} of log {env.log}")
                continue
            if not env.signature_ok(state.key):
                self.report.add(where, "signature is not valid")
                continue
            if not ring.may_write(kid, seq):
                self.report.add(where, "signed by a key that was revoked before it")
            self.check_object("entries", env.entry, env.entry_size, where)
            for blob in env.blobs:
                self.check_object("blobs", blob.id, blob.size, where)
        if cp_root and merkle.root_from_leaf_hashes(hashes[:cp_size]) != cp_root:
            self.report.add(
                f"{rel}/log.jsonl", "records do not hash to the checkpoint's root (altered log)"
            )
        if pending == 1:
            self.report.notes.append(
                f"{rel}: 1 record after the checkpoint is from an interrupted seal "
                "(never acknowledged); the next seal completes it."
            )
        size = min(cp_size, len(lines))
        root = merkle.root_from_leaf_hashes(hashes[:size]).hex()
        self.report.logs.append(LogSummary(kid, state.name, size, root, max(pending, 0)))

    def check_unreferenced(self) -> None:
        """Objects no record names: leftovers of an interrupted seal or pull, harmless.

        A single copy cannot tell a deleted log from one never written; a home compares
        what it has against the checkpoints it has seen before (mirrors) for that.
        """
        for kind in KINDS:
            base = self.vault.root / kind
            if not base.is_dir():
                self.report.add(kind, "folder missing")
                continue
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(self.vault.root).as_posix()
                if path.is_dir() or rel in self.seen:
                    continue
                name_ok = HEX64.match(path.name) and path.parent.name == path.name[:2]
                if not name_ok:
                    self.report.add(rel, "not an object of this vault (unexpected file)")
                    continue
                digest, _ = _sha256_file(path)
                if digest != path.name:
                    self.report.add(rel, "content does not match its name (corrupted)")
                else:
                    self.report.notes.append(
                        f"{rel} is named by no record (left by an interrupted write); harmless."
                    )


def verify_vault(root: Path, *, progress: Progress | None = None) -> VerifyReport:
    """Verify the vault at ``root``; never raises for problems in the vault itself."""
    report = VerifyReport(vault=root)
    try:
        vault = Vault(root)
    except AmanatError as exc:
        report.add("AMANAT-VAULT", str(exc))
        return report
    try:
        vault.read_org()
    except AmanatError as exc:
        report.add("org.json", str(exc))
        return report
    try:
        ring = vault.read_keyring()
    except AmanatError as exc:
        report.add("keyring.jsonl", str(exc))
        return report
    checker = _Checker(vault, report, progress)
    logs_dir = root / "logs"
    for item in sorted(logs_dir.iterdir()) if logs_dir.is_dir() else []:
        if not (item.is_dir() and KID.match(item.name)):
            report.add(f"logs/{item.name}", "not a log of this vault (unexpected file)")
            continue
        try:
            checker.check_log(LogFiles(item), ring)
        except FormatError as exc:
            report.add(f"logs/{item.name}", str(exc))
    if not logs_dir.is_dir():
        report.add("logs", "folder missing")
    checker.check_unreferenced()
    return report
