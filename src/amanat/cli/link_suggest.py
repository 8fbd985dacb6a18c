"""A first mapping for ``amanat link``, guessed from a list's header row.

``amanat import`` writes a mapping to review when it is run without one; ``amanat
link`` does the same, in its own format (``amanat.linkage.mapping``): the fields
linkage compares. Columns are guessed from their headers in Kazakh, Russian, Chinese
and English, with the import's words (``amanat.ingest.vocab``) and a few only linkage
uses (a county's code, a relative, other names, which list a row came from). Nothing is decided
silently: every field gets a line, mapped or commented out, every column left out is
listed, and so are the words of the sex column that the built-in ones lack.

One column a field, but for the name: where a list has a whole name in several
columns (in Latin letters, in Cyrillic, in characters), the one filled in most often in
the rows read is the ``name`` and the others are its ``other_names``, each keyed as a
writing of it; a list with both a whole name and its parts offers the parts, commented
out. An age is not a birth date, so an "age" column is not mapped to ``birth``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable, Sequence

from amanat.cli.words import N_, ntr, tr
from amanat.ingest.mapping import column_ref
from amanat.ingest.tables import CellValue, column_letter
from amanat.ingest.vocab import HEADER_WORDS, NAME_PARTS, NO_VALUE, VALUE_WORDS, fold
from amanat.linkage.mapping import LINK_FIELDS
from amanat.linkage.prepare import normalise_resident_id
from amanat.records.mapping_file import shown, yaml_comment, yaml_comment_lines, yaml_text

__all__ = ["LINK_LABELS", "guess_link_columns", "names_a_name", "suggest_link_mapping"]

VERSION = 1

LINK_LABELS = {
    "name": N_("the person's whole name, in any script"),
    "given": N_("the given name (instead of name)"),
    "surname": N_("the surname or family name (instead of name)"),
    "patronymic": N_("the father's name (instead of name)"),
    "other_names": N_(
        "other writings of the whole name (in Latin, in characters): a column each, "
        "or several in a cell separated by ;"
    ),
    "birth": N_("birth date: 1974, 1974-03-15, 15.03.1974, 1973..1975 (not an age)"),
    "sex": N_("male or female (see values: sex)"),
    "resident_id": N_("PRC resident ID number (a mistyped digit still links)"),
    "county_code": N_("the county's six-digit code, as 654002"),
    "hometown": N_("a place's name in any script"),
    "relative_name": N_("a relative's name; several separated by ;"),
    "detained": N_("when the person was taken: 2018, 03.2018, 2018-03-22"),
    "source": N_("which list the row came from (kept, not compared)"),
}

# The import's fields that are link's, under link's names.
_FROM_IMPORT = {
    "name_native": "name",
    "name_latin": "name",
    "name_chinese": "name",
    "birth": "birth",
    "sex": "sex",
    "resident_id": "resident_id",
    "hometown": "hometown",
    "detained_date": "detained",
    # who reported a case is, at a documentation desk, as a rule a relative: the same
    # wife or son named in two lists is what the relatives comparison is for
    "testifier_name": "relative_name",
}
# Headers that give an age: the import reads them with ages_as_of; link does not.
_AGES = frozenset(fold(w) for w in ("age", "возраст", "жасы", "年龄"))
# Headers only linkage reads.
_LINK_WORDS: dict[str, tuple[str, ...]] = {
    "county_code": (
        "county code", "county_code", "region code", "код уезда", "код района",
        "аудан коды", "ауданның коды", "区划代码", "行政区划代码", "县代码",
    ),
    "relative_name": (
        "relative", "relatives", "relative name", "relative s name", "family member",
        "родственник", "родственники", "имя родственника", "туысы", "туыстары",
        "туысының аты", "亲属", "家属", "亲属姓名",
    ),
    "other_names": (
        "other names", "other name", "also known as", "aka", "alias", "former name",
        "другие имена", "другое имя", "прежнее имя", "басқа аты", "басқа аттары",
        "曾用名", "别名",
    ),
    "source": (
        "source", "list", "source list", "источник", "список", "тізім", "дереккөз", "来源",
    ),
}  # fmt: skip
_PARTS = ("surname", "given", "patronymic")  # in the order of vocab.NAME_PARTS
_NAME_FIELDS = frozenset(("name", *_PARTS))


@functools.cache
def _words() -> dict[str, str]:
    """A folded header -> the link field it names."""
    by_word: dict[str, str] = {}
    for import_field, words in HEADER_WORDS.items():
        link_field = _FROM_IMPORT.get(import_field)
        if link_field is not None:
            by_word.update((fold(w), link_field) for w in words if fold(w) not in _AGES)
    for part, words in zip(_PARTS, NAME_PARTS, strict=True):
        by_word.update((fold(w), part) for w in words)
    for link_field, words in _LINK_WORDS.items():
        by_word.update((fold(w), link_field) for w in words)
    return by_word


def _filled(value: CellValue) -> bool:
    return value is not None and (not isinstance(value, str) or fold(value) not in NO_VALUE)


def guess_link_columns(
    headers: Sequence[str], rows: Iterable[Sequence[CellValue]]
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Each link field's column, and the other columns whose headers name it.

    Of several columns for one field, the one with the most cells filled in ``rows``
    wins (the first of them on a tie). A whole name wins over its parts: a list with
    both keeps the parts as other choices. A column whose header says ID is mapped as
    the resident ID only if one of its cells in ``rows`` reads as one, or none is filled.
    """
    by_word = _words()
    candidates: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        link_field = by_word.get(fold(header))
        if link_field is not None:
            candidates.setdefault(link_field, []).append(i)
    filled: Counter[int] = Counter()
    ids: Counter[int] = Counter()
    id_columns = candidates.get("resident_id", [])
    for row in rows:
        filled.update(i for i, value in enumerate(row) if _filled(value))
        ids.update(i for i in id_columns if i < len(row) and _an_id(row[i]))
    if id_columns:  # "ID" may be the list's own row number: not mapped, but listed
        candidates["resident_id"] = [i for i in id_columns if ids[i] or not filled[i]]
    chosen: dict[str, int] = {}
    others: dict[str, list[int]] = {}
    for link_field, columns in candidates.items():
        if not columns:
            continue
        best = max(columns, key=lambda i: (filled[i], -i))
        chosen[link_field] = best
        rest = [i for i in columns if i != best]
        if rest:
            others[link_field] = rest
    if "name" in chosen:  # a whole name wins over its parts; they stay a choice
        for part in _PARTS:
            if part in chosen:
                others.setdefault(part, []).insert(0, chosen.pop(part))
    return chosen, others


