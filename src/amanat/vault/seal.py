"""Sealing at the station: files and a JSON entry in, ciphertext and a log record out.

The station holds no decryption key: it seals to the recipients the keyring names (every
current desk plus the organisation's recovery identity) and signs with its own key.
Plaintext is read once, streamed through the age encryptor in 64 KiB chunks, and never
written anywhere: the plaintext SHA-256, size, name, media type and intake time go
*inside* the sealed entry. Only ciphertext reaches the disk, in the vault's ``tmp/``
first and then under its own hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amanat.errors import InputError, UntrustedKey
from amanat.vault import canonical, crypto, durable
from amanat.vault.log import BlobRef, Envelope, LogWriter
from amanat.vault.org import key_id
from amanat.vault.store import HEX64, Vault

__all__ = ["ENTRY_TYPES", "FileToSeal", "SealReceipt", "SealSession", "seal_entry", "utc_now"]

ENTRY_TYPES = ("intake", "files", "note", "record", "audit")
# Threads exchange 1 MiB blocks (16 age chunks), each hashed in one call: a hash call
# per 64 KiB chunk meant 16 GIL round trips per block, and the three threads then
# overlapped on only 1.1 cores instead of 1.7 (measured 2026-11-28, /tmp/seal3.py in the
# issue note).
_BLOCK = 16 * crypto.AGE_CHUNK
Progress = Callable[[int], None]  # called with the number of plaintext bytes just read


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FileToSeal:
    path: Path
    name: str = ""
    media_type: str = ""

    def display_name(self) -> str:
        return clean_file_name(self.name or self.path.name)

    def guessed_type(self) -> str:
        if self.media_type:
            return self.media_type
        guess, _ = mimetypes.guess_type(self.display_name())
        return guess or "application/octet-stream"


_JOINERS = {"\u200c", "\u200d"}  # ZWNJ and ZWJ: needed to spell some Arabic-script names


def _keep_in_name(char: str) -> bool:
    """No control, format or unassigned characters, so no bidi overrides that disguise
    an extension ("gpj.exe"); the zero-width joiners stay, they are part of spelling."""
    return char in _JOINERS or unicodedata.category(char)[0] != "C"


def clean_file_name(name: str) -> str:
    """The last path component, without control characters; never empty."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if _keep_in_name(c))
    base = base.strip().lstrip(".")
    return base[:200] or "file"


@dataclass
class SealReceipt:
    entry_id: str
    log: str
    seq: int
    time: str
    blobs: list[BlobRef] = field(default_factory=list)
    recovered: str | None = None


def _seal_file(
    vault: Vault, item: FileToSeal, recipients: Sequence[str], progress: Progress | None
) -> tuple[BlobRef, dict[str, Any]]:
    received = utc_now()
    try:
        source = item.path.open("rb", buffering=0)
    except FileNotFoundError:
        raise InputError("File not found: %(path)s", path=item.path) from None
    except IsADirectoryError:
        raise InputError(
            "%(path)s is a folder; give the files inside it.", path=item.path
        ) from None
    except PermissionError:
        raise InputError(
            "Amanat may not read %(path)s; check its permissions.", path=item.path
        ) from None
    part = durable.new_part_path(vault.tmp_dir)
    writer = durable.HashingFileWriter(part)
    plain_hash = hashlib.sha256()
    size = 0
    try:
        with source:
            enc = crypto.AgeStreamEncryptor(recipients)
            writer.write(enc.header)
            block = source.read(_BLOCK)
            while True:
                # Read one block ahead: age marks the last chunk, so we must know it is last.
                nxt = source.read(_BLOCK) if len(block) == _BLOCK else b""
                writer.write(enc.seal_block(block, last=not nxt))
                # Hashing releases the GIL, so this runs while the writer thread hashes
                # and writes the ciphertext: two busy threads on two cores. A third
                # thread for this hash measured slower (0.81x against 0.85x age, 2026-11-28).
                plain_hash.update(block)
                size += len(block)
                if progress:
                    progress(len(block))
                if not nxt:
                    break
                block = nxt
        plain_sha256 = plain_hash.hexdigest()
        blob_id = writer.finish()
    except OSError as exc:
        writer.abort()
        raise InputError(
            "Could not read %(path)s: %(reason)s.", path=item.path, reason=exc.strerror
        ) from None
    except BaseException:
        writer.abort()
        raise
    durable.place(part, vault.object_path("blobs", blob_id))
    meta = {
        "blob": blob_id,
        "sha256": plain_sha256,
        "size": size,
        "name": item.display_name(),
        "media_type": item.guessed_type(),
        "received": received,
    }
    return BlobRef(blob_id, writer.size), meta


