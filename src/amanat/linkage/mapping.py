"""The column mapping of ``amanat link``: which column of a list each field comes from.

A small YAML file (read with ``yaml.safe_load`` only), in the style of the import
mapping (``amanat.ingest.mapping``) but with the fields linkage compares::

    version: 1
    columns:            # field: a header, "column F", or a list of them (joined by spaces)
      name: [Тегі, Аты, Әкесінің аты]
      birth: Туған жылы
      sex: Жынысы
      resident_id: ID
      county_code: County code
      hometown: Туған жері
      relative_name: Relative
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

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from amanat.errors import UsageError

__all__ = ["LINK_FIELDS", "LinkMapping", "load_link_mapping", "parse_link_mapping"]

VERSION = 1
LINK_FIELDS = (
    "name",
    "given",
    "surname",
    "patronymic",
    "birth",
    "sex",
    "resident_id",
    "county_code",
    "hometown",
    "relative_name",
    "source",
)
_NAME_FIELDS = ("name", "given", "surname", "patronymic")
_OPTIONS = ("header_row", "sheet", "auto_threshold", "review_threshold")
_SEXES = ("male", "female")
_LETTER_REF = re.compile(r"column\s+([A-Za-z]{1,3})", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")
MAX_MAPPING_BYTES = 1 << 20
_SHOWN = 60


def fold(text: str) -> str:
    """The matching key of a header or a word: NFKC, case-folded, punctuation as spaces."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _letter_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


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
        folded: dict[str, list[int]] = {}
        for i, h in enumerate(headers):
            folded.setdefault(fold(h), []).append(i)
        out: dict[str, tuple[int, ...]] = {}
        for fname, refs in self.columns.items():
            positions = []
            for ref in refs:
                letter = _LETTER_REF.fullmatch(ref.strip())
                if letter:
                    index = _letter_index(letter[1])
                    if index >= len(headers):
                        raise self._fail(f"{fname} names {ref}, but the list has no such column")
                    positions.append(index)
                    continue
                found = folded.get(fold(ref), [])
                if not found:
                    raise self._fail(
                        f"{fname} names the column {_shown(ref)!r}, which the header row lacks"
                    )
                if len(found) > 1:
                    raise self._fail(
                        f"the header {_shown(ref)!r} appears more than once; name the column "
                        f'{fname} comes from by its letter, as "column A"'
                    )
                positions.append(found[0])
            out[fname] = tuple(positions)
        return out

    def _fail(self, problem: str) -> UsageError:
        return UsageError(f"The mapping {self.name}: {problem}. Fix it and run again.")


def load_link_mapping(path: Path) -> LinkMapping:
    """Read and check a mapping file; UsageError (one sentence, what to fix) otherwise."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"No mapping file at {path}; check the path.") from None
    except OSError as exc:
        raise UsageError(f"The mapping {path} cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise UsageError(f"The mapping {name} is larger than 1 MiB; it cannot be a mapping.")
    try:
        doc = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"The mapping {name} is not UTF-8 text; save it as UTF-8.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(
            f"The mapping {name} is not valid YAML{where}; fix it (docs/guide/linkage.md "
            "shows one) and run again."
        ) from None
    return parse_link_mapping(doc, name)


def parse_link_mapping(doc: Any, name: str = "mapping") -> LinkMapping:
    """Check a mapping already read from YAML."""

    def fail(problem: str) -> UsageError:
        return UsageError(f"The mapping {name}: {problem}. Fix it and run again.")

    if not isinstance(doc, dict):
        raise fail("it must have the sections version, columns, values and options")
    unknown = set(doc) - {"version", "columns", "values", "options"}
    if unknown:
        raise fail(f"unknown section {sorted(map(str, unknown))[0]!r}")
    if doc.get("version") != VERSION:
        raise fail(f"it must say version: {VERSION}")
    columns = _columns(doc.get("columns"), fail)
    sex_words = _sex_words(doc.get("values") or {}, fail)
    options = doc.get("options") or {}
    if not isinstance(options, dict):
        raise fail("options must be a list of key: value lines")
    extra = set(options) - set(_OPTIONS)
    if extra:
        raise fail(f"options has an unknown key {sorted(map(str, extra))[0]!r}")
    header_row = options.get("header_row", 1)
    if (
        not isinstance(header_row, int)
        or isinstance(header_row, bool)
        or not 1 <= header_row <= 100
    ):
        raise fail("header_row must be a row number from 1 to 100")
    sheet = options.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        raise fail("sheet must be a sheet's name")
    thresholds = []
    for key in ("auto_threshold", "review_threshold"):
        value = options.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1
        ):
            raise fail(f"{key} must be a probability above 0 and at most 1, such as 0.9")
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
        raise fail("columns must name at least the name field and its column")
    out: dict[str, tuple[str, ...]] = {}
    for key, ref in raw.items():
        if key not in LINK_FIELDS:
            raise fail(
                f"columns has an unknown field {str(key)[:40]!r} (known: {', '.join(LINK_FIELDS)})"
            )
        if ref is None:
            continue
        refs = ref if isinstance(ref, list) else [ref]
        if not refs or not all(isinstance(r, str | int) and not isinstance(r, bool) for r in refs):
            raise fail(f"{key} must name a column header, or a list of them")
        out[key] = tuple(str(r) for r in refs)
    if not any(f in out for f in _NAME_FIELDS):
        raise fail("columns must name the column of the name (or of its parts: given, surname)")
    return out


def _sex_words(raw: Any, fail: Any) -> dict[str, str | None]:
    if not isinstance(raw, dict):
        raise fail("values must be a list of fields, each with its words")
    extra = set(raw) - {"sex"}
    if extra:
        raise fail(f"values has an unknown field {sorted(map(str, extra))[0]!r} (known: sex)")
    table = raw.get("sex") or {}
    if not isinstance(table, dict):
        raise fail("values: sex must be word: value pairs")
    out: dict[str, str | None] = {}
    for word, target in table.items():
        if isinstance(word, bool) or isinstance(target, bool):
            raise fail("in values: sex, write yes, no, on and off in quotes")
        if target is not None and str(target) not in _SEXES:
            raise fail(f"values: sex: {_shown(str(word))!r} must map to male or female")
        out[fold(str(word))] = None if target is None else str(target)
    return out
