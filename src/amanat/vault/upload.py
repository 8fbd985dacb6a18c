"""A file that arrives in pieces (a browser upload), sealed as it arrives.

The intake web app receives a 4 GB video from a camera card in pieces of a few MiB,
over a connection that may drop. Each piece is encrypted the moment it arrives: the
plaintext exists only in this process's memory (at most one age chunk, 64 KiB, waits
for the next piece, because age must know which chunk is the last), never in a file,
so a seized station shows only ciphertext, even mid-upload.

A dropped connection loses nothing acknowledged: the client asks how many bytes were
received (``received``) and sends the rest. The age file key lives only in memory, so
an upload does not survive a restart of the process; its partial ciphertext is then
deleted (``clean_uploads``) and the volunteer starts that file again.

``finish`` places the blob in the vault and returns what ``SealSession.seal`` needs
(``sealed_files=``) to seal the entry that names it; until that entry is logged the
blob is an unreferenced leftover, as after an interrupted seal. ``UploadRegistry``
finishes a file the moment its last byte arrives and keeps it for its testimony's Save.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import BusyError, InputError, NotFound
from amanat.vault import crypto, durable
from amanat.vault.log import BlobRef
from amanat.vault.seal import FileToSeal, utc_now
from amanat.vault.store import Vault

__all__ = ["Finished", "ResumableUpload", "UploadRegistry", "clean_uploads", "sniff", "uploads_dir"]


def uploads_dir(vault: Vault) -> Path:
    """Where partial uploads' ciphertext waits (not cleaned by ``Vault.clean_tmp``, which
    a seal in another process runs while an upload may be going on)."""
    return vault.tmp_dir / "uploads"


def clean_uploads(vault: Vault) -> int:
    """Delete every partial upload: call when the process that received them starts
    again (their keys died with the old process)."""
    removed = 0
    folder = uploads_dir(vault)
    if folder.is_dir():
        for part in folder.glob("*.upload"):
            part.unlink(missing_ok=True)
            removed += 1
    return removed


@dataclass(frozen=True)
class Finished:
    blob: BlobRef
    meta: dict[str, Any]  # the entry's file description (docs/format/vault.md)


class ResumableUpload:
    """One file being received: ``append`` pieces in order, then ``finish`` or ``abort``."""

    def __init__(
        self, vault: Vault, recipients: list[str], *, name: str, media_type: str, limit: int
    ) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        self.vault = vault
        self.limit = limit
        shown = FileToSeal(Path(name or "file"), name, media_type)
        self.name = shown.display_name()
        self.media_type = shown.guessed_type()
        self.received_at = utc_now()
        folder = uploads_dir(vault)
        durable.make_dirs(folder)
        self.part = folder / f"{os.urandom(16).hex()}.upload"
        self._writer = durable.HashingFileWriter(self.part)
        self._enc = crypto.AgeStreamEncryptor(recipients)
        self._writer.write(self._enc.header)
        self._pending = bytearray()  # plaintext not yet sealed: less than two age chunks
        self._plain = hashlib.sha256()
        self.received = 0
        self.done = False

    def append(self, offset: int, data: bytes) -> int:
        """Take the piece that starts at byte ``offset``; the bytes received so far."""
        self._check_open()
        if offset != self.received:
            raise InputError(
                "this piece starts at byte %(offset)s, but %(received)s bytes have "
                "arrived; send from byte %(received)s.",
                offset=offset,
                received=self.received,
            )
        if self.received + len(data) > self.limit:
            self.abort()
            raise InputError(
                "this file is larger than the limit of %(limit)s bytes; nothing of it was kept.",
                limit=f"{self.limit:,}",
            )
        self._pending += data
        self._plain.update(data)
        self.received += len(data)
        # Seal every whole chunk but the last one: age marks the final chunk, and only
        # finish() knows which that is.
        whole = (len(self._pending) - 1) // crypto.AGE_CHUNK * crypto.AGE_CHUNK
        if whole > 0:
            self._writer.write(self._enc.seal_block(bytes(self._pending[:whole]), last=False))
            del self._pending[:whole]
        return self.received

    def finish(self) -> Finished:
        """Seal the rest, make the ciphertext durable and place it as a blob."""
        self._check_open()
        if self.received == 0:
            self.abort()
            raise InputError("this file is empty (0 bytes); choose the file again.")
        try:
            self._writer.write(self._enc.seal_block(bytes(self._pending), last=True))
            self._pending.clear()
            blob_id = self._writer.finish()
        except BaseException:
            self.abort()
            raise
        durable.place(self.part, self.vault.object_path("blobs", blob_id))
        self.done = True
        meta = {
            "blob": blob_id,
            "sha256": self._plain.hexdigest(),
            "size": self.received,
            "name": self.name,
            "media_type": self.media_type,
            "received": self.received_at,
        }
        return Finished(BlobRef(blob_id, self._writer.size), meta)

    def abort(self) -> None:
        """Give up this upload; its ciphertext is deleted."""
        if self.done:
            return
        self.done = True
        self._pending.clear()
        self._writer.abort()
        self.part.unlink(missing_ok=True)

    def _check_open(self) -> None:
        if self.done:
            raise InputError("this upload has already ended; start the file again.")


# -- many uploads at once (the intake web app) --------------------------------------

# What an intake takes: videos, audio, photos of people and documents, scanned papers.
# The first bytes decide, not the name or the type the browser claims.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "video"),  # MP4, MOV, M4A, 3GP, HEIC: an ISO base media file
    (0, b"\x1a\x45\xdf\xa3", "video"),  # Matroska, WebM
    (0, b"RIFF", "video"),  # AVI, WAV, WebP
    (0, b"OggS", "audio"),
    (0, b"ID3", "audio"),
    (0, b"\xff\xfb", "audio"),
    (0, b"\xff\xf3", "audio"),
    (0, b"fLaC", "audio"),
    (0, b"#!AMR", "audio"),
    (0, b"\xff\xd8\xff", "image"),  # JPEG
    (0, b"\x89PNG\r\n\x1a\n", "image"),
    (0, b"GIF8", "image"),
    (0, b"II*\x00", "image"),  # TIFF
    (0, b"MM\x00*", "image"),
    (0, b"%PDF-", "document"),
    (0, b"\x00\x00\x00\x14ftyp", "video"),
    # what cameras, phones and old recorders also write
    (4, b"wide", "video"),  # QuickTime files that start with a spacer atom
    (4, b"mdat", "video"),
    (4, b"moov", "video"),
    (4, b"free", "video"),
    (0, b"\x00\x00\x01\xba", "video"),  # MPEG program stream (.mpg, .vob)
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video"),  # ASF (.wmv, .wma)
    (0, b"FLV\x01", "video"),
    (0, b"\xff\xf1", "audio"),  # AAC in ADTS (Android's recorder)
    (0, b"\xff\xf9", "audio"),
    (0, b"\xff\xfa", "audio"),  # MP3 frames without an ID3 tag
    (0, b"\xff\xf2", "audio"),
    (0, b"\xff\xe3", "audio"),
    (0, b"caff", "audio"),  # Apple's voice memos
    (0, b"FORM", "audio"),  # AIFF
)
_SNIFF = 512  # an MPEG transport stream shows itself by its third packet's sync byte
_TS = 188  # bytes in an MPEG transport stream packet; AVCHD (.MTS) adds 4 before each


def sniff(head: bytes) -> str | None:
    """The kind of file its first bytes show (video, audio, image, document), or None."""
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    for first, step in ((0, _TS), (4, _TS + 4)):  # camcorders' .MTS, broadcast .ts
        if len(head) > first + 2 * step and all(head[first + k * step] == 0x47 for k in range(3)):
            return "video"
    return None


class UploadRegistry:
    """The uploads a long-running process is receiving, each owned by one account.

    Limits: ``limit`` bytes a file (declared up front and enforced as bytes arrive),
    ``per_owner`` uploads arriving at once, ``waiting`` files arrived and waiting for
    their testimony's Save, ``idle`` seconds without a piece before an arriving upload is
    given up, and ``kept`` seconds an arrived file waits (``expire``; a staff session
    lasts at most 12 hours). Only video, audio, photo and PDF files are taken, judged by
    their first bytes. Another owner's upload is reported as unknown, never as someone
    else's.

    A file is placed in the vault the moment its last byte arrives (so a file too short
    to show its kind is refused then, where the volunteer sees which one). Saving takes
    the arrived files with ``claim`` and, once the entry naming them is sealed,
    ``release(sealed=True)``; if the seal fails, ``release(sealed=False)`` keeps them for
    the next Save, so a busy vault or another file's mistake never costs a volunteer a
    file already sent. A file given up before it is sealed is deleted from the vault.
    """

    def __init__(
        self,
        vault: Vault,
        recipients: list[str],
        *,
        limit: int,
        per_owner: int = 4,
        waiting: int = 32,
        idle: float = 3600.0,
        kept: float = 12 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.vault = vault
        self.recipients = recipients
        self.limit = limit
        self.per_owner = per_owner
        self.waiting = waiting
        self.idle = idle
        self.kept = kept
        self.clock = clock
        self._lock = threading.Lock()
        self._uploads: dict[str, _Entry] = {}

    def start(self, owner: str, *, name: str, media_type: str, size: int) -> str:
        if size <= 0:
            raise InputError("this file is empty (0 bytes); choose the file again.")
        if size > self.limit:
            raise InputError(
                "this file is %(size)s bytes, more than the limit of %(limit)s; "
                "ask the admin, or split the video.",
                size=f"{size:,}",
                limit=f"{self.limit:,}",
            )
        self.expire()
        with self._lock:
            mine = [e for e in self._uploads.values() if e.owner == owner]
            arriving = sum(1 for e in mine if e.finished is None)
            if arriving >= self.per_owner:
                raise BusyError(
                    "%(count)d uploads are already going on for this account; wait for one to end.",
                    count=arriving,
                )
            if len(mine) - arriving >= self.waiting:
                raise InputError(
                    "%(count)d files are waiting to be saved with a testimony; "
                    "save it, or remove files you do not need.",
                    count=len(mine) - arriving,
                )
            upload = ResumableUpload(
                self.vault, self.recipients, name=name, media_type=media_type, limit=size
            )
            ident = os.urandom(16).hex()
            self._uploads[ident] = _Entry(owner, size, upload, threading.Lock(), self.clock())
        return ident

    def _get(self, owner: str, ident: str) -> _Entry:
        with self._lock:
            entry = self._uploads.get(ident)
        if entry is None or entry.owner != owner:
            raise NotFound("This upload is not known (it may have expired); start the file again.")
        return entry

    def received(self, owner: str, ident: str) -> tuple[int, int]:
        """Bytes received so far, and the file's declared size: where to resume."""
        entry = self._get(owner, ident)
        return entry.upload.received, entry.size

    def append(self, owner: str, ident: str, offset: int, data: bytes) -> int:
        """Take a piece; with the last one, the file is placed in the vault."""
        entry = self._get(owner, ident)
        with entry.lock:
            if len(entry.head) < _SNIFF and offset == entry.upload.received:
                entry.head += data[: _SNIFF - len(entry.head)]
                if len(entry.head) >= _SNIFF:
                    self._check_kind(ident, entry)
            try:
                received = entry.upload.append(offset, data)
                if received == entry.size and entry.finished is None:
                    if len(entry.head) < _SNIFF:  # a file shorter than the signatures
                        self._check_kind(ident, entry)
                    entry.finished = entry.upload.finish()
            except InputError:
                if entry.upload.done and entry.finished is None:
                    self._drop(ident)
                raise
            entry.touched = self.clock()
            return received

    def _check_kind(self, ident: str, entry: _Entry) -> None:
        if sniff(bytes(entry.head)) is None:
            entry.upload.abort()
            self._drop(ident)
            raise InputError(
                "this is not a video, audio recording, photo or PDF; choose the right file."
            )

    def finish(self, owner: str, ident: str) -> Finished:
        """The arrived file, for sealing (it stays here until ``release``)."""
        entry = self._get(owner, ident)
        with entry.lock:
            if entry.finished is None:
                raise InputError(
                    "only %(received)s of %(size)s bytes have arrived; send the rest first.",
                    received=f"{entry.upload.received:,}",
                    size=f"{entry.size:,}",
                )
            return entry.finished

    def claim(self, owner: str, idents: Sequence[str]) -> list[Finished]:
        """The arrived files of a Save, held so that nothing gives them up while their
        entry is sealed; follow with ``release``."""
        entries = []
        try:
            for ident in idents:
                found = self.finish(owner, ident)
                entry = self._get(owner, ident)
                entry.claims += 1
                entry.claimed = True
                entries.append((entry, found))
        except BaseException:
            for entry, _ in entries:
                entry.claims -= 1
            raise
        return [found for _, found in entries]

    def release(self, owner: str, idents: Sequence[str], *, sealed: bool) -> None:
        """After ``claim``: forget the files once their entry is sealed (they belong to
        it now), or keep them for the next Save if the seal failed."""
        for ident in idents:
            with self._lock:
                entry = self._uploads.get(ident)
                if entry is None or entry.owner != owner:
                    continue
                entry.claims = max(0, entry.claims - 1)
                if sealed:
                    del self._uploads[ident]
                else:
                    entry.touched = self.clock()

    def abort(self, owner: str, ident: str) -> None:
        entry = self._get(owner, ident)
        with self._lock:
            if entry.claims:
                raise BusyError("this file is being saved with its testimony; wait a moment.")
            self._uploads.pop(ident, None)
        self._give_up(entry)

    def expire(self) -> int:
        """Give up uploads idle for longer than ``idle`` seconds, and arrived files
        waiting for longer than ``kept``; how many."""
        now = self.clock()
        with self._lock:
            stale = [
                k
                for k, e in self._uploads.items()
                if not e.claims
                and now - e.touched > (self.idle if e.finished is None else self.kept)
            ]
            entries = [self._uploads.pop(k) for k in stale]
        for entry in entries:
            self._give_up(entry)
        return len(entries)

    def _give_up(self, entry: _Entry) -> None:
        """Delete what an upload left: its partial ciphertext, or the blob of a file that
        arrived but no Save ever tried to seal. After a Save that failed, the entry may
        still have been written (a failure after the seal), so that blob is left, an
        unreferenced leftover at worst (``verify`` notes it as harmless)."""
        with entry.lock:
            entry.upload.abort()
            if entry.finished is not None and not entry.claimed:
                self.vault.object_path("blobs", entry.finished.blob.id).unlink(missing_ok=True)

    def _drop(self, ident: str) -> None:
        with self._lock:
            self._uploads.pop(ident, None)


@dataclass
class _Entry:
    owner: str
    size: int
    upload: ResumableUpload
    lock: threading.Lock
    touched: float
    head: bytearray = field(default_factory=bytearray)
    finished: Finished | None = None  # placed in the vault, waiting for its entry
    claims: int = 0  # Saves sealing it now
    claimed: bool = False  # a Save has tried to seal it
