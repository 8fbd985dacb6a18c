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

__all__ = ["UN_ELEMENTS", "Event", "case_gaps", "stored_gaps"]

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
