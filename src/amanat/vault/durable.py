"""Durable writes: what "acknowledged" means on disk.

An object is durable once its bytes and the directory entry that names it are both
fsynced (POSIX says nothing survives a crash otherwise; ext4 and XFS agree in practice
only for the data, not the name). Every write goes to a uniquely named ``*.part`` file
in the vault's own ``tmp/`` folder (same filesystem, so ``rename`` is atomic), is
fsynced, then renamed into place, then the directory is fsynced. A crash leaves either
nothing or a ``*.part`` leftover that readers ignore and the next writer deletes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import queue
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from amanat.errors import AmanatError, BusyError, HomeError

__all__ = [
    "HashingFileWriter",
    "exclusive_lock",
    "fsync_dir",
    "make_dirs",
    "new_part_path",
    "place",
    "read_given_file",
    "write_atomic",
]

# Start writeback every 8 MiB while streaming, so the disk writes while we still encrypt
# and the final fsync has little left. benchmarks/seal.py, 2026-11-28, ratio against
# age + sync: 0.92 at 2 MiB, 0.97 at 4, 0.85-0.99 at 8, 0.88 at 16, 0.81-0.91 at 32,
# 0.89 at 128 MiB. A blocking fdatasync here instead stalled the pipeline (0.54).
_SYNC_EVERY = 8 << 20


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_SYNC_FILE_RANGE_WRITE = 2
_sync_file_range = getattr(_libc, "sync_file_range", None)
if _sync_file_range is not None:
    _sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing a range to disk now, without waiting for it
    (Linux ``sync_file_range(SYNC_FILE_RANGE_WRITE)``), so the final fsync has little
    left to do. Durability still comes only from that fsync."""
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each durably (parent fsynced)."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o700)
        fsync_dir(d.parent)


def new_part_path(tmp_dir: Path) -> Path:
    return tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}-{os.urandom(4).hex()}.part"


def place(part: Path, final: Path) -> None:
    """Rename a fully fsynced ``part`` file to ``final`` and fsync the directory."""
    make_dirs(final.parent)
    os.replace(part, final)
    fsync_dir(final.parent)


def write_atomic(final: Path, data: bytes, tmp_dir: Path) -> None:
    """Write ``data`` to ``final`` all-or-nothing, durably."""
    part = new_part_path(tmp_dir)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    place(part, final)


class HashingFileWriter:
    """Writes a stream to a new file from a second thread, hashing what it writes.

    The sealing thread hands over ciphertext chunks and goes straight back to
    encrypting; this thread hashes (hashlib releases the GIL for large buffers), writes
    and periodically ``fdatasync``s. The queue is bounded (``depth`` chunks of 64 KiB),
    so memory stays constant whatever the file size.
    """

    def __init__(self, path: Path, depth: int = 8) -> None:
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._queue: queue.Queue[bytes | bytearray | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="amanat-writer", daemon=True)
        self._thread.start()

    def write(self, block: bytes | bytearray) -> None:
        """Queue a block to be hashed and written, in order."""
        if self._error is not None:
            raise self._error_as_home()
        self._queue.put(block)

    def _run(self) -> None:
        unsynced = 0
        try:
            while (block := self._queue.get()) is not None:
                self._hash.update(block)  # one call per block: one GIL round trip
                view = memoryview(block)
                while view:
                    view = view[os.write(self._fd, view) :]
                self.size += len(block)
                unsynced += len(block)
                if unsynced >= _SYNC_EVERY:
                    start_writeback(self._fd, self.size - unsynced, unsynced)
                    unsynced = 0
        except BaseException as exc:
            self._error = exc
            while self._queue.get() is not None:  # drain so the producer never blocks
                pass

    def _error_as_home(self) -> HomeError:
        err = self._error
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            return HomeError("The disk is full; free some space and seal again.")
        return HomeError("Could not write to the vault: %(reason)s.", reason=err)

    def finish(self) -> str:
        """Wait for the last chunk, fsync, close; return the SHA-256 (hex) of the file."""
        self._queue.put(None)
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error_as_home()
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
        return self._hash.hexdigest()

    def abort(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            self.path.unlink()


@contextlib.contextmanager
def exclusive_lock(lock_file: Path, *, wait_seconds: float = 30.0) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file``; other writers wait, then give up."""
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise HomeError(
            "Cannot open the vault lock file %(path)s: %(reason)s.",
            path=lock_file,
            reason=exc.strerror,
        ) from None
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(
                        "Another Amanat process is writing to this vault; try again shortly."
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_given_file(
    path: Path,
    limit: int,
    *,
    missing: AmanatError,
    folder: AmanatError,
    not_file: AmanatError,
    denied: AmanatError,
) -> bytes:
    """The bytes of the ordinary file at ``path``, which must hold at most ``limit``:
    a file a person hands a command (a share, an organisation export, an identity).
    Raises ``missing`` when there is nothing there, ``folder`` for a folder, ``denied``
    when this user may not read it, and ``not_file`` for what is not an ordinary file
    (/dev/zero would be read until memory ran out, a named pipe would wait for ever) or
    a larger one. Other ``OSError`` as ``open`` raises them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise missing from None
    except PermissionError:
        raise denied from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise folder
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise not_file
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while read
        raise not_file
    return data
