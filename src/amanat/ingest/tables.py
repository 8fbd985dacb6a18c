"""Reading spreadsheets one row at a time: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM)
and XLSX (openpyxl in read-only mode: the sheet the mapping names, else the one a
person sees on opening the workbook, never a hidden one).

A ``Table`` has its header cells and an iterator of ``Row`` values. Rows are numbered
as a person sees them in Excel or LibreOffice: the header is row 1 (or the
``header_row`` the mapping names), a record whose quoted cell spans several lines is
still one row, and an empty line is a row of its own.

Nothing is mended silently. A CSV row that is not valid in the file's encoding (a
Windows-1251 file read as UTF-8, say) keeps its undecodable bytes as surrogates
(``surrogateescape``) and comes with a ``problem``, so the import rejects that row with
a hint rather than storing mangled letters. An XLSX cell holding a formula or an error
value (#N/A) is a problem of that cell (``Row.cell_problems``): Amanat never calculates
formulas, and a reader asks only about the columns it uses (``Row.problem_in``), so a
numbered column of ``=ROW()-1`` does not cost a row its names. Cells Excel stores as
dates come back as dates.

A quote opened in a CSV row and never closed would make the rest of the file one cell:
that is an error naming the row, never a short list read without a word.

Empty rows at the very end (spreadsheets often carry formatting down to row 1,048,576)
are not rows anyone typed and are left out; empty rows between data rows are counted.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from amanat.errors import UsageError
from amanat.ingest.reasons import Said, say
from amanat.records import mapping_file

__all__ = ["NOT_UTF8", "CellValue", "Row", "Table", "column_letter", "open_table"]

CellValue = str | int | float | dt.date | dt.datetime | dt.time | dt.timedelta | None

# 1 GiB: ten times the largest list we have heard of; larger is not a list of persons.
MAX_CSV_BYTES = 1 << 30
# csv's default field limit (128 KiB) would stop the whole file at one long cell; a
# cell up to 16 MiB is read and then refused by the row checker with its row number.
_FIELD_LIMIT = 1 << 24
# A workbook is a zip of XML; openpyxl streams a sheet but reads the shared strings
# (every distinct text of the workbook) into memory whole. A crafted file of a few
# kilobytes can claim gigabytes of them (a zip bomb); what a zip declares is checked
# first (zipfile reads no more than a part declares). A million-row list of persons
# holds some 100 MiB of shared strings, and its sheet about 2 GiB of XML.
MAX_XLSX_STRINGS = 256 << 20
MAX_XLSX_UNPACKED = 4 << 30
_SURROGATE = re.compile("[\udc80-\udcff]")
NOT_UTF8 = say(
    "this row is not valid UTF-8 (the file may have been saved as Windows-1251 or another "
    "encoding); re-save the file as UTF-8 (in Excel: Save As, CSV UTF-8) and try again."
)
_NUL = say("this row holds a NUL character, which no typed text has; the file may be damaged.")


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA; beyond the
    last column a worksheet has (XFD), and past ZZZ, the letters go on (a CSV line may
    hold any number of cells: openpyxl's own function stops at ZZZ with a ValueError)."""
    return mapping_file.column_letter(index)


@dataclass(frozen=True)
class Row:
    """One data row: its number as the user sees it, its cells, why it cannot be read
    as it stands (None when it can), and the cells that cannot be read (column index,
    why: a formula, an error value)."""

    number: int
    values: tuple[CellValue, ...]
    problem: Said | None = None
    cell_problems: tuple[tuple[int, Said], ...] = ()

    def problem_in(self, columns: Collection[int]) -> Said | None:
        """Why the row's values in ``columns`` cannot be read, if they cannot."""
        if self.problem is not None:
            return self.problem
        return next((why for i, why in self.cell_problems if i in columns), None)

    @property
    def empty(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in self.values)


