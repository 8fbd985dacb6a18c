"""The names module's reference tables, read once from ``names/data/*.tsv``.

Every rule that a native speaker may want to correct lives in one of these files, one
rule a row, with a ``judgement`` column (``yes`` where the rule is a judgement call) and a
note. The files share one version, :data:`TABLE_VERSION`, written in each file's first
line; keys made under one version are comparable only with keys of the same version, so
the views rebuild their name keys when it changes (docs/format/names.md).
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

from amanat.errors import FormatError

__all__ = ["TABLE_VERSION", "TableRow", "read_table"]

TABLE_VERSION = "1.9"
_HEADER = f"# amanat.names table {TABLE_VERSION}:"


@dataclass(frozen=True)
class TableRow:
    """One row of a table: its cells by column name, and its line number for messages."""

    cells: dict[str, str]
    line: int

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


def read_table(name: str) -> tuple[TableRow, ...]:
    """The rows of ``data/<name>``, checked: version line, header, cell count, judgement."""
    text = (
        importlib.resources.files("amanat.names").joinpath("data").joinpath(name).read_text("utf-8")
    )
    lines = text.splitlines()
    if not lines or not lines[0].startswith(_HEADER):
        raise FormatError(
            "The names table %(name)s is not version %(version)s; reinstall Amanat.",
            name=name,
            version=TABLE_VERSION,
        )
    header: list[str] | None = None
    rows: list[TableRow] = []
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        if len(cells) != len(header) or cells[header.index("judgement")] not in ("yes", "no"):
            raise FormatError(
                "Line %(line)s of the names table %(name)s is malformed; reinstall Amanat.",
                line=number,
                name=name,
            )
        rows.append(TableRow(dict(zip(header, cells, strict=True)), number))
    return tuple(rows)
