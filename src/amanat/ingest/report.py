"""The import report: one line for every input row (or file), whatever became of it.

A workbook (.xlsx) when its name says so, the default for a workbook list, so that the
report goes round Excel with its 18-digit IDs whole (text cells); CSV otherwise.

Columns: the row number (or the file name, for a folder of videos), ``outcome``
(``accepted``, ``rejected`` or ``empty``), ``reason``, then the row's original cells
under their own headers, so a volunteer can correct rejected rows in the report itself
and import them again. The report is written to a file with no name in the folder of
its final name (``O_TMPFILE``: a process killed midway leaves nothing behind, where a
named temporary file would leave every row's names and IDs) and named only when
complete (``commit``): a report that exists is a whole one. Where the filesystem cannot
make a file without a name (a USB stick's FAT), a hidden temporary file stands in, and
is removed when the command stops (``PendingFile``; ``amanat link`` writes its outputs
the same way).

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
import io
import os
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from amanat.errors import UsageError, Words
from amanat.ingest.rows import cell_text
from amanat.ingest.tables import CellValue

__all__ = [
    "SHEET_KINDS",
    "XLSX_CELL",
    "XLSX_COLUMNS",
    "PendingFile",
    "ReportWriter",
    "SheetWriter",
    "output_path",
    "owner_only_file",
    "same_file",
    "write_text_atomic",
]

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


# what an output's name says it is written as
SHEET_KINDS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
XLSX_CELL = 32_767  # characters a cell holds
XLSX_COLUMNS = 16_384  # columns a worksheet holds (A to XFD)


def _safe(text: str, *, formula: bool = True) -> str:
    """Valid UTF-8 and, for CSV (``formula``), safe to open in a spreadsheet: no
    formula (OWASP "CSV injection"). A workbook's text cells are never formulas."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "'" + text if formula and text.startswith(_RISKY_START) else text


