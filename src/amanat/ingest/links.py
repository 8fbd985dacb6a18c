"""A list of links: which testimony is about which person, and why.

A group that imported a channel's videos (``amanat import FOLDER``) has hundreds of
testimonies linked to no one. ``amanat testimonies unlinked`` writes them as a list,
each with the person its title names best; someone who watched the videos fills in the
``person`` column (and a ``reason``), and ``amanat testimonies link`` reads the list
back here. Each row becomes one ``testimony.linked`` change, or the reason it cannot
be, so that every row is accounted for in the report, as an import's are:

- ``accepted``: linked (or, in a dry run, would be);
- ``unchanged``: nothing to do: no person given, the testimony is on that person's
  page already, or an earlier row of the list says the same;
- ``rejected``: what is wrong, and what to do about it.

The list is checked against what the views know (``LinkFacts``: the testimonies
recorded, whom each is about already, and under which id each person record is shown,
a record merged into another person under that person), so that a list read twice, or
after a stop, links nothing twice. Reading the list and planning the links is pure;
the command seals what ``plan_links`` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amanat.errors import UsageError
from amanat.ingest.rows import cell_text
from amanat.ingest.tables import CellValue, Row

__all__ = ["LINK_COLUMNS", "LinkRow", "link_columns", "link_ids", "plan_links"]

LINK_COLUMNS = ("testimony", "person", "reason")
MAX_REASON = 2_000  # as the staff app's form (records.changes.MAX_SHORT)
_TESTIMONY = re.compile(r"t_[0-9a-f]{32}")
_PERSON = re.compile(r"p_[0-9a-f]{32}")


def N_(message: str) -> str:
    """Marks a reason as a sentence of the catalogue; the command line says it in the
    volunteer's language, the values filled in after."""
    return message


@dataclass
class LinkRow:
    """One row of the list and what became of it."""

    number: int  # as the spreadsheet shows it
    cells: tuple[CellValue, ...]  # as read, for the report
    outcome: str = ""  # accepted, unchanged or rejected
    reason: str = ""  # a sentence of the catalogue, %(name)s filled from ``values``
    values: dict[str, Any] = field(default_factory=dict)
    change: dict[str, Any] | None = None  # the testimony.linked change, when accepted

    def said(self, translate: Any = lambda text: text) -> str:
        """The reason, in the language ``translate`` gives, its values filled in."""
        if not self.reason:
            return ""
        text = str(translate(self.reason))
        return text % self.values if self.values else text


def link_columns(headers: Sequence[str], *, reason_given: bool) -> dict[str, int]:
    """The position of each column of a list of links, found by its header (any case,
    spaces aside); UsageError naming what is missing. ``reason`` may be left out when
    the command gives one for every row."""
    found: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = "_".join(header.strip().lower().split())
        if key in LINK_COLUMNS and key not in found:
            found[key] = i
    missing = [c for c in LINK_COLUMNS if c not in found and not (c == "reason" and reason_given)]
    if missing:
        raise UsageError(
            "The list has no column %(missing)s; it needs the columns `testimony`, `person` "
            "and `reason` (the list `amanat testimonies unlinked` writes has them), or "
            "give --reason for every row.",
            missing=", ".join(missing),
        )
    return found


def _cell(row: Row, at: int | None) -> str:
    if at is None or at >= len(row.values):
        return ""
    return " ".join(cell_text(row.values[at]).split())


def link_ids(rows: Iterable[Row], columns: Mapping[str, int]) -> tuple[set[str], set[str]]:
    """The testimony ids and the person ids a list names (to look up before
    ``plan_links``), as ``plan_links`` reads them."""
    testimonies: set[str] = set()
    persons: set[str] = set()
    for row in rows:
        testimonies.add(_cell(row, columns.get("testimony")).lower())
        persons.add(_cell(row, columns.get("person")).lower())
    return testimonies - {""}, persons - {""}


def plan_links(
    rows: Iterable[Row],
    columns: Mapping[str, int],
    *,
    testimonies: Collection[str],
    shown: Mapping[str, str],
    about: Mapping[str, Collection[str]],
    default_reason: str = "",
) -> list[LinkRow]:
    """Each row of the list with its outcome: ``testimonies`` are those recorded,
    ``shown`` gives the id each known person record is shown under, ``about`` the
    persons each testimony is about already; ``default_reason`` stands for a row's
    empty reason. Two rows linking one testimony to one person: the second is
    unchanged."""
    planned: list[LinkRow] = []
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        item = LinkRow(row.number, row.values)
        planned.append(item)
        if row.empty:
            item.outcome = "unchanged"
            continue
        used = list(columns.values())
        problem = row.problem_in(used)
        if problem is not None:
            item.outcome, item.reason = "rejected", problem.template
            item.values = dict(problem.params)
            continue
        testimony = _cell(row, columns.get("testimony"))
        person = _cell(row, columns.get("person"))
        reason = _cell(row, columns.get("reason")) or " ".join(default_reason.split())
        _plan_one(item, testimony, person, reason, testimonies, shown, about, first)
    return planned


def _plan_one(
    item: LinkRow,
    testimony: str,
    person: str,
    reason: str,
    testimonies: Collection[str],
    shown: Mapping[str, str],
    about: Mapping[str, Collection[str]],
    first: dict[tuple[str, str], int],
) -> None:
    item.outcome = "rejected"
    if not person:
        item.outcome = "unchanged"
        item.reason = N_("no person given; nothing was linked.")
    elif not _TESTIMONY.fullmatch(testimony.lower()):
        item.reason = N_(
            "the `testimony` column does not hold a testimony id (t_ and 32 letters and "
            "digits); copy it from the list `amanat testimonies unlinked` writes."
        )
    elif not _PERSON.fullmatch(person.lower()):
        item.reason = N_(
            "the `person` column does not hold a person id (p_ and 32 letters and digits); "
            "copy it from the person's page in the staff app, or from `amanat persons`."
        )
    elif testimony.lower() not in testimonies:
        item.reason = N_("no such testimony in this desk's database; check its id.")
    elif person.lower() not in shown:
        item.reason = N_("no such person in this desk's database; check the id.")
    elif not reason:
        item.reason = N_(
            "no reason given; say why the video is about this person (who speaks, what "
            "the title says), or give --reason."
        )
    elif len(reason) > MAX_REASON:
        item.reason = N_("the reason is longer than %(limit)d characters; shorten it.")
        item.values = {"limit": MAX_REASON}
    else:
        _accept(item, testimony.lower(), person.lower(), reason, shown, about, first)


def _accept(
    item: LinkRow,
    testimony: str,
    person: str,
    reason: str,
    shown: Mapping[str, str],
    about: Mapping[str, Collection[str]],
    first: dict[tuple[str, str], int],
) -> None:
    target = shown[person]
    if target in about.get(testimony, ()):
        item.outcome = "unchanged"
        item.reason = N_("on this person's page already; nothing to do.")
        return
    if (testimony, target) in first:
        item.outcome = "unchanged"
        item.reason = N_("the same link as row %(row)d.")
        item.values = {"row": first[(testimony, target)]}
        return
    first[(testimony, target)] = item.number
    item.outcome = "accepted"
    item.change = {
        "op": "testimony.linked",
        "testimony": testimony,
        "persons": [target],
        "reason": reason,
    }
    if target != person:
        item.reason = N_("linked to %(person)s, the person this record was merged into.")
        item.values = {"person": target}
