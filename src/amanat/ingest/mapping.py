"""The column mapping: which spreadsheet column each Amanat field comes from.

A mapping is a small YAML file (read with ``yaml.safe_load`` only) a volunteer reviews
before importing; ``docs/guide/import.md`` shows a full one. It has four sections::

    version: 1
    columns:            # field: a header, "column F", or a list of them (joined by spaces)
      name_native: [Тегі, Аты, Әкесінің аты]
      sex: Жынысы
    values:             # words of this list, added to the built-in ones (vocab.py)
      status: {"лагерьге алынды": in_camp, "белгісіз": null}
    options:            # header_row, sheet, ages_as_of, status_as_of, passport_country, …
      ages_as_of: 2019-03-01
    source:             # how the sealed list is described
      title: Atajurt list, March 2019

``suggest_mapping`` writes a first mapping from a header row, guessing columns from
their names in Kazakh, Russian, Chinese and English, and listing the words in value
columns that it does not know, for the reviewer to fill in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import InputError, UsageError
from amanat.ingest.reasons import Voice, say
from amanat.ingest.tables import CellValue, column_letter
from amanat.ingest.vocab import FIELD_LABELS, HEADER_WORDS, NAME_PARTS, VALUE_WORDS, fold
from amanat.records.changes import ETHNICITIES, RELATIONS, RESPONSIBLE, STATUSES
from amanat.records.dates import PartialDate
from amanat.records.mapping_file import (
    Fail,
    bind_columns,
    column_refs,
    named,
    read_mapping_yaml,
    shown,
    where_the_table_is,
    yaml_comment,
    yaml_comment_lines,
    yaml_text,
)
from amanat.records.places import Gazetteer

__all__ = ["FIELDS", "VALUE_FIELDS", "Mapping", "column_ref", "load_mapping", "suggest_mapping"]

VERSION = 1
FIELDS = tuple(FIELD_LABELS)
VALUE_FIELDS = (
    "sex",
    "ethnicity",
    "citizenship",
    "status",
    "relationship",
    "hometown",
    "responsible",
)
_CANONICAL: dict[str, Sequence[str] | None] = {
    "sex": ("male", "female"),
    "ethnicity": ETHNICITIES,
    "status": STATUSES,
    "relationship": RELATIONS,
    "citizenship": None,  # any two-letter code
    "hometown": None,  # a county's code or name, checked against the gazetteer on use
    "responsible": RESPONSIBLE,
}
_OPTIONS = (
    "header_row",
    "sheet",
    "ages_as_of",
    "status_as_of",
    "passport_country",
    "name_language",
)
_SOURCE = ("title", "date", "note")
_COUNTRY = re.compile(r"[A-Z]{2,3}")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class Mapping:
    """A checked mapping. ``columns`` keeps the references as written; ``bind`` turns
    them into column positions for one header row."""

    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str | None]]  # field -> folded word -> canonical (None: empty)
    header_row: int = 1
    sheet: str | None = None
    ages_as_of: dt.date | None = None
    status_as_of: str | None = None  # canonical partial date
    passport_country: str | None = None
    name_language: str | None = None
    title: str | None = None
    date: str | None = None  # canonical partial date
    note: str | None = None
    name: str = field(default="mapping", compare=False)

    def bind(self, headers: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """Each mapped field's column positions in ``headers``; UsageError for a column
        the header does not have, or names twice."""
        return bind_columns(self.columns, headers, self._fail, table="sheet")

    def _fail(self, message: str, **params: object) -> UsageError:
        return UsageError(message, name=self.name, **params)


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; UsageError (one sentence, what to fix) otherwise."""
    doc = read_mapping_yaml(path, command="import")
    return parse_mapping(doc, path.name)