class SheetWriter:
    """Rows written as CSV UTF-8 with a byte-order mark (text, formulas defused by
    ``_safe``) or into an Excel workbook (text cells, never formulas, so that an
    18-digit ID stays the text it is; numbers as numbers), on a binary file. A row
    wider than a worksheet (a CSV line may hold any number of cells) keeps the cells
    beyond its last column in that column, joined by the list's separator: a report
    is never lost to one ragged line, and its first columns (row, outcome, reason) are
    whole."""

    def __init__(self, f: BinaryIO, kind: str, delimiter: str = ",") -> None:
        self.kind = kind
        self._f = f
        self._delimiter = delimiter
        if kind == "xlsx":
            self._book = openpyxl.Workbook(write_only=True)
            self._ws = self._book.create_sheet()
        else:
            self._text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._text, delimiter=delimiter)

    def row(self, cells: Sequence[str | int | float]) -> None:
        if self.kind == "csv":
            self._csv.writerow(
                [
                    _safe(c) if isinstance(c, str) else f"{c:.4f}" if isinstance(c, float) else c
                    for c in cells
                ]
            )
            return
        if len(cells) > XLSX_COLUMNS:
            rest = self._delimiter.join(str(c) for c in cells[XLSX_COLUMNS - 1 :])
            cells = [*cells[: XLSX_COLUMNS - 1], rest]
        out = []
        for value in cells:
            if isinstance(value, str):
                text = _safe(value, formula=False)
                text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:XLSX_CELL]
                cell = WriteOnlyCell(self._ws, value=text)
                cell.data_type = "s"  # text, even when it begins with =
                out.append(cell)
            else:
                out.append(WriteOnlyCell(self._ws, value=value))
        self._ws.append(out)

    def close(self) -> None:
        if self.kind == "xlsx":
            self._book.save(self._f)
        else:
            self._text.flush()
            self._text.detach()


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same path once ``..`` and links are
    followed, or one file reached by two names (a hard link)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def output_path(text: str | Path, what: Words, *, inputs: dict[Words, Path]) -> Path:
    """The path of an output file (``what``: "report", "output"...), checked before any
    work: not a folder, not a device or other special file (run as root, replacing
    /dev/null would replace the device), in a folder that exists and may be written,
    and none of ``inputs`` (name -> path) however the path is written."""
    path = Path(text).expanduser().absolute()
    if path.is_dir():
        raise UsageError(
            "The %(what)s, %(path)s, is a folder; give the name of a file in it.",
            what=what,
            path=path,
        )
    if path.exists() and not path.is_file():
        raise UsageError(
            "The %(what)s, %(path)s, is not an ordinary file; choose another name.",
            what=what,
            path=path,
        )
    if not path.parent.is_dir():
        raise UsageError(
            "The folder for the %(what)s, %(folder)s, does not exist.",
            what=what,
            folder=path.parent,
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(
            "The folder for the %(what)s, %(folder)s, cannot be written to; choose another.",
            what=what,
            folder=path.parent,
        )
    for name, given in inputs.items():
        if same_file(path, given):
            raise UsageError(
                "The %(what)s would overwrite the %(input)s; choose another file.",
                what=what,
                input=name,
            )
    return path


class PendingFile:
    """A file readable by its owner only, to become ``path`` when complete: written
    without a name (``O_TMPFILE``) where the filesystem can, else as a hidden temporary
    file beside ``path``. ``commit`` names it ``path`` (replacing what was there);
    ``discard``, or a failed commit, leaves nothing."""

    def __init__(self, path: Path, prefix: str = ".amanat-") -> None:
        self.path = path
        self._prefix = prefix
        self._tmp: Path | None = None
        try:
            fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except (OSError, AttributeError):
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
            self._tmp = Path(name)
        self.file: BinaryIO | None = os.fdopen(fd, "wb")

    def commit(self) -> Path:
        """Flush, fsync, and put the file in place as ``path``."""
        f = self.file
        assert f is not None
        try:
            f.flush()
            os.fsync(f.fileno())
            folder = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                if self._tmp is None:
                    name = self.path.parent / f"{self._prefix}{secrets.token_hex(8)}.tmp"
                    # a directory descriptor makes Python call linkat(AT_SYMLINK_FOLLOW),
                    # which names the open file; plain link() would link /proc's symlink
                    os.link(f"/proc/self/fd/{f.fileno()}", name, src_dir_fd=folder)
                    self._tmp = name
                f.close()
                self.file = None
                os.replace(self._tmp, self.path)
                self._tmp = None
                os.fsync(folder)
            finally:
                os.close(folder)
        except BaseException:
            self.discard()
            raise
        return self.path

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


@contextmanager
def owner_only_file(path: Path, prefix: str = ".amanat-") -> Iterator[BinaryIO]:
    """A ``PendingFile`` to write in the block, put in place as ``path`` when the block
    ends without an error; nothing is left when it raises (Ctrl-C included)."""
    pending = PendingFile(path, prefix)
    try:
        assert pending.file is not None
        yield pending.file
        pending.commit()
    finally:
        pending.discard()


class ReportWriter:
    """Writes the report line by line (a workbook when ``path`` ends in .xlsx, else
    CSV); ``commit`` puts it in place, ``discard`` drops it. ``why`` heads the column
    of reasons (a list of links has a column "reason" of its own)."""

    def __init__(
        self, path: Path, first_column: str, headers: Sequence[str], *, why: str = "reason"
    ) -> None:
        self.path = path
        self.lines = 0
        self._pending = PendingFile(path, ".amanat-report-")
        assert self._pending.file is not None
        kind = SHEET_KINDS.get(path.suffix.lower(), "csv")
        self._sheet: SheetWriter | None = SheetWriter(self._pending.file, kind)
        self._sheet.row([first_column, "outcome", why, *headers])

    def add(self, key: str | int, outcome: str, reason: str, cells: Sequence[CellValue]) -> None:
        assert self._sheet is not None
        self._sheet.row([key, outcome, reason, *(cell_text(c) for c in cells)])
        self.lines += 1

    def commit(self) -> Path:
        """Flush, fsync and put the report in place."""
        assert self._sheet is not None
        self._sheet.close()
        self._sheet = None
        return self._pending.commit()

    def discard(self) -> None:
        self._sheet = None
        self._pending.discard()

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
