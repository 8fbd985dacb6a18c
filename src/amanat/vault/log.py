"""Envelopes, the per-writer Merkle log, and its signed checkpoints.

Each writer (a station or desk signing key) has its own append-only log, so two
stations never need to agree on an order. A log record is one **envelope**: the
ciphertext hash and size of an entry, the hashes and sizes of its blobs, the writer's
key id, a sequence number, a time, and the writer's Ed25519 signature over all of it.
Within one log, times never go backwards: a record is sealed at the writer's clock
reading, or at the time of the log's previous record when the clock is behind it (see
:meth:`LogWriter.time_for`), so that time order and log order agree.
The record's bytes are the Merkle leaf (RFC 6962: leaf hash = SHA-256(0x00 || record)),
so the log commits to ciphertext only, never to plaintext.

Commit protocol (what "acknowledged" means), under the vault lock:

1. blobs and the entry are durable in ``blobs/`` and ``entries/``;
2. the record is appended to ``log.jsonl`` and fsynced;
3. a checkpoint for the new size is signed and atomically replaces ``checkpoint``;
4. only then is the entry acknowledged.

A crash before 3 leaves at most one complete record beyond the checkpoint (or a torn
line); :meth:`LogWriter.recover` rolls a complete, valid record forward and cuts a torn
line off. Readers treat at most one record beyond the checkpoint as "not yet
acknowledged"; two or more mean the checkpoint was rolled back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from amanat.errors import FormatError, UnsupportedVersion, Words
from amanat.vault import canonical, crypto, durable, merkle, note
from amanat.vault.org import b64, key_id, unb64
from amanat.vault.store import HEX64, LogFiles

__all__ = ["TIME", "BlobRef", "Envelope", "LogWriter", "checkpoint_origin", "not_before"]

_ENVELOPE_DOMAIN = b"amanat-envelope-v1\n"
_FIELDS = {"v", "log", "seq", "time", "entry", "entry_size", "blobs", "key", "sig"}
# A time as writers write it (docs/format/vault.md, "Conventions"): in this fixed-width
# form, comparing the strings compares the times.
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def not_before(reading: str, previous: str | None) -> str:
    """The time to seal a record at: the clock's ``reading``, or ``previous`` (the time of
    the log's last record) when the clock is behind it.

    A desk's clock may be stepped back (no NTP, a manual fix, a restored machine); a
    record sealed then would sort *before* the records already in its log, and a
    reviewer's later decision would silently lose to the earlier one it overrides.
    Holding the time at the previous record's keeps a log's times in its own order;
    records of equal time are ordered by their position in the log. A time not in the
    written form (an older or foreign log) is not compared.
    """
    if (
        previous is not None
        and TIME.fullmatch(previous)
        and TIME.fullmatch(reading)
        and reading < previous
    ):
        return previous
    return reading


def _time_of(line: bytes) -> str | None:
    """The ``time`` of a record line, or None if the line does not say one."""
    try:
        doc = canonical.decode(line, what=Words("log record"))
    except FormatError:
        return None
    time = doc.get("time") if isinstance(doc, dict) else None
    return time if isinstance(time, str) else None


def checkpoint_origin(org_id: str, kid: str) -> str:
    """The checkpoint origin line (and signed-note key name) of one writer's log."""
    return f"amanat/{org_id}/{kid}"


@dataclass(frozen=True)
class BlobRef:
    id: str  # SHA-256 of the blob's ciphertext, hex
    size: int  # ciphertext size in bytes


@dataclass(frozen=True)
class Envelope:
    log: str
    seq: int
    time: str
    entry: str
    entry_size: int
    blobs: tuple[BlobRef, ...]
    key: str
    sig: bytes = b""

    def body(self) -> dict[str, Any]:
        return {
            "v": 1,
            "log": self.log,
            "seq": self.seq,
            "time": self.time,
            "entry": self.entry,
            "entry_size": self.entry_size,
            "blobs": [{"id": b.id, "size": b.size} for b in self.blobs],
            "key": self.key,
        }

    def signed_message(self) -> bytes:
        return _ENVELOPE_DOMAIN + canonical.encode(self.body())

    def line(self) -> bytes:
        return canonical.encode({**self.body(), "sig": b64(self.sig)})

    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.line())

    def signature_ok(self, public_key: bytes) -> bool:
        return key_id(public_key) == self.key and crypto.ed25519_verify(
            public_key, self.signed_message(), self.sig
        )

    @classmethod
    def make(cls, seed: bytes, **fields: Any) -> Envelope:
        kid = key_id(crypto.ed25519_public_key(seed))
        unsigned = cls(log=kid, key=kid, **fields)
        return cls(
            **{**unsigned.__dict__, "sig": crypto.ed25519_sign(seed, unsigned.signed_message())}
        )

    @classmethod
    def parse(cls, line: bytes, *, where: str) -> Envelope:
        doc = canonical.decode(line, what=Words("log record %(where)s", where=where))
        if not isinstance(doc, dict):
            raise FormatError("Log record %(where)s is not an object.", where=where)
        if doc.get("v") != 1:
            raise UnsupportedVersion("Log record %(where)s has an unknown version.", where=where)
        if set(doc) != _FIELDS:
            raise FormatError("Log record %(where)s has missing or unknown fields.", where=where)
        blobs = doc["blobs"]
        if not isinstance(blobs, list):
            raise FormatError("Log record %(where)s has a malformed blob list.", where=where)
        refs = []
        for b in blobs:
            if (
                not isinstance(b, dict)
                or set(b) != {"id", "size"}
                or not isinstance(b["id"], str)
                or not HEX64.match(b["id"])
                or not _nonneg(b["size"])
            ):
                raise FormatError(
                    "Log record %(where)s has a malformed blob reference.", where=where
                )
            refs.append(BlobRef(b["id"], b["size"]))
        ok = (
            isinstance(doc["log"], str)
            and isinstance(doc["key"], str)
            and _nonneg(doc["seq"])
            and isinstance(doc["time"], str)
            and isinstance(doc["entry"], str)
            and bool(HEX64.match(doc["entry"]))
            and _nonneg(doc["entry_size"])
        )
        if not ok:
            raise FormatError("Log record %(where)s has a malformed field.", where=where)
        return cls(
            log=doc["log"],
            seq=doc["seq"],
            time=doc["time"],
            entry=doc["entry"],
            entry_size=doc["entry_size"],
            blobs=tuple(refs),
            key=doc["key"],
            sig=unb64(doc["sig"], 64, Words("signature of log record %(where)s", where=where)),
        )