def parse_mapping(doc: Any, name: str = "mapping") -> Mapping:
    def fail(message: str, **params: object) -> UsageError:
        """The mapping's error: ``message`` is the whole sentence, ``%(name)s`` its name."""
        return UsageError(message, name=name, **params)

    if not isinstance(doc, dict):
        raise fail(
            "The mapping %(name)s: it must have the sections version, columns, values, "
            "options, source. Fix it and run again."
        )
    unknown = set(doc) - {"version", "columns", "values", "options", "source"}
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
    values = _values(doc.get("values") or {}, fail)
    options = doc.get("options") or {}
    source = doc.get("source") or {}
    for section, allowed, label in ((options, _OPTIONS, "options"), (source, _SOURCE, "source")):
        if not isinstance(section, dict):
            raise fail(
                "The mapping %(name)s: %(section)s must be a list of key: value lines. Fix "
                "it and run again.",
                section=label,
            )
        extra = set(section) - set(allowed)
        if extra:
            raise fail(
                "The mapping %(name)s: %(section)s has an unknown key %(key)s. Fix it and run "
                "again.",
                section=label,
                key=named(sorted(map(str, extra))[0]),
            )
    header_row, sheet = where_the_table_is(options, fail)
    ages_as_of = _day(options.get("ages_as_of"), "ages_as_of", fail)
    status_as_of = _partial(options.get("status_as_of"), "status_as_of", fail)
    country = options.get("passport_country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        raise fail(
            "The mapping %(name)s: passport_country must be a two- or three-letter code such "
            "as CN. Fix it and run again."
        )
    language = options.get("name_language")
    if language is not None and not (isinstance(language, str) and _LANG.fullmatch(language)):
        raise fail(
            "The mapping %(name)s: name_language must be a language code such as kk or ug. "
            "Fix it and run again."
        )
    title = source.get("title")
    note = source.get("note")
    for key, text in (("title", title), ("note", note)):
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise fail(
                "The mapping %(name)s: source %(key)s must be text. Fix it and run again.",
                key=key,
            )
    if title is not None and len(title) > 500:
        raise fail(
            "The mapping %(name)s: source title must be at most 500 characters. Fix it and "
            "run again."
        )
    return Mapping(
        columns=columns,
        values=values,
        header_row=header_row,
        sheet=None if sheet is None else str(sheet),
        ages_as_of=ages_as_of,
        status_as_of=status_as_of,
        passport_country=country,
        name_language=language,
        title=title.strip() if title else None,
        date=_partial(source.get("date"), "source date", fail),
        note=note.strip() if note else None,
        name=name,
    )


def _columns(raw: Any, fail: Any) -> dict[str, tuple[str, ...]]:
    out = column_refs(raw, fail, FIELDS) if isinstance(raw, dict) else {}
    if not out:
        raise fail(
            "The mapping %(name)s: columns must name at least one field and its column. Fix "
            "it and run again."
        )
    return out


def _values(raw: Any, fail: Any) -> dict[str, dict[str, str | None]]:
    if not isinstance(raw, dict):
        raise fail(
            "The mapping %(name)s: values must be a list of fields, each with its words. Fix "
            "it and run again."
        )
    out: dict[str, dict[str, str | None]] = {}
    for fname in VALUE_FIELDS:
        words: dict[str, str | None] = {}
        for canonical, spellings in VALUE_WORDS.get(fname, {}).items():
            for word in spellings:
                words[fold(word)] = canonical
        for canonical in _CANONICAL[fname] or ():
            words.setdefault(fold(canonical), canonical)
        out[fname] = words
    for fname, table in raw.items():
        if fname not in VALUE_FIELDS:
            raise fail(
                "The mapping %(name)s: values has an unknown field %(field)s (known: "
                "%(known)s). Fix it and run again.",
                field=named(fname),
                known=", ".join(VALUE_FIELDS),
            )
        if not isinstance(table, dict):
            raise fail(
                "The mapping %(name)s: values: %(field)s must be word: value pairs. Fix it "
                "and run again.",
                field=fname,
            )
        allowed = _CANONICAL[fname]
        for word, target in table.items():
            if isinstance(word, bool) or isinstance(target, bool):
                raise fail(
                    "The mapping %(name)s: in values: %(field)s, write yes, no, on and off in "
                    "quotes. Fix it and run again.",
                    field=fname,
                )
            if target is not None:
                target = str(target)
                if allowed is not None and target not in allowed:
                    raise fail(
                        "The mapping %(name)s: values: %(field)s: %(word)r must map to one "
                        "of %(allowed)s. Fix it and run again.",
                        field=fname,
                        word=shown(str(word)),
                        allowed=", ".join(allowed),
                    )
                if fname == "citizenship" and not re.fullmatch(r"[A-Z]{2}", target):
                    raise fail(
                        "The mapping %(name)s: values: %(field)s: %(word)r must map to a "
                        "two-letter country code. Fix it and run again.",
                        field=fname,
                        word=shown(str(word)),
                    )
            out[fname][fold(str(word))] = target
    return out


