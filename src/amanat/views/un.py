"""What a person's record still lacks for a case to the UN Working Group on Enforced or
Involuntary Disappearances.

The working group takes a case when it has its minimum elements: the person's full
name; the date of the arrest or disappearance, at least its year and month; where the
person was arrested or last seen; who is believed responsible; what the family has done
to find them; and the relatives' consent to the submission (who submits may stay
confidential). ``un_case_gaps`` names, from a person's page as the views hold it, each
element the record does not hold yet, so a publisher preparing a case list sees what to
ask the family for. It judges only whether an element is there, never whether it is
true.
"""

from __future__ import annotations

import datetime as dt

from amanat.views.read import PersonDetail

__all__ = ["UN_ELEMENTS", "un_case_gaps"]

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


def _span(event: dict[str, object]) -> int:
    earliest = dt.date.fromisoformat(str(event["earliest"]))
    latest = dt.date.fromisoformat(str(event["latest"]))
    return (latest - earliest).days + 1


def un_case_gaps(detail: PersonDetail) -> list[str]:
    """The elements of ``UN_ELEMENTS`` the person's record lacks, in that order; an
    empty list when it holds them all."""
    taken = [e for e in detail.timeline if e["status"] in _TAKEN]
    held = {
        "name": bool(detail.names),
        "date": any(_span(e) <= _MONTH_DAYS for e in taken),
        "place": any(e["place_code"] or e["place_text"] for e in taken),
        # "not known" is an honest answer, but not one the working group can act on
        "responsible": any(e["responsible"] not in (None, "unknown") for e in taken),
        "actions": bool(detail.actions),
        "consent": any(
            t["consent"] != "withdrawn" and t["consent_detail"].get("un") is True
            for t in detail.testimonies
        ),
    }
    return [element for element in UN_ELEMENTS if not held[element]]
