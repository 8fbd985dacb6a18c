"""What the mapping files of ``amanat import`` and ``amanat link`` share.

Both are small YAML files (read with ``yaml.SafeLoader`` only, refusing aliases, which
can make a few hundred bytes into gigabytes, and keys given twice, of which YAML would
silently keep the last) whose ``columns`` section
names, for each field, the column it comes from: a header as written (matched
case-, width- and punctuation-blind) or a letter ("column F"), or a list of them.
``amanat.ingest.mapping`` and ``amanat.linkage.mapping`` check the rest, each for its
own fields and options.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from amanat.errors import UsageError

__all__ = [
    "MAX_DEPTH",
    "MAX_MAPPING_BYTES",
    "bind_columns",
    "column_letter",
    "column_refs",
    "fold",
    "named",
    "read_mapping_yaml",
    "shown",
    "where_the_table_is",
]

MAX_MAPPING_BYTES = 1 << 20
MAX_DEPTH = 20  # lists and sections within each other; a mapping needs 3
_MAX_NUMBER = 30
_SHOWN = 60
_NOT_WORD = re.compile(r"[\W_]+")
_LETTER_REF = re.compile(r"column\s+([A-Za-z]{1,3})", re.IGNORECASE)
# a key as a mapping's sections, fields and options are written (Latin letters)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,39}")

Fail = Callable[[str], UsageError]


def fold(text: str) -> str:
    """The matching key of a header or value: NFKC, case-folded, punctuation as spaces."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def shown(text: str) -> str:
    """``text`` as a message may quote it: one line, at most 60 characters."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def named(key: Any) -> str:
    """A key of a mapping file as a message may quote it: the key, when it is written as
    the mapping's own keys are (Latin letters); otherwise a note that it is not shown,
    for a wrong key may be a line of the list pasted in, with a name or an ID."""
    text = str(key)
    if _KEY.fullmatch(text):
        return repr(text)
    return "(not shown here: it is not written in Latin letters, as the known ones are)"


class _Refused(yaml.YAMLError):
    """What a mapping file may not hold, at a line."""

    def __init__(self, what: str, mark: Any) -> None:
        super().__init__(what)
        self.what = what
        self.problem_mark = mark


class _MappingLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases, without keys given twice, without lists or
    sections nested deeper than ``MAX_DEPTH`` (PyYAML builds nodes recursively: a few
    kilobytes of brackets would exhaust Python's stack), and without numbers longer
    than ``_MAX_NUMBER`` characters (Python refuses to read an integer of more than
    4,300 digits, and no mapping needs one of 30)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                "uses an alias (*), which a mapping file may not; write the value out",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                "nests lists or sections deeper than a mapping does; write it as the guide shows",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        if len(str(node.value)) > _MAX_NUMBER:
            raise _Refused(
                "holds a number of more than 30 digits, which no mapping needs; if it is "
                "a header, put it in quotes",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            # YAML reads 2019-02-30 as a date, and a day that does not exist fails here
            raise _Refused(
                "holds a date that does not exist (such as 2019-02-30); correct it, or put "
                "the date in quotes",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise _Refused(
                        "gives the same key twice in one section; keep one of them",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_MappingLoader.add_constructor("tag:yaml.org,2002:int", _MappingLoader.construct_yaml_int)
_MappingLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _MappingLoader.construct_yaml_timestamp
)


def _letter_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def read_mapping_yaml(path: Path, *, if_invalid: str) -> Any:
    """The YAML document of the mapping file at ``path``; UsageError (one sentence, what
    to fix) if it is missing, unreadable, over 1 MiB, not UTF-8 or not YAML
    (``if_invalid`` says what to do then, after "is not valid YAML at line N; ")."""
    name = path.name
    if path.exists() and not path.is_file():
        # a folder, a device (/dev/zero would be read for ever) or a pipe
        raise UsageError(f"The mapping {path} is not a file; give the mapping's file.")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_MAPPING_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"No mapping file at {path}; check the path.") from None
    except OSError as exc:
        raise UsageError(f"The mapping {path} cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise UsageError(f"The mapping {name} is larger than 1 MiB; it cannot be a mapping.")
    try:
        return yaml.load(raw.decode("utf-8-sig"), Loader=_MappingLoader)  # noqa: S506
    except UnicodeDecodeError:
        raise UsageError(f"The mapping {name} is not UTF-8 text; save it as UTF-8.") from None
    except _Refused as exc:
        line = exc.problem_mark.line + 1
        raise UsageError(f"The mapping {name} {exc.what} (line {line}).") from None
    except (ValueError, RecursionError):
        # what the loader's own checks leave to PyYAML and Python: a value no reader
        # would take (the dates and numbers above are refused with their line)
        raise UsageError(
            "The mapping %(name)s holds a value that cannot be read; %(what)s",
            name=name,
            what=if_invalid,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"The mapping {name} is not valid YAML{where}; {if_invalid}") from None


def column_refs(
    raw: Any, fail: Fail, fields: Sequence[str], *, if_empty: str
) -> dict[str, tuple[str, ...]]:
    """The ``columns`` section checked: field -> its column references as written. A
    field left empty is left out; ``if_empty`` is the complaint when none is given."""
    if not isinstance(raw, dict) or not raw:
        raise fail(if_empty)
    out: dict[str, tuple[str, ...]] = {}
    for key, ref in raw.items():
        if key not in fields:
            raise fail(f"columns has an unknown field {named(key)} (known: {', '.join(fields)})")
        if ref is None:
            continue  # left empty on purpose
        refs = ref if isinstance(ref, list) else [ref]
        if not refs or not all(isinstance(r, str | int) and not isinstance(r, bool) for r in refs):
            raise fail(f"{key} must name a column header, or a list of them")
        out[key] = tuple(str(r) for r in refs)
    return out


def where_the_table_is(options: dict[Any, Any], fail: Fail) -> tuple[int, str | int | None]:
    """The ``header_row`` (1 if not given) and ``sheet`` options, checked."""
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
    return header_row, sheet


def bind_columns(
    columns: dict[str, tuple[str, ...]], headers: Sequence[str], fail: Fail, *, table: str
) -> dict[str, tuple[int, ...]]:
    """Each field's column positions in ``headers``; UsageError for a column the header
    row lacks or has twice (``table``: "sheet" or "list", as the message names it)."""
    folded: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        folded.setdefault(fold(h), []).append(i)
    out: dict[str, tuple[int, ...]] = {}
    for fname, refs in columns.items():
        positions = []
        for ref in refs:
            letter = _LETTER_REF.fullmatch(ref.strip())
            if letter:
                index = _letter_index(letter[1])
                if index >= len(headers):
                    raise fail(f"{fname} names {ref}, but the {table} has no such column")
                positions.append(index)
                continue
            found = folded.get(fold(ref), [])
            if not found:
                raise fail(f"{fname} names the column {shown(ref)!r}, which the header row lacks")
            if len(found) > 1:
                raise fail(
                    f"the header {shown(ref)!r} appears more than once ({_letters(found)}); "
                    f"name the one {fname} comes from by its letter, as "
                    f"{json.dumps('column ' + column_letter(found[0]))}"
                )
            positions.append(found[0])
        out[fname] = tuple(positions)
    return out


def _letters(indexes: Iterable[int]) -> str:
    return " and ".join(f"column {column_letter(i)}" for i in indexes)
