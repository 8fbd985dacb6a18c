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
blob is an unreferenced leftover, as after an interrupted seal.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amanat.errors import InputError
from amanat.vault import crypto, durable
from amanat.vault.log import BlobRef
from amanat.vault.seal import FileToSeal, utc_now
from amanat.vault.store import Vault

__all__ = ["ResumableUpload", "clean_uploads", "uploads_dir"]


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
                f"this piece starts at byte {offset}, but {self.received} bytes have "
                f"arrived; send from byte {self.received}."
            )
        if self.received + len(data) > self.limit:
            self.abort()
            raise InputError(
                f"this file is larger than the limit of {self.limit:,} bytes; nothing of it "
                "was kept."
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
