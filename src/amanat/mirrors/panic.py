"""Panic: the police are at the door.

Within a bounded time, push whatever is not yet safe to every reachable mirror; then
destroy the home: key material first (the station's signing key, a desk's identity),
then the vault, the views and the mirror settings (they name the mirrors), each file
overwritten with random bytes before it is unlinked, as far as the filesystem allows
(an SSD or a copy-on-write filesystem may keep old blocks; see docs/threat-model.md).
Afterwards the machine holds nothing readable, and nothing that was safe is lost: a new
station or desk is set up from the trustees or another desk.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from amanat.errors import AmanatError
from amanat.mirrors.status import home_status
from amanat.mirrors.sync import SyncReport, sync_home
from amanat.vault.home import Home

__all__ = ["PanicReport", "panic"]


@dataclass
class PanicReport:
    saved: list[str] = field(default_factory=list)  # entry ids held by at least one mirror
    not_saved: list[str] = field(default_factory=list)
    mirrors_reached: list[str] = field(default_factory=list)
    mirrors_failed: list[str] = field(default_factory=list)
    files_destroyed: int = 0
    timed_out: bool = False


def _shred(path: Path) -> None:
    """Overwrite a file with random bytes, fsync, then unlink it."""
    try:
        size = path.stat().st_size
        with path.open("r+b", buffering=0) as f:
            remaining = size
            while remaining > 0:
                chunk = min(remaining, 1 << 20)
                f.write(os.urandom(chunk))
                remaining -= chunk
            os.fsync(f.fileno())
    except OSError:
        pass
    with contextlib.suppress(OSError):
        path.unlink()


def panic(home: Home, *, seconds: float = 60.0) -> PanicReport:
    """Save what can be saved in ``seconds``, then leave nothing readable in ``home``."""
    report = PanicReport()
    result: list[SyncReport] = []
    stop = threading.Event()

    def push() -> None:
        with contextlib.suppress(AmanatError, OSError):
            result.append(sync_home(home, pull=False, cancel=stop))

    worker = threading.Thread(target=push, name="amanat-panic-push", daemon=True)
    worker.start()
    worker.join(seconds)
    report.timed_out = worker.is_alive()
    stop.set()  # no upload may start once shredding begins
    worker.join(5)
    if result:
        for m in result[0].mirrors:
            (report.mirrors_reached if m.reachable else report.mirrors_failed).append(m.name)
    with contextlib.suppress(AmanatError, OSError):
        for entry in home_status(home).entries:
            (report.saved if entry.mirrors else report.not_saved).append(entry.entry)
    report.files_destroyed = destroy_home(home.path)
    return report


def destroy_home(path: Path) -> int:
    """Shred every file under ``path``, keys first; returns how many files were shredded."""
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    keys_first = sorted(files, key=lambda p: (p.parent.name != "keys", str(p)))
    for file in keys_first:
        _shred(file)
    shutil.rmtree(path, ignore_errors=True)
    return len(files)