def _day(value: Any, what: str, fail: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        parsed = PartialDate.parse(str(value), today=dt.date.max)
    except InputError as exc:
        raise _wrong_date(fail, what, exc) from None
    if parsed.earliest != parsed.latest:
        raise fail(
            "The mapping %(name)s: %(option)s must be one day, as 2019-03-01. Fix it and run "
            "again.",
            option=what,
        )
    return parsed.earliest


def _partial(value: Any, what: str, fail: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        return PartialDate.parse(text, today=dt.date.max).to_text()
    except InputError as exc:
        raise _wrong_date(fail, what, exc) from None


def _wrong_date(fail: Fail, what: str, exc: InputError) -> UsageError:
    """A date option the date reader refused, with its reason (in English: the reader's
    sentence is not one of the command's messages)."""
    return fail(
        "The mapping %(name)s: %(option)s: %(problem)s. Fix it and run again.",
        option=what,
        problem=exc.message.rstrip("."),
    )


# -- suggesting ------------------------------------------------------------------------


def _guess(headers: Sequence[str]) -> dict[str, list[int]]:
    """Field -> the column positions whose header names it."""
    by_word = {fold(w): f for f, words in HEADER_WORDS.items() for w in words}
    found: dict[str, list[int]] = {}
    parts: dict[int, int] = {}  # part number -> column
    for i, header in enumerate(headers):
        key = fold(header)
        if key in by_word:
            found.setdefault(by_word[key], []).append(i)
            continue
        for n, words in enumerate(NAME_PARTS):
            if key in {fold(w) for w in words} and n not in parts:
                parts[n] = i
    if parts and "name_native" not in found:
        found["name_native"] = [parts[n] for n in sorted(parts)]
    elif parts:
        found.setdefault("name_latin", [parts[n] for n in sorted(parts)])
    return found


def _places_one(gazetteer: Gazetteer | None, text: str) -> bool:
    return gazetteer is not None and len(gazetteer.find(text, kinds=("county", "prefecture"))) == 1


def column_ref(headers: Sequence[str], index: int) -> str:
    """How a mapping names a column: its header, or "column F" where the header is
    empty, given twice (as folded) or too long to be a header."""
    header = headers[index]
    same = sum(1 for h in headers if fold(h) == fold(header))
    if not fold(header) or same > 1 or len(header) > 100:
        return "column " + column_letter(index)
    return header


def suggest_mapping(
    headers: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    file_name: str,
    today: dt.date,
    gazetteer: Gazetteer | None = None,
    voice: Voice = Voice(),  # noqa: B008 (frozen, never changed)
) -> tuple[str, int]:
    """A mapping to review, as YAML text with comments, and how many columns it maps.
    The comments are in ``voice``'s language (English by default); keys and values are
    as the format has them.

    ``rows`` (any number of data rows) are read for the words in value columns that
    the built-in vocabulary does not know, and for hometowns the ``gazetteer`` cannot
    place; they are listed for the reviewer.
    """
    found = _guess(headers)
    used = {i for cols in found.values() for i in cols}
    known = _values({}, lambda p: UsageError(p))
    unknown: dict[str, Counter[str]] = {
        f: Counter()
        for f in VALUE_FIELDS
        if f in found and (f != "hometown" or gazetteer is not None)
    }
    if unknown:
        for row in rows:
            for fname, counter in unknown.items():
                for i in found[fname]:
                    cell = row[i] if i < len(row) else None
                    if isinstance(cell, str) and cell.strip() and len(cell) <= 100:
                        key = fold(cell)
                        if not key or key in known[fname]:
                            continue
                        if fname == "hometown" and _places_one(gazetteer, cell):
                            continue
                        counter[" ".join(cell.split())] += 1
    lines = [
        *yaml_comment_lines(
            voice(
                say(
                    "Amanat import mapping for %(file)s, suggested on %(date)s from its "
                    "header row.",
                    file=yaml_text(file_name),
                    date=today.isoformat(),
                )
            )
        ),
        *yaml_comment_lines(
            voice(say("Review every line before importing: a wrong column imports wrong facts."))
        ),
        *yaml_comment_lines(
            voice(
                say(
                    'A field names its column by header text, as "column F", or as a list '
                    "of columns joined by spaces. Delete or comment out (#) a field to "
                    "leave it out; every cell stays in the sealed spreadsheet either way. "
                    "Guide: docs/guide/import.md"
                )
            )
        ),
        f"version: {VERSION}",
        "columns:",
    ]
    for fname in FIELDS:
        label = yaml_comment(voice.gettext(FIELD_LABELS[fname]))
        if fname in found:
            refs = [column_ref(headers, i) for i in found[fname]]
            value = (
                yaml_text(refs[0])
                if len(refs) == 1
                else "[" + ", ".join(map(yaml_text, refs)) + "]"
            )
            lines.append(f"  {fname}: {value}  {label}")
        else:
            lines.append(f"  # {fname}:  {label}")
    rest = [i for i in range(len(headers)) if i not in used]
    if rest:
        lines += yaml_comment_lines(
            voice(say("Columns not mapped (kept in the sealed spreadsheet and in the report):"))
        )
        no_header = voice(say("(no header)"))
        for i in rest:
            header = shown(headers[i])
            said = yaml_text(header) if header else yaml_comment(no_header)[2:]
            lines.append(f"#   column {column_letter(i)}: {said}")
    lines.append("values:")
    lines += yaml_comment_lines(
        voice(
            say(
                "Words of this list that Amanat does not know yet. Give each its value "
                "(or null for 'not known') and remove the #. Built-in words: the guide."
            )
        ),
        indent="  ",
    )
    any_unknown = False
    for fname, counter in unknown.items():
        if not counter:
            continue
        any_unknown = True
        choices = ", ".join(
            _CANONICAL[fname]
            or (
                (voice(say("a county's six-digit code")),)
                if fname == "hometown"
                else ("KZ", "CN", "…")
            )
        )
        one_of = yaml_comment(voice(say("one of: %(choices)s", choices=choices)))
        lines.append(f"  # {fname}:  {one_of}")
        for word, count in counter.most_common(30):
            rows = voice.counted("%(count)d row", "%(count)d rows", count)
            lines.append(f"  #   {yaml_text(word)}: ?  {yaml_comment(rows)}")
    if not any_unknown:
        lines += yaml_comment_lines(
            voice(say("(every word in the value columns is known)")), indent="  "
        )

    def option(text: str, said: str) -> str:
        return f"{text:<27}  {yaml_comment(said)}"

    lines += [
        "options:",
        "  header_row: 1",
        option('  # sheet: "Sheet1"', voice(say("the sheet to read (default: the first)"))),
        option(
            "  # ages_as_of: 2019-03-01",
            voice(say("the day the ages in the birth column were given")),
        ),
        option(
            "  # status_as_of: 2019-03",
            voice(say("the date of a status that has no date of its own")),
        ),
        option("  # passport_country: CN", voice(say("who issued the passports"))),
        option("  # name_language: kk", voice(say("the language of name_native (kk, ug, ru, …)"))),
        "source:",
        f"  title: {yaml_text(file_name)}",
        option("  # date: 2019-03", voice(say("when the list was made"))),
        option('  # note: ""', voice(say("who made the list and how it reached us"))),
    ]
    return "\n".join(lines) + "\n", len(used)
