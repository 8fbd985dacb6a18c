"""Opening at a desk: a sealed entry back to JSON, its blobs back to files.

Before anything is decrypted, the entry is tied to a signed log record by a trusted
writer and its ciphertext is re-hashed, so a desk never shows an entry that was planted
or altered. Every blob is checked twice: its ciphertext hash against its name, and the
decrypted bytes against the plaintext SHA-256 and size sealed inside the entry. A file
is written as ``NAME.part`` and renamed only once both checks pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amanat.errors import (
    FormatError,
    IntegrityError,
    NotFound,
    UnsupportedVersion,
    UsageError,
    Words,
)
from amanat.vault import canonical, crypto
from amanat.vault.log import Envelope
from amanat.vault.seal import clean_file_name
from amanat.vault.store import Vault

__all__ = ["OpenedEntry", "find_record", "open_entry", "open_record", "write_files"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class OpenedEntry:
    entry_id: str
    log: str
    seq: int
    time: str
    content: dict[str, Any]


def find_record(vault: Vault, entry_id: str) -> Envelope:
    """The signed, trusted log record that names ``entry_id``."""
    ring = vault.read_keyring()
    for files in vault.logs():
        lines, _ = files.read_records()
        marker = entry_id.encode()
        for seq, line in enumerate(lines):
            if marker not in line:
                continue
            env = Envelope.parse(line, where=f"{files.kid}/{seq}")
            if env.entry != entry_id:
                continue
            state = ring.keys.get(files.kid)
            if (
                state is None
                or env.seq != seq
                or not env.signature_ok(state.key)
                or not ring.may_write(files.kid, seq)
            ):
                raise IntegrityError(
                    "Entry %(entry)s is not signed by a trusted key; "
                    "run `amanat verify` before trusting this vault.",
                    entry=entry_id[:12],
                )
            return env
    raise NotFound(
        "Entry %(entry)s is in no log of this vault (it may be planted).", entry=entry_id[:12]
    )


def _read_checked(vault: Vault, kind: str, object_id: str) -> bytes:
    path = vault.object_path(kind, object_id)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if kind == "entries":
            raise NotFound(
                "The sealed entry %(entry)s is not in this vault.", entry=object_id[:12]
            ) from None
        raise NotFound(
            "The sealed file %(blob)s is not in this vault.", blob=object_id[:12]
        ) from None
    if hashlib.sha256(data).hexdigest() != object_id:
        if kind == "entries":
            raise IntegrityError("The sealed entry %(entry)s is corrupted.", entry=object_id[:12])
        raise IntegrityError("The sealed file %(blob)s is corrupted.", blob=object_id[:12])
    return data


def rekey_path(rekeys: Path, object_id: str) -> Path:
    """Where a restored desk keeps the rewrapped header of one object (see crypto)."""
    return rekeys / object_id[:2] / object_id


def _open_small(
    data: bytes, object_id: str, identities: Sequence[str], rekeys: Path | None
) -> bytes:
    if rekeys is not None and rekey_path(rekeys, object_id).exists():
        header = rekey_path(rekeys, object_id).read_bytes()
        data = header + data[crypto.age_header_length(data[:8192]) :]
    return crypto.age_decrypt_bytes(data, identities)


def open_entry(
    vault: Vault, entry_prefix: str, identities: Sequence[str], *, rekeys: Path | None = None
) -> OpenedEntry:
    entry_id = vault.find_entry(entry_prefix)
    return open_record(vault, find_record(vault, entry_id), identities, rekeys=rekeys)


def open_record(
    vault: Vault, env: Envelope, identities: Sequence[str], *, rekeys: Path | None = None
) -> OpenedEntry:
    """Open the entry a trusted log record names (the caller has checked the record)."""
    entry_id = env.entry
    plaintext = _open_small(_read_checked(vault, "entries", entry_id), entry_id, identities, rekeys)
    content = canonical.decode(plaintext, what=Words("entry"))
    if not isinstance(content, dict):
        raise FormatError("This entry is not a JSON object.")
    if content.get("v") != 1:
        raise UnsupportedVersion("This entry was sealed by a newer Amanat; update the software.")
    _check_entry(content)
    sealed_blobs = [f["blob"] for f in content["files"]]
    if sealed_blobs != [b.id for b in env.blobs]:
        raise IntegrityError("The entry's files do not match its signed log record.")
    return OpenedEntry(entry_id, env.log, env.seq, env.time, content)


_ENTRY_FIELDS = {"v", "type", "org", "station", "created", "note", "files", "data"}
_FILE_FIELDS = {
    "blob": str,
    "sha256": str,
    "size": int,
    "name": str,
    "media_type": str,
    "received": str,
}


def _check_entry(content: dict[str, Any]) -> None:
    """Refuse an entry whose shape is not the version-1 entry (docs/format/vault.md)."""
    if set(content) != _ENTRY_FIELDS:
        raise FormatError("This entry has missing or unknown fields.")
    files = content["files"]
    if not isinstance(files, list) or not isinstance(content["data"], dict):
        raise FormatError("This entry is malformed.")
    for item in files:
        if not isinstance(item, dict) or set(item) != set(_FILE_FIELDS):
            raise FormatError("A file description in this entry is malformed.")
        for name, kind in _FILE_FIELDS.items():
            if not isinstance(item[name], kind) or isinstance(item[name], bool):
                raise FormatError("A file description in this entry is malformed.")


class _HashingSink:
    def __init__(self, fd: int, progress: Progress | None) -> None:
        self.fd = fd
        self.hash = hashlib.sha256()
        self.size = 0
        self.progress = progress

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        self.size += len(data)
        if self.progress:
            self.progress(len(data))
        return len(data)


def _free_name(out_dir: Path, name: str) -> Path:
    target = out_dir / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while target.exists():
        n += 1
        target = out_dir / (f"{stem} ({n}).{ext}" if dot else f"{stem} ({n})")
    return target


def write_files(
    vault: Vault,
    entry: OpenedEntry,
    identities: Sequence[str],
    out_dir: Path,
    *,
    progress: Progress | None = None,
    rekeys: Path | None = None,
) -> list[Path]:
    """Decrypt every file of ``entry`` into ``out_dir``; never overwrites a file."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("%(path)s is not a folder.", path=out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for meta in entry.content.get("files", []):
        blob = str(meta["blob"])
        path = vault.object_path("blobs", blob)
        target = _free_name(out_dir, clean_file_name(str(meta.get("name", "file"))))
        part = target.with_name(target.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            sink = _HashingSink(fd, progress)
            blob_hash = hashlib.sha256()
            try:
                with path.open("rb") as raw:
                    tee = _TeeReader(raw, blob_hash)
                    if rekeys is not None and rekey_path(rekeys, blob).exists():
                        tee.swap_header(rekey_path(rekeys, blob).read_bytes())
                    crypto.age_decrypt_stream(tee, sink, identities)  # type: ignore[arg-type]
            except FileNotFoundError:
                raise NotFound(
                    "The sealed file %(blob)s is not in this vault.", blob=blob[:12]
                ) from None
            if blob_hash.hexdigest() != blob:
                raise IntegrityError("The sealed file %(blob)s is corrupted.", blob=blob[:12])
            if sink.hash.hexdigest() != meta["sha256"] or sink.size != meta["size"]:
                raise IntegrityError(
                    "File %(name)s does not match what was sealed.", name=target.name
                )
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        os.close(fd)
        os.replace(part, target)
        written.append(target)
    return written


class _TeeReader:
    """A file wrapper that hashes what pyrage reads, to check the ciphertext in one pass.

    With :meth:`swap_header`, pyrage is shown a rewrapped header in place of the stored
    one, while the hash still covers the stored bytes."""

    def __init__(self, raw: Any, digest: Any) -> None:
        self.raw = raw
        self.digest = digest
        self.front = b""

    def swap_header(self, header: bytes) -> None:
        head = self.raw.read(8192)
        length = crypto.age_header_length(head)
        self.digest.update(head)
        self.front = header + head[length:]

    def read(self, n: int = -1) -> bytes:
        if self.front:
            n = len(self.front) if n < 0 else n
            head, self.front = self.front[:n], self.front[n:]
            return head
        data: bytes = self.raw.read(n)
        self.digest.update(data)
        return data

    def readinto(self, buffer: Any) -> int:
        if self.front:
            data = self.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)
        n: int = self.raw.readinto(buffer)
        self.digest.update(memoryview(buffer)[:n])
        return n
