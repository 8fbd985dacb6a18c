"""A testimony's sealed files, played at a desk: ranges decrypted in memory as asked.

The staff app's player asks for byte ranges of a sealed video (seeking); ``MediaShelf``
opens the blob for random access (``Vault.open_blob``), checks it once, and decrypts only
the chunks covering each range, in memory: no plaintext is ever written.

Before a blob is played it must be what the desk's signed log says it is:

* the blob belongs to a testimony in the views, and the entry that recorded the
  testimony is opened through its signed, trusted log record (``opening.open_entry``),
  which gives the file's media type and plaintext size as sealed;
* the blob's ciphertext hashes to its name (read once per process and file: for a
  4 GB video that is the one slow request; ``stamp`` remembers the check);
* the header's MAC and the final chunk's flag are checked on opening, so the size is
  authenticated, and must equal the sealed size; every chunk read is checked by its tag.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, select

from amanat.errors import IntegrityError, NotFound
from amanat.vault.home import Home
from amanat.vault.opening import open_entry, rekey_path
from amanat.vault.store import SealedBlob
from amanat.views import schema as s

__all__ = ["MediaInfo", "MediaShelf", "OpenMedia"]

_BLOB = re.compile(r"^[0-9a-f]{64}$")
_CACHE = 10_000  # blobs remembered (media types, checked ciphertexts) per process


class _Ranges(Protocol):
    """What ``SealedBlob.plaintext`` returns (``crypto.AgeRangeReader``)."""

    @property
    def size(self) -> int: ...

    def read(self, start: int, end: int, *, block: int = ...) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class MediaInfo:
    """A testimony's sealed file as its entry describes it (never its file name)."""

    blob: str
    testimony: str
    media_type: str
    size: int


class OpenMedia:
    """One sealed file open for ranges; close it (or use ``with``) when done."""

    def __init__(self, info: MediaInfo, blob: SealedBlob, reader: _Ranges) -> None:
        self.info = info
        self._blob = blob
        self._reader = reader

    @property
    def size(self) -> int:
        return self.info.size

    def read(self, start: int, end: int) -> Iterator[bytes]:
        """Plaintext bytes ``start`` to ``end`` (exclusive), in pieces of at most 1 MiB;
        the file is closed when the last piece has been given (or the caller stops)."""
        try:
            yield from self._reader.read(start, end)
        finally:
            self.close()

    def close(self) -> None:
        self._blob.close()

    def __enter__(self) -> OpenMedia:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MediaShelf:
    """What one desk remembers of its media: their descriptions, and which ciphertexts
    were hashed and found whole (by file stamp)."""

    def __init__(self, home: Home, engine: Engine, identity: str) -> None:
        self.home = home
        self.engine = engine
        self.identity = identity
        self._info: dict[str, MediaInfo] = {}
        self._checked: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def info(self, blob_id: str) -> MediaInfo:
        """The description of a testimony's file, from the sealed entry that recorded it.
        ``NotFound`` when the blob is no testimony's file in this desk's views."""
        if not _BLOB.match(blob_id):
            raise NotFound("No such sealed file in this desk's testimonies.")
        with self._lock:
            known = self._info.get(blob_id)
        if known is not None:
            return known
        tm, t = s.testimony_media, s.testimonies
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.testimony_id, t.c.entry_id)
                .join(tm, tm.c.testimony_id == t.c.testimony_id)
                .where(tm.c.blob == blob_id)
                .order_by(t.c.time)
                .limit(1)
            ).first()
        if row is None:
            raise NotFound("No such sealed file in this desk's testimonies.")
        vault = self.home.vault()
        entry = open_entry(vault, row.entry_id, [self.identity], rekeys=self.home.rekeys_dir)
        found: MediaInfo | None = None
        with self._lock:
            if len(self._info) > _CACHE:
                self._info.clear()
            for meta in entry.content["files"]:
                info = MediaInfo(
                    str(meta["blob"]), row.testimony_id, str(meta["media_type"]), meta["size"]
                )
                self._info.setdefault(info.blob, info)
                if info.blob == blob_id:
                    found = info
        if found is None:
            raise IntegrityError("A testimony names a file its entry does not hold.")
        return found

    def open(self, blob_id: str) -> OpenMedia:
        """A testimony's file, checked (see the module) and open for ranges."""
        info = self.info(blob_id)
        blob = self.home.vault().open_blob(blob_id)
        try:
            with self._lock:
                checked = self._checked.get(blob_id) == blob.stamp
            if not checked:
                if not blob.ciphertext_ok():
                    raise IntegrityError(
                        "The sealed file %(blob)s is corrupted.", blob=blob_id[:12]
                    )
                with self._lock:
                    if len(self._checked) > _CACHE:
                        self._checked.clear()
                    self._checked[blob_id] = blob.stamp
            rekey = rekey_path(self.home.rekeys_dir, blob_id)
            header = rekey.read_bytes() if rekey.exists() else None
            reader = blob.plaintext([self.identity], header=header)
            if reader.size != info.size:
                raise IntegrityError(
                    "The sealed file %(blob)s is not the size sealed.", blob=blob_id[:12]
                )
        except BaseException:
            blob.close()
            raise
        return OpenMedia(info, blob, reader)
