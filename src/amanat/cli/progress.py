"""Long work in a terminal: a plain progress bar on stderr, shown only when stderr is a
terminal, and stopping as Ctrl-C does when the terminal is closed or the command is
told to end."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO

from amanat.cli.words import number, tr

__all__ = [
    "LINK_STEPS",
    "CountBar",
    "ProgressBar",
    "folder_size",
    "linking_progress",
    "stop_asked",
    "stopped_by_signals",
]

_MANY = 500  # entries or rows below which no progress bar is worth drawing


def folder_size(path: Path) -> int:
    """Bytes under ``path``, for a progress bar's total; 0 (no walk at all) when no one
    will see the bar (a walk of 100,000 files costs 1.6 s, measured 2026-11-28)."""
    if not sys.stderr.isatty():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class ProgressBar:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() and total > 8 << 20
        self._last = 0.0

    def __call__(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.2 or self.done >= self.total):
            self._last = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            mb = f"{self.done >> 20} / {self.total >> 20} MB"
            self.stream.write(f"\r{self.label} [{bar:<30}] {share:4.0%}  {mb}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class CountBar:
    """A progress bar over a count of entries or rows, on stderr when it is a terminal,
    redrawn at most five times a second."""

    def __init__(
        self, label: str, total: int, unit: str, stream: TextIO | None = None, *, least: int = _MANY
    ) -> None:
        self.label, self.unit = label, unit
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() and total >= least
        self._last = 0.0

    def __call__(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.2 or self.done >= self.total):
            self._last = now
            share = min(self.done / self.total, 1.0)
            self.stream.write(
                f"\r{self.label} [{'#' * int(share * 30):<30}] {share:4.0%}  "
                f"{number(min(self.done, self.total))} / {number(self.total)} {self.unit}"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


# The steps of a linkage run after its names are keyed (linkage.link reports each as
# ``progress(step, 1, 1)`` when it ends; keying reports ``("prepare", done, of)``).
LINK_STEPS = ("block", "train", "score", "cluster")


def linking_progress(stream: TextIO | None = None) -> Callable[[str, int, int], None]:
    """Bars for a linkage run (``amanat link``, ``amanat duplicates``): the names keyed,
    then its four steps, which on a large list take half a minute or more. The end of
    keying (``("prepare", 1, 1)``) is told from keying's own reports by their count."""
    bars: dict[str, CountBar] = {}

    def report(stage: str, done: int, of: int) -> None:
        keying = bars.get("prepare")
        if stage == "prepare" and of > 1:
            if keying is None:
                keying = bars["prepare"] = CountBar(tr("Keying names"), of, tr("names"), stream)
            keying(done - keying.done)
        elif stage == "prepare":
            if keying is not None:
                keying(keying.total - keying.done)
                keying.close()
            size = keying.total if keying is not None else 1
            bars["steps"] = CountBar(
                tr("Linking"), len(LINK_STEPS), tr("steps"), stream,
                least=1 if size >= _MANY else 5,
            )  # fmt: skip
        elif stage in LINK_STEPS and "steps" in bars:
            bars["steps"](1)
            if stage == LINK_STEPS[-1]:
                bars["steps"].close()

    return report


_STOP_ASKED = threading.Event()


def stop_asked() -> bool:
    """Whether Ctrl-C, SIGTERM or SIGHUP came while ``stopped_by_signals`` was on."""
    return _STOP_ASKED.is_set()


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) stop the command as Ctrl-C does, so that
    what it was writing is removed, not left half-done. Each of the three is also
    remembered (``stop_asked``): a library that catches the interruption and raises
    its own error instead (Splink does) is still a stop, not an internal error."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        _STOP_ASKED.set()
        raise KeyboardInterrupt

    _STOP_ASKED.clear()  # a command before this one, in the same process (tests)
    signals = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    before = {s: signal.signal(s, stop) for s in signals}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
