"""The import report: one CSV line for every input row (or file), whatever became of it.

Columns: the row number (or the file name, for a folder of videos), ``outcome``
(``accepted``, ``rejected`` or ``empty``), ``reason``, then the row's original cells
under their own headers, so a volunteer can correct rejected rows in the report itself
and import them again. The report is written to a temporary file beside its final
name and renamed into place only when complete (``commit``): a report that exists is a
whole one.

Two things are changed on the way, both so that opening the report is safe:

- a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading apostrophe, so that Excel shows it instead of running it as a formula
  (OWASP, "CSV Injection");
- bytes that were not valid in the file's encoding are written as ``\\xNN``, so the
  report is valid UTF-8 and still shows what the file held.

The report is UTF-8 with a byte-order mark (what Excel needs to read Cyrillic from a
CSV file) and readable by its owner only: it holds the same personal data as the list.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from amanat.ingest.rows import cell_text
from amanat.ingest.tables import CellValue

__all__ = ["ReportWriter"]

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "'" + text if text.startswith(_RISKY_START) else text


class ReportWriter:
    """Writes the report line by line; ``commit`` puts it in place, ``discard`` drops it."""

    def __init__(self, path: Path, first_column: str, headers: Sequence[str]) -> None:
        self.path = path
        self.lines = 0
        fd, tmp = tempfile.mkstemp(prefix=".amanat-report-", suffix=".tmp", dir=path.parent)
        self._tmp = Path(tmp)
        self._file: TextIO | None = open(fd, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow([first_column, "outcome", "reason", *(_safe(h) for h in headers)])

    def add(self, key: str | int, outcome: str, reason: str, cells: Sequence[CellValue]) -> None:
        self._csv.writerow([key, outcome, _safe(reason), *(_safe(cell_text(c)) for c in cells)])
        self.lines += 1

    def commit(self) -> Path:
        """Flush, fsync and rename the report into place."""
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self._tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, fsynced."""
    fd, tmp = tempfile.mkstemp(prefix=".amanat-", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
