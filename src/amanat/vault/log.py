"""Envelopes, the per-writer Merkle log, and its signed checkpoints.

Each writer (a station or desk signing key) has its own append-only log, so two
stations never need to agree on an order. A log record is one **envelope**: the
ciphertext hash and size of an entry, the hashes and sizes of its blobs, the writer's
key id, a sequence number, a time, and the writer's Ed25519 signature over all of it.
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

from dataclasses import dataclass
from typing import Any

from amanat.errors import FormatError, UnsupportedVersion
from amanat.vault import canonical, crypto, durable, merkle, note
from amanat.vault.org import b64, key_id, unb64
from amanat.vault.store import HEX64, LogFiles

__all__ = ["BlobRef", "Envelope", "LogWriter", "checkpoint_origin"]

_ENVELOPE_DOMAIN = b"amanat-envelope-v1\n"
_FIELDS = {"v", "log", "seq", "time", "entry", "entry_size", "blobs", "key", "sig"}


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
        doc = canonical.decode(line, what=f"log record {where}")
        if not isinstance(doc, dict):
            raise FormatError(f"Log record {where} is not an object.")
        if doc.get("v") != 1:
            raise UnsupportedVersion(f"Log record {where} has an unknown version.")
        if set(doc) != _FIELDS:
            raise FormatError(f"Log record {where} has missing or unknown fields.")
        blobs = doc["blobs"]
        if not isinstance(blobs, list):
            raise FormatError(f"Log record {where} has a malformed blob list.")
        refs = []
        for b in blobs:
            if (
                not isinstance(b, dict)
                or set(b) != {"id", "size"}
                or not isinstance(b["id"], str)
                or not HEX64.match(b["id"])
                or not _nonneg(b["size"])
            ):
                raise FormatError(f"Log record {where} has a malformed blob reference.")
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
            raise FormatError(f"Log record {where} has a malformed field.")
        return cls(
            log=doc["log"],
            seq=doc["seq"],
            time=doc["time"],
            entry=doc["entry"],
            entry_size=doc["entry_size"],
            blobs=tuple(refs),
            key=doc["key"],
            sig=unb64(doc["sig"], 64, f"signature of log record {where}"),
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
                f"Log {self.files.kid} is shorter than its checkpoint; run `amanat verify`."
            )
        # Only the one record an interrupted seal can leave is rolled forward; anything
        # more beyond the checkpoint is not ours to bless.
        if len(lines) > self.checkpoint_size + 1:
            raise FormatError(
                f"Log {self.files.kid} has {len(lines) - self.checkpoint_size} records beyond "
                "its checkpoint; run `amanat verify`."
            )
        for line in lines[: self.checkpoint_size]:
            self.tree.append(merkle.leaf_hash(line))
        if self.tree.root() != root:
            raise FormatError(
                f"Log {self.files.kid} does not match its checkpoint; run `amanat verify`."
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
        return said

    @property
    def size(self) -> int:
        return self.tree.size

    def append(self, envelope: Envelope) -> None:
        if envelope.seq != self.tree.size or envelope.log != self.files.kid:
            raise ValueError("envelope out of sequence")
        line = envelope.line()
        self.files.append_record(line)
        self.tree.append(merkle.leaf_hash(line))
        self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        cp = note.Checkpoint(origin=self.origin, size=self.tree.size, root_hash=self.tree.root())
        text = note.sign_checkpoint(cp, self.origin, self.seed)
        tmp = self.files.directory.parent.parent / "tmp"
        durable.write_atomic(self.files.checkpoint_path, text.encode("utf-8"), tmp)
        self.checkpoint_size = self.tree.size