def _nonneg(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class LogWriter:
    """Appends envelopes to one writer's log. Use only while holding the vault lock."""

    def __init__(self, files: LogFiles, org_id: str, seed: bytes) -> None:
        self.files = files
        self.seed = seed
        self.public_key = crypto.ed25519_public_key(seed)
        if key_id(self.public_key) != files.kid:
            raise ValueError("signing key does not own this log")
        self.origin = checkpoint_origin(org_id, files.kid)
        self.tree = merkle.CompactTree()
        self.checkpoint_size = 0
        # The time of the log's last record (None while the log is empty): read by
        # :meth:`recover`, updated by :meth:`append`.
        self.last_time: str | None = None

    def recover(self) -> str | None:
        """Bring the log to a clean state after a crash; say what was done, if anything.

        Refuses (rather than signing over) records that no longer match the last
        checkpoint: a new checkpoint must never bless damage.
        """
        lines, torn = self.files.read_records()
        text = self.files.read_checkpoint()
        root = merkle.EMPTY_ROOT
        if text is not None:
            cp = note.open_checkpoint(text, self.origin, self.public_key, self.origin)
            self.checkpoint_size, root = cp.size, cp.root_hash
        if self.checkpoint_size > len(lines):
            raise FormatError(
                "Log %(log)s is shorter than its checkpoint; run `amanat verify`.",
                log=self.files.kid,
            )
        # Only the one record an interrupted seal can leave is rolled forward; anything
        # more beyond the checkpoint is not ours to bless.
        if len(lines) > self.checkpoint_size + 1:
            raise FormatError(
                "Log %(log)s has %(count)s records beyond its checkpoint; run `amanat verify`.",
                log=self.files.kid,
                count=len(lines) - self.checkpoint_size,
            )
        for line in lines[: self.checkpoint_size]:
            self.tree.append(merkle.leaf_hash(line))
        if self.tree.root() != root:
            raise FormatError(
                "Log %(log)s does not match its checkpoint; run `amanat verify`.",
                log=self.files.kid,
            )
        said = None
        keep = self.checkpoint_size
        if len(lines) == self.checkpoint_size + 1:
            try:
                env = Envelope.parse(lines[-1], where=f"{self.files.kid}/{len(lines) - 1}")
                if env.seq == len(lines) - 1 and env.signature_ok(self.public_key):
                    keep = len(lines)
            except FormatError:
                pass
        if torn or keep < len(lines):
            self.files.truncate_to(sum(len(x) + 1 for x in lines[:keep]))
            said = "an interrupted write was cleaned up"
        if keep > self.checkpoint_size:
            self.tree.append(merkle.leaf_hash(lines[-1]))
            self._write_checkpoint()
            said = "an interrupted write was completed"
        self.last_time = _time_of(lines[keep - 1]) if keep else None
        return said

    @property
    def size(self) -> int:
        return self.tree.size

    def time_for(self, reading: str) -> str:
        """The time the next record of this log is sealed at, given the clock's
        ``reading``: never earlier than the last record's (:func:`not_before`). Take it
        before the entry is encrypted and the record signed: both carry it."""
        return not_before(reading, self.last_time)

    def append(self, envelope: Envelope) -> None:
        if envelope.seq != self.tree.size or envelope.log != self.files.kid:
            raise ValueError("envelope out of sequence")
        if not_before(envelope.time, self.last_time) != envelope.time:
            raise ValueError("envelope earlier than the log's last record")
        line = envelope.line()
        self.files.append_record(line)
        self.tree.append(merkle.leaf_hash(line))
        self.last_time = envelope.time
        self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        cp = note.Checkpoint(origin=self.origin, size=self.tree.size, root_hash=self.tree.root())
        text = note.sign_checkpoint(cp, self.origin, self.seed)
        tmp = self.files.directory.parent.parent / "tmp"
        durable.write_atomic(self.files.checkpoint_path, text.encode("utf-8"), tmp)
        self.checkpoint_size = self.tree.size
