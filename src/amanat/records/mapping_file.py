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
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

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
    "quoted",
    "read_mapping_yaml",
    "shown",
    "where_the_table_is",
    "yaml_comment",
    "yaml_comment_lines",
    "yaml_text",
]

MAX_MAPPING_BYTES = 1 << 20
MAX_DEPTH = 20  # lists and sections within each other; a mapping needs 3
_MAX_NUMBER = 30
_SHOWN = 60
_NOT_WORD = re.compile(r"[\W_]+")
_LETTER_REF = re.compile(r"column\s+([A-Za-z]{1,3})", re.IGNORECASE)
# a key as a mapping's sections, fields and options are written (Latin letters)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,39}")

# fail("The mapping %(name)s: ... Fix it and run again.", **values): the error of one
# mapping, its name filled in (each sentence whole, as a translation needs it)
Fail = Callable[..., UsageError]


def fold(text: str) -> str:
    """The matching key of a header or value: NFKC, case-folded, punctuation as spaces."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def shown(text: str) -> str:
    """``text`` as a message may quote it: one line, at most 60 characters."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def yaml_text(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back as ``text``, safe in a
    comment too: one line, every character a YAML stream may not hold or would read
    as a line break (controls, NEL, the line and paragraph separators) escaped."""
    quoted_json = json.dumps(text, ensure_ascii=False)
    return "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
        for c in quoted_json
    )


def _comment_words(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def yaml_comment(text: str) -> str:
    """``text`` (a sentence, in any language) as one YAML comment line: whitespace of
    any kind and what YAML would refuse become one space, so a translation never adds a
    line or breaks the file."""
    return "# " + _comment_words(text)


def yaml_comment_lines(text: str, *, indent: str = "", width: int = 88) -> list[str]:
    """``text`` as comment lines of at most ``width`` characters where its words allow
    (a long word, as a file name, is never broken)."""
    lines = textwrap.wrap(
        _comment_words(text),
        max(20, width - len(indent) - 2),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"{indent}# {line}" for line in lines] or [f"{indent}#"]


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_DATA_LIKE = re.compile(r"\d{4}|[,;\t|].*[,;\t|]")


def quoted(text: str) -> str:
    """A column's header or a word written in a mapping file, as a message may quote
    it (``shown``); but not when it looks like a line of the list pasted in (a run of
    digits, several separators: a name with an ID), which the message must not repeat."""
    if _DATA_LIKE.search(text) or len(text) > 40:
        return "(not shown here: it looks like a line of the list)"
    return shown(text)


def named(key: Any) -> str:
    """A key of a mapping file as a message may quote it: the key, when it is written as
    the mapping's own keys are (Latin letters); otherwise a note that it is not shown,
    for a wrong key may be a line of the list pasted in, with a name or an ID."""
    text = str(key)
    if _KEY.fullmatch(text):
        return repr(text)
    return "(not shown here: it is not written in Latin letters, as the known ones are)"


class _Refused(yaml.YAMLError):
    """What a mapping file may not hold, at a line: ``what`` is the whole sentence, with
    ``%(name)s`` for the mapping's name and ``%(line)d`` for the line."""

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
                "The mapping %(name)s uses an alias (*), which a mapping file may not; write "
                "the value out (line %(line)d).",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                "The mapping %(name)s nests lists or sections deeper than a mapping does; "
                "write it as the guide shows (line %(line)d).",
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
                "The mapping %(name)s holds a number of more than 30 digits, which no mapping "
                "needs; if it is a header, put it in quotes (line %(line)d).",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            # YAML reads 2019-02-30 as a date, and a day that does not exist fails here
            raise _Refused(
                "The mapping %(name)s holds a date that does not exist (such as 2019-02-30); "
                "correct it, or put the date in quotes (line %(line)d).",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise _Refused(
                        "The mapping %(name)s gives the same key twice in one section; keep "
                        "one of them (line %(line)d).",
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


def read_mapping_yaml(path: Path, *, command: Literal["import", "link"]) -> Any:
    """The YAML document of the mapping file at ``path``; UsageError (one sentence, what
    to fix) if it is missing, unreadable, over 1 MiB, not UTF-8 or not YAML (what to do
    then depends on the ``command`` that reads it)."""
    name = path.name
    if path.exists() and not path.is_file():
        # a folder, a device (/dev/zero would be read for ever) or a pipe
        raise UsageError("The mapping %(path)s is not a file; give the mapping's file.", path=path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_MAPPING_BYTES + 1)
    except FileNotFoundError:
        raise UsageError("No mapping file at %(path)s; check the path.", path=path) from None
    except OSError as exc:
        raise UsageError(
            "The mapping %(path)s cannot be read (%(reason)s).", path=path, reason=exc.strerror
        ) from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise UsageError(
            "The mapping %(name)s is larger than 1 MiB; it cannot be a mapping.", name=name
        )
    try:
        return yaml.load(raw.decode("utf-8-sig"), Loader=_MappingLoader)  # noqa: S506
    except UnicodeDecodeError:
        raise UsageError(
            "The mapping %(name)s is not UTF-8 text; save it as UTF-8.", name=name
        ) from None
    except _Refused as exc:
        raise UsageError(exc.what, name=name, line=exc.problem_mark.line + 1) from None
    except (ValueError, RecursionError):
        # what the loader's own checks leave to PyYAML and Python: a value no reader
        # would take (the dates and numbers above are refused with their line)
        raise _not_read(name, command, unreadable_value=True) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _not_read(name, command, line=None if mark is None else mark.line + 1) from None


def _not_read(
    name: str,
    command: Literal["import", "link"],
    *,
    line: int | None = None,
    unreadable_value: bool = False,
) -> UsageError:
    """The sentence for a mapping that is not YAML (at ``line``, where known) or holds
    a value that cannot be read, with what to do about it for ``command``."""
    if command == "link":
        if unreadable_value:
            return UsageError(
                "The mapping %(name)s holds a value that cannot be read; fix it "
                "(docs/guide/linkage.md shows one) and run again.",
                name=name,
            )
        if line is None:
            return UsageError(
                "The mapping %(name)s is not valid YAML; fix it (docs/guide/linkage.md shows "
                "one) and run again.",
                name=name,
            )
        return UsageError(
            "The mapping %(name)s is not valid YAML at line %(line)d; fix it "
            "(docs/guide/linkage.md shows one) and run again.",
            name=name,
            line=line,
        )
    if unreadable_value:
        return UsageError(
            "The mapping %(name)s holds a value that cannot be read; fix it, or delete it "
            "and run `amanat import` without --mapping to get a new suggestion.",
            name=name,
        )
    if line is None:
        return UsageError(
            "The mapping %(name)s is not valid YAML; fix it, or delete it and run `amanat "
            "import` without --mapping to get a new suggestion.",
            name=name,
        )
    return UsageError(
        "The mapping %(name)s is not valid YAML at line %(line)d; fix it, or delete it and "
        "run `amanat import` without --mapping to get a new suggestion.",
        name=name,
        line=line,
    )


def column_refs(
    raw: dict[Any, Any], fail: Fail, fields: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The ``columns`` section checked: field -> its column references as written. A
    field left empty is left out (each mapping says what it needs when none is given)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, ref in raw.items():
        if key not in fields:
            raise fail(
                "The mapping %(name)s: columns has an unknown field %(field)s (known: "
                "%(known)s). Fix it and run again.",
                field=named(key),
                known=", ".join(fields),
            )
        if ref is None:
            continue  # left empty on purpose
        refs = ref if isinstance(ref, list) else [ref]
        if not refs or not all(isinstance(r, str | int) and not isinstance(r, bool) for r in refs):
            raise fail(
                "The mapping %(name)s: %(field)s must name a column header, or a list of "
                "them. Fix it and run again.",
                field=key,
            )
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
        raise fail(
            "The mapping %(name)s: header_row must be a row number from 1 to 100. Fix it "
            "and run again."
        )
    sheet = options.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        raise fail("The mapping %(name)s: sheet must be a sheet's name. Fix it and run again.")
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
                if index >= len(headers) and table == "list":
                    raise fail(
                        "The mapping %(name)s: %(field)s names %(ref)s, but the list has no "
                        "such column. Fix it and run again.",
                        field=fname,
                        ref=ref,
                    )
                if index >= len(headers):
                    raise fail(
                        "The mapping %(name)s: %(field)s names %(ref)s, but the sheet has no "
                        "such column. Fix it and run again.",
                        field=fname,
                        ref=ref,
                    )
                positions.append(index)
                continue
            found = folded.get(fold(ref), [])
            if not found:
                raise fail(
                    "The mapping %(name)s: %(field)s names the column %(header)r, which the "
                    "header row lacks. Fix it and run again.",
                    field=fname,
                    header=quoted(ref),
                )
            if len(found) > 1:
                raise fail(
                    "The mapping %(name)s: the header %(header)r appears more than once "
                    "(%(columns)s); name the one %(field)s comes from by its letter, as "
                    "%(example)s. Fix it and run again.",
                    header=shown(ref),
                    columns=_letters(found),
                    field=fname,
                    example=json.dumps("column " + column_letter(found[0])),
                )
            positions.append(found[0])
        for i in positions:
            used_by = [f for f, at in out.items() if i in at]
            if used_by or positions.count(i) > 1:
                # one column read as two fields (or twice as one) changes what is matched
                raise fail(
                    "The mapping %(name)s: column %(column)s is given for both %(first)s and "
                    "%(second)s; give each field its own column. Fix it and run again.",
                    column=column_letter(i),
                    first=(used_by or [fname])[0],
                    second=fname,
                )
        out[fname] = tuple(positions)
    return out


def _letters(indexes: Iterable[int]) -> str:
    return " and ".join(f"column {column_letter(i)}" for i in indexes)