class SealSession:
    """Holds the vault lock and the station's log open across many seals.

    Opening a session replays the log once (O(n)) and recovers any interrupted write;
    each :meth:`seal` after that is O(log n) plus the fsyncs. A long-running station
    process (the intake web app, a bulk import) keeps one session; the CLI opens one
    per command. Use as a context manager.
    """

    def __init__(self, vault: Vault, station_seed: bytes) -> None:
        self.vault = vault
        self.seed = station_seed
        self.kid = key_id(crypto.ed25519_public_key(station_seed))
        self._lock = vault.lock()
        self.recovered: str | None = None

    def __enter__(self) -> SealSession:
        self._lock.__enter__()
        try:
            self.vault.clean_tmp()
            ring = self.vault.read_keyring()
            state = ring.keys.get(self.kid)
            if state is None or not state.active:
                raise UntrustedKey(
                    "This station's key is not trusted by the organisation (or was revoked); "
                    "ask a desk to run `amanat station trust`."
                )
            self.org_id = ring.org.org_id
            self.recipients = ring.recipients()
            self.writer = LogWriter(self.vault.log(self.kid), self.org_id, self.seed)
            self.recovered = self.writer.recover()
            self._drop_unlogged_entry()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.vault.clean_tmp()
        self._lock.__exit__(None, None, None)

    @property
    def _sealing_marker(self) -> Path:
        """``tmp/<key id>.sealing``: the id of the entry this writer is placing, from just
        before the entry is placed until its record is appended."""
        return self.vault.tmp_dir / f"{self.kid}.sealing"

    def _drop_unlogged_entry(self) -> None:
        """Delete the entry an interrupted seal placed but never logged (never acknowledged),
        so that each writer leaves at most one unnamed entry however often it is killed:
        verify reports more than that as records lost."""
        try:
            entry_id = self._sealing_marker.read_bytes().decode("ascii", "replace")
        except FileNotFoundError:
            return
        if not HEX64.match(entry_id):
            return
        lines, _ = self.writer.files.read_records()
        if not any(entry_id.encode() in line for line in lines):
            with contextlib.suppress(FileNotFoundError):
                self.vault.object_path("entries", entry_id).unlink()
        self._sealing_marker.unlink()

    def seal(
        self,
        files: Sequence[FileToSeal] = (),
        *,
        entry_type: str = "files",
        note: str = "",
        data: dict[str, Any] | None = None,
        progress: Progress | None = None,
        sealed_files: Sequence[tuple[BlobRef, dict[str, Any]]] = (),
    ) -> SealReceipt:
        """Seal ``files`` and one entry describing them; return once all of it is durable.

        ``sealed_files`` are blobs already sealed and placed in this vault (an upload
        received in pieces, ``vault.upload``), with their file descriptions; the entry
        lists them after ``files``, in order.

        The entry is sealed at :func:`utc_now`, or at the time of the log's last record
        if the clock is behind it (a clock stepped back), so that a log's times never go
        backwards and a later decision never sorts before the one it overrides; the
        receipt's ``time`` is the one sealed (docs/format/vault.md, "Log records")."""
        if entry_type not in ENTRY_TYPES:
            raise InputError(
                "Unknown entry type %(type)s; use one of %(types)s.",
                type=repr(entry_type),
                types=", ".join(ENTRY_TYPES),
            )
        if data is not None:
            canonical.encode(data)  # refuse floats and the like before any work is done
        refs: list[BlobRef] = []
        metas: list[dict[str, Any]] = []
        for item in files:
            ref, meta = _seal_file(self.vault, item, self.recipients, progress)
            refs.append(ref)
            metas.append(meta)
        for ref, meta in sealed_files:
            if meta.get("blob") != ref.id or not self.vault.object_path("blobs", ref.id).is_file():
                raise InputError("An uploaded file is not in this vault; upload it again.")
            refs.append(ref)
            metas.append(dict(meta))
        # The clock's reading, held at the log's last record time if the clock is behind
        # it: the entry and the signed record carry this one time (docs/format/vault.md,
        # "Log records").
        created = self.writer.time_for(utc_now())
        entry = {
            "v": 1,
            "type": entry_type,
            "org": self.org_id,
            "station": self.kid,
            "created": created,
            "note": note,
            "files": metas,
            "data": data or {},
        }
        ciphertext = crypto.age_encrypt_bytes(canonical.encode(entry), self.recipients)
        entry_id = hashlib.sha256(ciphertext).hexdigest()
        path = self.vault.object_path("entries", entry_id)
        # Name the entry before placing it, so that the next session can delete it if
        # this seal is interrupted before its record is appended.
        durable.write_atomic(self._sealing_marker, entry_id.encode(), self.vault.tmp_dir)
        durable.write_atomic(path, ciphertext, self.vault.tmp_dir)
        envelope = Envelope.make(
            self.seed,
            seq=self.writer.size,
            time=created,
            entry=entry_id,
            entry_size=len(ciphertext),
            blobs=tuple(refs),
        )
        self.writer.append(envelope)
        self._sealing_marker.unlink()
        return SealReceipt(entry_id, self.kid, envelope.seq, created, refs, self.recovered)


def seal_entry(
    vault: Vault,
    station_seed: bytes,
    files: Sequence[FileToSeal] = (),
    *,
    entry_type: str = "files",
    note: str = "",
    data: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> SealReceipt:
    """Seal one entry in a session of its own (see :class:`SealSession`)."""
    with SealSession(vault, station_seed) as session:
        return session.seal(files, entry_type=entry_type, note=note, data=data, progress=progress)