@dataclass
class Table:
    """A spreadsheet's header and its data rows; close it when done (a context manager)."""

    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str  # as detected, for the summary ("UTF-8", "UTF-16", "xlsx")
    headers: tuple[str, ...]
    rows: Iterator[Row]
    estimated_rows: int  # for a progress bar; may be off
    _closer: Any = field(default=None, repr=False)
    delimiter: str = ","  # a CSV's, as detected
    # the rows above the header row (a title, a date), each as its cells' texts
    above: tuple[tuple[str, ...], ...] = ()

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(path: Path, *, header_row: int = 1, sheet: str | None = None) -> Table:
    """Open a .csv or .xlsx file; UsageError (one sentence, what to do) if it cannot be."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _open_csv(path, header_row)
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, header_row, sheet)
    if suffix in (".xls", ".ods", ".numbers"):
        raise UsageError(
            "Amanat reads .xlsx and .csv files, not %(suffix)s; open %(file)s and save it "
            "as an Excel workbook (.xlsx) or as CSV UTF-8.",
            suffix=suffix,
            file=path.name,
        )
    raise UsageError(
        "%(file)s is neither a .csv nor an .xlsx file; save the list in one of those formats.",
        file=path.name,
    )


# -- CSV ---------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """The file's text and the name of its encoding; undecodable UTF-8 bytes become
    surrogates (U+DC80-U+DCFF) so the rows holding them can be refused one by one."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", "surrogateescape"), "UTF-8 with BOM"
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise UsageError(
            "%(file)s is a spreadsheet workbook with a text file's name; rename it to .xlsx "
            "(or open it and save it as CSV UTF-8), then try again.",
            file=name,
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise UsageError(
                "%(file)s starts like a UTF-16 file but is not valid UTF-16; "
                "re-save it as CSV UTF-8 and try again.",
                file=name,
            ) from None
    head = raw[:4096]
    # UTF-16 without a byte-order mark: a NUL beside every Latin letter, digit and comma.
    # A few NUL bytes in UTF-8 are a damaged row, refused on its own (_NUL).
    if head.count(0) * 4 >= len(head) > 0:
        raise UsageError(
            "%(file)s holds NUL bytes, as UTF-16 text without a byte-order mark does; "
            "re-save it as CSV UTF-8 and try again.",
            file=name,
        )
    return raw.decode("utf-8", "surrogateescape"), "UTF-8"


_SEPARATORS = (",", ";", "\t")
_SAMPLE_LINES = 50


def _delimiter(sample: str) -> str:
    """Comma, semicolon (Excel in Russian and Kazakh locales) or tab: the one that cuts
    the most of the rows after the header (``sample``: the header row's line and the
    lines after it) into as many cells as the header, of those that cut the header into
    more than one; a header such as "Фамилия, имя, отчество;Дата рождения" has more
    commas than semicolons, but only the semicolon gives its rows two cells. With one
    line only, whichever the header uses most; a comma when it uses none."""
    lines = sample.split("\n")
    scores: dict[str, tuple[float, int]] = {}
    for d in _SEPARATORS:
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=d))
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        rest = [r for r in records[1:] if any(c.strip() for c in r)]
        fit = sum(len(r) == width for r in rest) / len(rest) if rest else 0.0
        scores[d] = (fit, lines[0].count(d))
    if not scores:
        return ","
    return max(scores, key=lambda d: scores[d])


def _open_csv(path: Path, header_row: int) -> Table:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise UsageError(
            "%(file)s is larger than 1 GiB; split it into smaller files.", file=path.name
        )
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise UsageError(
            "%(file)s cannot be read: this user may not open it.", file=path.name
        ) from None
    text, encoding = _decode(raw, path.name)
    csv.field_size_limit(_FIELD_LIMIT)
    # from the header row's line, not the first: a title line above a semicolon header
    # ("Список задержанных, 2019;;;") has commas of its own
    lines = text.split("\n", header_row + _SAMPLE_LINES)
    start = min(header_row, len(lines)) - 1
    delimiter = _delimiter("\n".join(lines[start : start + _SAMPLE_LINES + 1]))
    # Read through once before any row is given out: a quote opened and never closed
    # (strict: an error, not the rest of the file read as one cell), or a cell over 16
    # MiB, stops the command before an import has sealed a row, so that "nothing was
    # taken from the file" is true; and the row count is exact.
    records = 0
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            records += 1
    except csv.Error as exc:
        raise _csv_error(path.name, records + 1, exc) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    above: list[tuple[str, ...]] = []
    number = 0
    try:
        for record in reader:
            number += 1
            if number == header_row:
                headers = [h.strip() for h in record]
                break
            above.append(tuple(record))
    except csv.Error as exc:
        raise _csv_error(path.name, number + 1, exc) from None
    if headers is None:
        raise UsageError(
            "%(file)s has no header row %(row)d; is the file empty?",
            file=path.name,
            row=header_row,
        )
    if any(_SURROGATE.search(h) for h in headers):
        raise UsageError(
            "The header row of %(file)s is not valid UTF-8; re-save the file as UTF-8 "
            "(in Excel: Save As, CSV UTF-8) and try again.",
            file=path.name,
        )
    check_bytes = bool(_SURROGATE.search(text))
    check_nul = "\x00" in text
    estimated = max(records - header_row, 0)

    def rows() -> Iterator[Row]:
        n = header_row
        try:
            for record in reader:
                n += 1
                problem: Said | None = None
                if check_bytes and any(_SURROGATE.search(c) for c in record):
                    problem = NOT_UTF8
                elif check_nul and any("\x00" in c for c in record):
                    problem = _NUL
                yield Row(n, tuple(record), problem)
        except csv.Error as exc:
            raise _csv_error(path.name, n + 1, exc) from None

    return Table(
        path,
        "csv",
        encoding,
        tuple(headers),
        _drop_trailing_empty(rows()),
        estimated,
        delimiter=reader.dialect.delimiter,
        above=tuple(above),
    )


