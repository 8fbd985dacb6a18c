"""The column mapping of ``amanat link``: which column of a list each field comes from.

A small YAML file (read with ``yaml.safe_load`` only), in the style of the import
mapping (``amanat.ingest.mapping``) but with the fields linkage compares::

    version: 1
    columns:            # field: a header, "column F", or a list of them (joined by spaces)
      name: [Тегі, Аты, Әкесінің аты]
      other_names: [Name in Latin, 中文名]   # other writings of it: a column each
      birth: Туған жылы
      sex: Жынысы
      resident_id: ID
      county_code: County code
      hometown: Туған жері
      relative_name: Relative
      detained: Ұсталған күні
      source: List
    values:             # words of a value column, added to the built-in ones
      sex: {ер: male, әйел: female}
    options:
      header_row: 1
      sheet: Sheet1
      auto_threshold: 0.99
      review_threshold: 0.5

``docs/guide/linkage.md`` explains each field; ``docs/examples/`` has a list and its
mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import UsageError
from amanat.records.mapping_file import (
    bind_columns,
    column_refs,
    fold,
    named,
    quoted,
    read_mapping_yaml,
    where_the_table_is,
)

__all__ = ["LINK_FIELDS", "LinkMapping", "fold", "load_link_mapping", "parse_link_mapping"]

VERSION = 1
LINK_FIELDS = (
    "name",
    "given",
    "surname",
    "patronymic",
    "other_names",
    "birth",
    "sex",
    "resident_id",
    "county_code",
    "hometown",
    "relative_name",
    "detained",
    "source",
)
_NAME_FIELDS = ("name", "given", "surname", "patronymic")
_OPTIONS = ("header_row", "sheet", "auto_threshold", "review_threshold")
_SEXES = ("male", "female")


@dataclass(frozen=True)
class LinkMapping:
    """A checked mapping; ``bind`` turns its column references into positions."""

    columns: dict[str, tuple[str, ...]]
    sex_words: dict[str, str | None] = field(default_factory=dict)  # folded word -> sex
    header_row: int = 1
    sheet: str | None = None
    auto_threshold: float | None = None
    review_threshold: float | None = None
    name: str = field(default="mapping", compare=False)

    def bind(self, headers: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """Each mapped field's column positions in ``headers``; UsageError for a column
        the header row lacks or has twice."""
        return bind_columns(self.columns, headers, self._fail, table="list")

    def _fail(self, message: str, **params: object) -> UsageError:
        return UsageError(message, name=self.name, **params)


def load_link_mapping(path: Path) -> LinkMapping:
    """Read and check a mapping file; UsageError (one sentence, what to fix) otherwise."""
    doc = read_mapping_yaml(path, command="link")
    return parse_link_mapping(doc, path.name)


def parse_link_mapping(doc: Any, name: str = "mapping") -> LinkMapping:
    """Check a mapping already read from YAML."""

    def fail(message: str, **params: object) -> UsageError:
        """The mapping's error: ``message`` is the whole sentence, ``%(name)s`` its name."""
        return UsageError(message, name=name, **params)

    if not isinstance(doc, dict):
        raise fail(
            "The mapping %(name)s: it must have the sections version, columns, values and "
            "options. Fix it and run again."
        )
    unknown = set(doc) - {"version", "columns", "values", "options"}
    if unknown:
        raise fail(
            "The mapping %(name)s: unknown section %(section)s. Fix it and run again.",
            section=named(sorted(map(str, unknown))[0]),
        )
    if doc.get("version") != VERSION:
        raise fail(
            "The mapping %(name)s: it must say version: %(version)d. Fix it and run again.",
            version=VERSION,
        )
    columns = _columns(doc.get("columns"), fail)
    sex_words = _sex_words(doc.get("values") or {}, fail)
    options = doc.get("options") or {}
    if not isinstance(options, dict):
        raise fail(
            "The mapping %(name)s: options must be a list of key: value lines. Fix it and "
            "run again."
        )
    extra = set(options) - set(_OPTIONS)
    if extra:
        raise fail(
            "The mapping %(name)s: options has an unknown key %(key)s. Fix it and run again.",
            key=named(sorted(map(str, extra))[0]),
        )
    header_row, sheet = where_the_table_is(options, fail)
    thresholds = []
    for key in ("auto_threshold", "review_threshold"):
        value = options.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1
        ):
            raise fail(
                "The mapping %(name)s: %(option)s must be a probability above 0 and at most 1, "
                "such as 0.9. Fix it and run again.",
                option=key,
            )
        thresholds.append(None if value is None else float(value))
    return LinkMapping(
        columns=columns,
        sex_words=sex_words,
        header_row=header_row,
        sheet=None if sheet is None else str(sheet),
        auto_threshold=thresholds[0],
        review_threshold=thresholds[1],
        name=name,
    )


def _columns(raw: Any, fail: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise fail(
            "The mapping %(name)s: columns must name at least the name field and its column. "
            "Fix it and run again."
        )
    out = column_refs(raw, fail, LINK_FIELDS)
    if not any(f in out for f in _NAME_FIELDS):
        raise fail(
            "The mapping %(name)s: columns must name the column of the name (or of its parts: "
            "given, surname). Fix it and run again."
        )
    return out


def _sex_words(raw: Any, fail: Any) -> dict[str, str | None]:
    if not isinstance(raw, dict):
        raise fail(
            "The mapping %(name)s: values must be a list of fields, each with its words. Fix "
            "it and run again."
        )
    extra = set(raw) - {"sex"}
    if extra:
        raise fail(
            "The mapping %(name)s: values has an unknown field %(field)s (known: sex). Fix it "
            "and run again.",
            field=named(sorted(map(str, extra))[0]),
        )
    table = raw.get("sex") or {}
    if not isinstance(table, dict):
        raise fail(
            "The mapping %(name)s: values: sex must be word: value pairs. Fix it and run again."
        )
    out: dict[str, str | None] = {}
    for word, target in table.items():
        if isinstance(word, bool) or isinstance(target, bool):
            raise fail(
                "The mapping %(name)s: in values: sex, write yes, no, on and off in quotes. Fix "
                "it and run again."
            )
        if target is not None and (not isinstance(target, str) or target not in _SEXES):
            raise fail(
                "The mapping %(name)s: values: sex: %(word)r must map to male or female. Fix it "
                "and run again.",
                word=quoted(str(word)),
            )
        out[fold(str(word))] = None if target is None else str(target)
    return out
