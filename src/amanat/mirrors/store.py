"""The object-store port every mirror implements, and the folder mirror.

A mirror is a flat namespace of immutable objects named by keys like
``blobs/ab/ab12…``. Mirrors are untrusted: everything read back is re-hashed and
re-verified by the caller (``amanat.mirrors.sync``); this layer only moves bytes and
says honestly what it could not do. Objects are written once: a write to a key that
exists is refused (``If-None-Match: *`` on S3; ``link(2)`` without overwrite on a
folder), never silently replaced.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from amanat.errors import HomeError, MirrorError, NotFound, UsageError

__all__ = ["FolderStore", "ObjectInfo", "ObjectStore", "check_key"]

Progress = Callable[[int], None]
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


def check_key(key: str) -> str:
    """Refuse keys that could escape a folder or confuse a server (path tricks)."""
    if len(key) > 300 or not _KEY.match(key) or ".." in key.split("/"):
        raise UsageError("Not a valid object key: %(key)s", key=repr(key[:80]))
    return key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class ObjectStore(Protocol):
    """What sync needs from a mirror. Implementations: FolderStore, S3Store."""

    name: str

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        ...

    def get(self, key: str) -> bytes:
        """A small object's bytes; ``NotFound`` if absent."""
        ...

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        """Stream an object of any size into ``target`` (a new file)."""
        ...

    def hash(self, key: str) -> tuple[str, int]:
        """SHA-256 (hex) and size of an object, streamed; ``NotFound`` if absent."""
        ...

    def put(self, key: str, data: bytes) -> bool:
        """Write a small object once. False (and nothing written) if the key exists."""
        ...

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> bool:
        """Write a file of any size once, resumably where the server allows."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object (used only by panic and repair of a mirror's own mess)."""
        ...


class FolderStore:
    """A mirror in a folder: a USB disk, a NAS share, any mounted path."""

    def __init__(self, name: str, root: Path, *, create: bool = False) -> None:
        if not root.is_absolute():
            raise ValueError("a folder mirror path must be absolute")
        self.name = name
        self.root = root
        if create:
            self._ensure_root()
        elif not root.is_dir():
            # An unplugged USB disk must not look like an empty mirror to be refilled on
            # the laptop's own disk.
            raise MirrorError(
                "Mirror %(name)s: %(path)s is not there; is the disk plugged in and mounted?",
                name=name,
                path=root,
            )

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MirrorError(
                "Mirror %(name)s: cannot use %(path)s (%(reason)s); is the disk "
                "plugged in and writable?",
                name=self.name,
                path=self.root,
                reason=exc.strerror,
            ) from None

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        # Walk only the folder the prefix names (or the root), never above the root.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / folder if folder else self.root
        if not start.is_dir():
            return
        found = []
        for path in start.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(ObjectInfo(key, path.stat().st_size))
        yield from sorted(found, key=lambda o: o.key)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None
        except OSError as exc:
            raise MirrorError(
                "Mirror %(name)s: cannot read %(key)s (%(reason)s).",
                name=self.name,
                key=key,
                reason=exc.strerror,
            ) from None

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        try:
            with self._path(key).open("rb") as src, target.open("xb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                    if progress:
                        progress(len(chunk))
        except FileNotFoundError:
            raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None

    def hash(self, key: str) -> tuple[str, int]:
        h = hashlib.sha256()
        size = 0
        try:
            with self._path(key).open("rb") as src:
                while chunk := src.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None
        return h.hexdigest(), size

    def _write_once(self, key: str, write: Callable[[int], None]) -> bool:
        final = self._path(key)
        if final.exists():
            return False
        self._ensure_root()
        final.parent.mkdir(parents=True, exist_ok=True)
        while True:
            part = final.with_name(f".{final.name}.{os.getpid()}.{os.urandom(4).hex()}.part")
            fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            # Locked until closed: a live write, which clean_parts leaves alone. If
            # clean_parts took it before the lock, it is gone: take another name.
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:
                break
            os.close(fd)
        try:
            write(fd)
            os.fsync(fd)
            try:
                os.link(part, final)  # fails if the key exists: write-once, no overwrite race
                created = True
            except FileExistsError:
                created = False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise
                # Filesystems without hard links (FAT on USB sticks): exclusive rename check.
                created = not final.exists()
                if created:
                    os.replace(part, final)
        finally:
            part.unlink(missing_ok=True)
            os.close(fd)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return created

    def clean_parts(self) -> int:
        """Delete the ``.part`` files of writes cut short (a sync killed mid-upload): those
        no live writer holds locked. Returns how many were deleted."""
        removed = 0
        for part in self.root.rglob(".*.part") if self.root.is_dir() else ():
            try:
                fd = os.open(part, os.O_RDWR)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                part.unlink()
                removed += 1
            except OSError:
                pass  # a write in progress (locked), or already gone
            finally:
                os.close(fd)
        return removed

    def put(self, key: str, data: bytes) -> bool:
        def write(fd: int) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]

        return self._write_once(key, write)

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> bool:
        def write(fd: int) -> None:
            with source.open("rb") as src:
                while chunk := src.read(1 << 20):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
                    if progress:
                        progress(len(chunk))

        try:
            return self._write_once(key, write)
        except FileNotFoundError:
            raise HomeError("%(path)s vanished while it was being copied.", path=source) from None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()
