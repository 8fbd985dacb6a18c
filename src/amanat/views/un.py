"""What a person's record still lacks for a case to the UN Working Group on Enforced or
Involuntary Disappearances.

The working group takes a case when it has its minimum elements: the person's full
name; the date of the arrest or disappearance, at least its year and month; where the
person was arrested or last seen; who is believed responsible; what the family has done
to find them; and the relatives' consent to the submission (who submits may stay
confidential). ``case_gaps`` names each element a record does not hold yet, so a
publisher preparing a case list sees what to ask the family for, and finds the cases
the working group can take (``Query.un_ready``). It judges only whether an element is
there, never whether it is true.

The projection works the gaps out when it folds a person (``persons.un_gaps``: the
missing elements, comma-separated, in ``UN_ELEMENTS`` order; empty when none is
missing), so a list can be filtered on them; ``stored_gaps`` reads them back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FREED",
    "TAKING",
    "UN_ELEMENTS",
    "URGENT_DAYS",
    "Event",
    "Route",
    "case_gaps",
    "stored_gaps",
    "suggested_route",
    "urgent_since",
]

# The minimum elements, in the order the working group's form asks for them.
UN_ELEMENTS = ("name", "date", "place", "responsible", "actions", "consent")
# Status events that are a deprivation of liberty or a disappearance (a travel ban, a
# release or a death is not the event a case is about).
_TAKEN = frozenset(
    {
        "detained",
        "in_camp",
        "sentenced",
        "in_prison",
        "house_arrest",
        "forced_labour",
        "disappeared",
    }
)
_MONTH_DAYS = 31  # a date known to its month spans at most this many days
# The working group's urgent action is for a disappearance "within the three months
# preceding" the case's receipt: 92 days, the longest three months of the calendar.
URGENT_DAYS = 92
# The events that date a taking (a camp, a prison or a sentence may be said "as of" a
# later day), and those after which the person is not held or missing any more.
TAKING = ("detained", "disappeared")
FREED = ("released", "deceased")


@dataclass(frozen=True)
class Event:
    """What the rule reads of one status event."""

    status: str
    earliest: dt.date
    latest: dt.date
    placed: bool  # a place is given
    responsible: str | None


def case_gaps(
    *,
    named: bool,
    events: Iterable[Event],
    acted: bool,
    consents: Iterable[Mapping[str, Any]],
) -> list[str]:
    """The elements of ``UN_ELEMENTS`` a record lacks, in that order: ``named`` (a
    name is recorded), its status ``events``, ``acted`` (a step the family took is
    recorded) and the current consents of its testimonies."""
    taken = [e for e in events if e.status in _TAKEN]
    held = {
        "name": named,
        "date": any((e.latest - e.earliest).days + 1 <= _MONTH_DAYS for e in taken),
        "place": any(e.placed for e in taken),
        # "not known" is an honest answer, but not one the working group can act on
        "responsible": any(e.responsible not in (None, "unknown") for e in taken),
        "actions": acted,
        "consent": any(c.get("level") != "withdrawn" and c.get("un") is True for c in consents),
    }
    return [element for element in UN_ELEMENTS if not held[element]]


def stored_gaps(person: Mapping[str, Any]) -> list[str]:
    """The gaps a ``persons`` row holds (``un_gaps``), as a list."""
    text = person.get("un_gaps") or ""
    return [g for g in str(text).split(",") if g]


@dataclass(frozen=True)
class Route:
    """The UN procedure a record's timeline points to: ``urgent`` or ``standard``, from
    the last time the person was taken (``status``, ``date`` as said)."""

    route: str
    status: str
    date: str


def urgent_since(today: dt.date) -> str:
    """The first day (YYYY-MM-DD) a taking may be on for the urgent action on ``today``:
    ``Query.taken_since`` for the list of cases to send at once."""
    return (today - dt.timedelta(days=URGENT_DAYS)).isoformat()


def suggested_route(events: Iterable[Mapping[str, Any]], today: dt.date) -> Route | None:
    """Which of the working group's procedures fits, from the record's status events
    (rows of ``status_events``: ``status``, ``date``, ``earliest``, ``latest``):
    ``urgent`` when the person was last detained or disappeared within the last
    ``URGENT_DAYS`` days for sure (the date's earliest day is within them),
    ``standard`` when for sure before.
    None where the timeline cannot say: nobody taken, the person free or dead since, or
    a date that may fall either side (2026 said in November of 2026). A suggestion for
    the reviewer, who decides; nothing is sealed from it."""
    rows = sorted(
        (str(e["earliest"]), str(e["latest"]), str(e["status"]), str(e.get("date") or ""))
        for e in events
        if e.get("earliest") and e.get("latest")
    )
    taken = [r for r in rows if r[2] in TAKING]
    if not taken:
        return None
    earliest, latest, status, said = taken[-1]
    if any(r[2] in FREED and r[0] >= latest for r in rows):
        return None
    since = urgent_since(today)
    if earliest >= since:
        return Route("urgent", status, said or earliest)
    if latest < since:
        return Route("standard", status, said or earliest)
    return None
