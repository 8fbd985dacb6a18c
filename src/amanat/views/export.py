"""Export the views: every table as CSV and JSON Lines, with a data dictionary.

``export_views`` writes, into a new or empty folder, one ``<table>.csv`` and one
``<table>.jsonl`` per table of ``views.schema``, then ``DATA-DICTIONARY.md`` and
``data-dictionary.json``, generated from the tables' own comments, types and primary
keys, so the description of a column lives in exactly one place (``schema.py``).

- CSV is UTF-8 *with* a byte-order mark: without it Excel on Windows reads the file
  in the machine's legacy code page and shows Cyrillic, Arabic and Chinese names as
  mojibake. Empty cells are NULL; true/false are written ``true``/``false``. A text
  cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'``, so that a spreadsheet shows it instead of running it as a formula (a
  list imported from anywhere can hold such names; OWASP "CSV injection"); the JSON
  Lines file has every value as it is.
- JSON Lines holds one object per row, with real nulls, numbers and booleans.
- Columns that hold JSON (lists, objects) stay JSON *text* in both formats, so the
  two files of a table hold the same values.
- Rows are streamed from the database a batch at a time; no table is held in memory.
- Files are created with mode 0600 and never overwrite anything (``O_EXCL``). The
  export is plaintext: the views' encryption does not follow the files.
- The tables are read in one transaction, so every file describes the same moment
  even while a sync updates the views.
- ``meta`` and ``projected_logs`` are the views' own bookkeeping and are left out;
  the schema version is written into the dictionary instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Boolean, Column, Connection, Engine, Integer, String, Table, func, select

from amanat.errors import UsageError
from amanat.views import schema as s

__all__ = [
    "DICTIONARY_FILE",
    "ExportReport",
    "TableExport",
    "check_export_folder",
    "count_rows",
    "export_views",
    "exported_tables",
]

Progress = Callable[[int], None]
DICTIONARY_FILE = "DATA-DICTIONARY.md"
DICTIONARY_JSON = "data-dictionary.json"
SKIPPED = frozenset({s.meta.name, s.logs.name})
_BATCH = 1000  # rows fetched from the database at a time


@dataclass(frozen=True)
class TableExport:
    table: str
    rows: int
    files: tuple[str, ...]


@dataclass
class ExportReport:
    folder: Path
    tables: list[TableExport] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def exported_tables() -> list[Table]:
    """The tables an export writes, parents before children."""
    return [t for t in s.metadata.sorted_tables if t.name not in SKIPPED]


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows in each exported table, for a progress bar's total."""
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in exported_tables()
        }


def _type_name(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, String) and kind.length:  # Text is a String without a length
        return f"text (at most {kind.length} characters)"
    return "text"


def _is_json(column: Column[Any]) -> bool:
    return "JSON" in (column.comment or "")