def names_a_name(headers: Sequence[str]) -> bool:
    """Whether ``headers`` name a column of the name or of a part of it: a header row,
    not a title line above one."""
    by_word = _words()
    return any(by_word.get(fold(h)) in _NAME_FIELDS for h in headers)


def _an_id(value: CellValue) -> bool:
    """A cell that reads as a resident ID (right length and digits; its check
    character may be mistyped, which linkage allows for), or a spreadsheet number as
    long as one: mapped, so that linking says the column lost its last digits and
    should be formatted as text, rather than leaving the IDs out unsaid."""
    if isinstance(value, float):
        return abs(value) >= 1e14
    return isinstance(value, str | int) and normalise_resident_id(str(value))[0] is not None


def suggest_link_mapping(
    headers: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    file_name: str,
    today: dt.date,
    header_row: int = 1,
) -> tuple[str, int]:
    """A link mapping to review, as YAML text with comments, and how many columns it
    maps. ``rows`` (any number of data rows) decide between columns of one field and
    give the sex column's words the built-in ones lack."""
    kept = list(rows)
    chosen, others = guess_link_columns(headers, kept)
    known = {fold(w) for words in VALUE_WORDS["sex"].values() for w in words} | NO_VALUE
    unknown: Counter[str] = Counter()
    if "sex" in chosen:
        at = chosen["sex"]
        for row in kept:
            cell = row[at] if at < len(row) else None
            if (
                isinstance(cell, str)
                and cell.strip()
                and len(cell) <= 100
                and fold(cell) not in known
            ):
                unknown[" ".join(cell.split())] += 1
    lines = [
        *yaml_comment_lines(
            tr(
                "Amanat link mapping for %(file)s, suggested on %(date)s from its header row.",
                file=yaml_text(file_name),
                date=today.isoformat(),
            )
        ),
        *yaml_comment_lines(
            tr("Check every line before linking: a wrong column links the wrong rows.")
        ),
        *yaml_comment_lines(
            tr(
                'A field names its column by header text or as "column F". Delete or comment '
                "out (#) a field to leave it out. Guide: docs/guide/linkage.md"
            )
        ),
        f"version: {VERSION}",
        "columns:",
    ]
    # the other whole-name columns are other writings of the name, each keyed too, as
    # are the columns headed so ("曾用名", a PRC household register's former name)
    other_names = sorted(
        [*others.pop("name", []), *others.pop("other_names", [])]
        + ([chosen.pop("other_names")] if "other_names" in chosen else [])
    )
    for link_field in LINK_FIELDS:
        label = yaml_comment(tr(LINK_LABELS[link_field]))
        rest = others.get(link_field, [])
        if link_field == "other_names" and other_names:
            refs = [yaml_text(column_ref(headers, i)) for i in other_names]
            value = refs[0] if len(refs) == 1 else "[" + ", ".join(refs) + "]"
            lines.append(f"  {link_field}: {value}  {label}")
        elif link_field in chosen:
            ref = yaml_text(column_ref(headers, chosen[link_field]))
            lines.append(f"  {link_field}: {ref}  {label}")
        elif link_field in _PARTS and rest:  # a part of the name, set aside for the name
            lines.append(
                f"  # {link_field}: {yaml_text(column_ref(headers, rest.pop(0)))}  {label}"
            )
        else:
            lines.append(f"  # {link_field}:  {label}")
        less = yaml_comment(tr("filled in less often in the rows read"))
        lines += [f"  #   or {yaml_text(column_ref(headers, i))}  {less}" for i in rest]
    used = set(chosen.values()) | set(other_names)
    rest = [i for i in range(len(headers)) if i not in used]
    if rest:
        lines += yaml_comment_lines(tr("Columns not mapped (copied to --out as they are):"))
        for i in rest:
            header = shown(headers[i])
            header = yaml_text(header) if header else yaml_comment(tr("(no header)"))[2:]
            lines.append(f"#   column {column_letter(i)}: {header}")
    lines.append("values:")
    if unknown:
        lines += yaml_comment_lines(
            tr(
                "Words of the sex column that Amanat does not know yet: give each male, "
                "female or null (not known), and remove the #."
            ),
            indent="  ",
        )
        lines.append("  # sex:")
        for word, count in unknown.most_common(30):
            rows_said = yaml_comment(ntr("%(count)d row", "%(count)d rows", count))
            lines.append(f"  #   {yaml_text(word)}: ?  {rows_said}")
    else:
        lack = yaml_comment(tr("words the built-in ones lack"))
        lines.append(f"  # sex: {{ер: male, әйел: female}}  {lack}")
    lines += [
        "options:",
        f"  header_row: {header_row}",
        '  # sheet: "Sheet1"          '
        + yaml_comment(tr("the sheet to read (default: the first)")),
        "  # auto_threshold: 0.97     "
        + yaml_comment(tr("link without asking from this probability")),
        "  # review_threshold: 0.5    " + yaml_comment(tr("ask a person from this probability")),
    ]
    return "\n".join(lines) + "\n", len(used)