def _csv_error(name: str, number: int, exc: csv.Error) -> UsageError:
    """The one sentence for a CSV the reader cannot go on with at row ``number``."""
    if "end of data" in str(exc):
        return UsageError(
            'Row %(row)d of %(file)s opens a quote (") that is never closed, so the rest '
            "of the file would be read as one cell; nothing was taken from the file. Close "
            "or remove that quote, then try again.",
            row=number,
            file=name,
        )
    return UsageError(
        "%(file)s could not be read as CSV at row %(row)d (%(problem)s); nothing was taken "
        "from the file. Check that row's quotes, then try again.",
        file=name,
        row=number,
        problem=str(exc),
    )


# -- XLSX --------------------------------------------------------------------------------


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose parts would unpack to more than any list of persons."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        return  # not a zip: load_workbook says the file is not a workbook
    strings = sum(p.file_size for p in parts if p.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_XLSX_STRINGS or sum(p.file_size for p in parts) > MAX_XLSX_UNPACKED:
        raise UsageError(
            "%(file)s would unpack to more than any list of persons holds (it may be "
            "damaged or made to exhaust memory); nothing was read. Open it in Excel or "
            "LibreOffice and save it again, or split it.",
            file=path.name,
        )


def _open_xlsx(path: Path, header_row: int, sheet: str | None) -> Table:
    _check_unpacked_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    # openpyxl raises many kinds of error for a damaged or disguised file (zipfile,
    # KeyError for a missing part, XML errors); each means the same to the user.
    except Exception:
        raise UsageError(
            "%(file)s is not a readable .xlsx workbook; open it in Excel or LibreOffice "
            "and save it again as .xlsx.",
            file=path.name,
        ) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise UsageError(
                    "%(file)s has no sheet named %(sheet)r; its sheets are "
                    "%(sheets)s. Fix `sheet` in the mapping.",
                    file=path.name,
                    sheet=sheet,
                    sheets=", ".join(book.sheetnames),
                )
            ws = book[sheet]
        else:
            ws = _first_sheet(book)
        estimated = max((ws.max_row or 0) - header_row, 0)
        # Some programs write a wrong <dimension> (A1:A1); read-only mode trusts it and
        # would silently cut rows and columns off. Reading without it reads everything.
        ws.reset_dimensions()
        cells = ws.iter_rows(min_row=1)
        headers: tuple[str, ...] | None = None
        above: list[tuple[str, ...]] = []
        for n, raw in enumerate(cells, start=1):
            if n == header_row:
                headers = tuple(_header_text(c) for c in raw)
                break
            above.append(tuple(_header_text(c) for c in raw))
        if headers is None:
            raise UsageError(
                "%(file)s has no header row %(row)d; is the sheet empty?",
                file=path.name,
                row=header_row,
            )
        while headers and not headers[-1]:
            headers = headers[:-1]
    except BaseException:
        book.close()
        raise

    def rows() -> Iterator[Row]:
        number = header_row
        raws = iter(cells)
        while True:
            try:
                raw = next(raws)
            except StopIteration:
                return
            # openpyxl raises many kinds of error for a sheet damaged midway (XML cut
            # off, a broken part): each means the same to the user
            except Exception:
                raise UsageError(
                    "%(file)s cannot be read from row %(row)d on: the workbook "
                    "is damaged. Open it in Excel or LibreOffice, save it again as .xlsx, "
                    "and try again.",
                    file=path.name,
                    row=number + 1,
                ) from None
            number += 1
            values: list[CellValue] = []
            problems: list[tuple[int, Said]] = []
            for i, cell in enumerate(raw):
                kind = getattr(cell, "data_type", "n")
                value = cell.value
                if kind == "f":
                    problems.append(
                        (
                            i,
                            say(
                                "cell %(cell)s holds a formula, which Amanat does not "
                                "calculate; replace it with its value (copy, then paste "
                                "values).",
                                cell=column_letter(i) + str(number),
                            ),
                        )
                    )
                elif kind == "e":
                    problems.append(
                        (
                            i,
                            say(
                                "cell %(cell)s holds a spreadsheet error (%(error)s); correct "
                                "it or clear it.",
                                cell=column_letter(i) + str(number),
                                error=str(value)[:12],
                            ),
                        )
                    )
                values.append(value)
            yield Row(number, tuple(values), None, tuple(problems))

    return Table(
        path,
        "xlsx",
        "xlsx",
        headers,
        _drop_trailing_empty(rows()),
        estimated,
        book,
        above=tuple(above),
    )


def _first_sheet(book: Any) -> Any:
    """The sheet a person sees on opening the workbook: the active one when it is
    visible, else the first visible one (a hidden lookup sheet often comes first)."""
    visible = [w for w in book.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
    active = book.active
    if active is not None and active in visible:
        return active
    return visible[0] if visible else book.worksheets[0]


def _header_text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _drop_trailing_empty(rows: Iterator[Row]) -> Iterator[Row]:
    """Hold empty rows back until a non-empty one follows; drop them at the end."""
    held: list[int] = []
    for row in rows:
        if row.empty and row.problem is None:
            held.append(row.number)
            continue
        for number in held:
            yield Row(number, ())
        held = []
        yield row