def dictionary(tables: list[Table], counts: dict[str, int]) -> dict[str, Any]:
    """The data dictionary as data: what ``data-dictionary.json`` holds."""
    return {
        "format": "amanat.export/1",
        "views_schema_version": s.SCHEMA_VERSION,
        "encoding": {
            "csv": "UTF-8 with a byte-order mark; comma-separated; empty cell = null; "
            "a text beginning with = + - @ (or a tab) has a ' put before it",
            "jsonl": "UTF-8, one JSON object per line",
        },
        "tables": [
            {
                "name": t.name,
                "description": t.comment or "",
                "rows": counts.get(t.name, 0),
                "primary_key": [c.name for c in t.primary_key.columns],
                "files": [f"{t.name}.csv", f"{t.name}.jsonl"],
                "columns": [
                    {
                        "name": c.name,
                        "type": _type_name(c),
                        "nullable": bool(c.nullable),
                        "primary_key": bool(c.primary_key),
                        "json_text": _is_json(c),
                        "description": c.comment or "",
                    }
                    for c in t.columns
                ],
            }
            for t in tables
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(doc: dict[str, Any]) -> str:
    lines = [
        "# Data dictionary",
        "",
        "An export of an Amanat desk's victims database (views schema version "
        f"{doc['views_schema_version']}). Each table is written twice, with the same rows:",
        "",
        "- `TABLE.csv`: UTF-8 with a byte-order mark, so that Excel opens Cyrillic, Arabic "
        "and Chinese text correctly; comma-separated; an empty cell is an empty value "
        "(null); booleans are `true` / `false`. A text that begins with `=`, `+`, `-` or "
        "`@` (a name in an imported list can) has a `'` put before it, so that a "
        "spreadsheet shows it instead of running it as a formula; the JSON Lines file has "
        "it as it is.",
        "- `TABLE.jsonl`: one JSON object per line, with real nulls, numbers and booleans.",
        "",
        "Dates are ISO text (`YYYY-MM-DD`); a date *as said* keeps its precision "
        "(`2018`, `2018-04`, `~1975`, `2017..2018`) next to its earliest and latest "
        "possible days. Columns marked *JSON* hold JSON text in both formats.",
        "",
        "**These files are not encrypted.** They hold everything the desk holds, "
        "including testifiers' names and contacts, risk notes and testimonies whose "
        "consent is internal or withdrawn. Keep them on an encrypted disk, share them "
        "only as the consent of each testimony allows, and delete them when done.",
        "",
        "## Tables",
        "",
        "| table | rows | what it holds |",
        "|---|---:|---|",
    ]
    for t in doc["tables"]:
        lines.append(f"| [`{t['name']}`](#{t['name']}) | {t['rows']} | {_cell(t['description'])} |")
    for t in doc["tables"]:
        key = ", ".join(f"`{k}`" for k in t["primary_key"])
        lines += [
            "",
            f"## {t['name']}",
            "",
            _cell(t["description"]),
            "",
            f"Files: `{t['name']}.csv`, `{t['name']}.jsonl`. Rows: {t['rows']}. "
            f"Each row is identified by {key}.",
            "",
            "| column | type | empty allowed | description |",
            "|---|---|---|---|",
        ]
        for c in t["columns"]:
            name = f"`{c['name']}`" + (" (key)" if c["primary_key"] else "")
            kind = c["type"] + (", JSON" if c["json_text"] else "")
            empty = "yes" if c["nullable"] else "no"
            lines.append(f"| {name} | {kind} | {empty} | {_cell(c['description'])} |")
    return "\n".join(lines) + "\n"


# -- writing ---------------------------------------------------------------------------


class _Files:
    """Files created in the export folder, removed again if the export fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[Path] = []

    def open(self, name: str) -> IO[bytes]:
        path = self.folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.made.append(path)
        return os.fdopen(fd, "wb")

    def remove(self) -> None:
        for path in self.made:
            path.unlink(missing_ok=True)


def check_export_folder(folder: Path) -> None:
    """Refuse anything but a new or an empty folder, in one sentence."""
    if folder.exists():
        if not folder.is_dir():
            raise UsageError(
                "%(path)s is a file; give a new or empty folder to export into.", path=folder
            )
        if any(folder.iterdir()):
            raise UsageError(
                "The folder %(path)s is not empty; give a new or empty folder, "
                "so that no file is overwritten or mixed with an older export.",
                path=folder,
            )


def _prepare(folder: Path) -> bool:
    """Make ``folder`` (mode 0700) or check that it is empty; whether it was made."""
    check_export_folder(folder)
    if folder.exists():
        return False
    folder.mkdir(parents=True, mode=0o700)
    return True


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one moment of the database."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        else:
            # The sqlite3 driver starts a transaction only before a write, so each
            # SELECT would read its own moment; an explicit BEGIN makes one snapshot.
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()


_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_RISKY_START):
        return "'" + value
    return value


def _write_table(
    conn: Connection, table: Table, files: _Files, progress: Progress | None
) -> TableExport:
    names = [c.name for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    csv_name, jsonl_name = f"{table.name}.csv", f"{table.name}.jsonl"
    rows = 0
    with files.open(csv_name) as raw_csv, files.open(jsonl_name) as jsonl:
        raw_csv.write(codecs.BOM_UTF8)
        text = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(names)
        result = conn.execution_options(yield_per=_BATCH).execute(select(table).order_by(*order))
        for part in result.partitions():
            for row in part:
                values = tuple(row)
                writer.writerow([_csv_value(v) for v in values])
                record = dict(zip(names, values, strict=True))
                jsonl.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
            rows += len(part)
            if progress:
                progress(len(part))
        text.flush()
        text.detach()
    return TableExport(table.name, rows, (csv_name, jsonl_name))


def export_views(engine: Engine, out_dir: Path, progress: Progress | None = None) -> ExportReport:
    """Write every table and the data dictionary into ``out_dir`` (new or empty).

    ``progress`` is called with the number of rows written after each batch (the total
    is ``sum(count_rows(engine).values())``). If anything fails, the files written so
    far are removed again, and the folder too if this export made it.
    """
    folder = out_dir.absolute()
    made = _prepare(folder)
    files = _Files(folder)
    report = ExportReport(folder)
    try:
        tables = exported_tables()
        with _snapshot(engine) as conn:
            for table in tables:
                report.tables.append(_write_table(conn, table, files, progress))
        doc = dictionary(tables, {t.table: t.rows for t in report.tables})
        with files.open(DICTIONARY_JSON) as out:
            out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
        with files.open(DICTIONARY_FILE) as out:
            out.write(dictionary_markdown(doc).encode("utf-8"))
    except BaseException:
        files.remove()
        if made:
            folder.rmdir()
        raise
    report.files = [p.name for p in files.made]
    return report
