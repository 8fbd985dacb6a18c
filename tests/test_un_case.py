"""What a record lacks for a case to the UN Working Group on Enforced or Involuntary
Disappearances (``amanat.views.un``), read from projected views. Given / When / Then."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from amanat.records import build as b
from amanat.records.changes import claim_id, submission_id
from amanat.views import read
from amanat.views.un import UN_ELEMENTS, stored_gaps, suggested_route, urgent_since
from test_views import P1, P2, entry, new_views, scenario

P4 = "p_" + "4" * 32
T4 = "t_" + "4" * 32


def _gaps(engine: Engine, person: str) -> list[str]:
    with engine.connect() as conn:
        detail = read.person(conn, person)
    assert detail is not None
    return stored_gaps(detail.person)


def _case(claims: list[dict[str, Any]], consent: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "op": "testimony.recorded",
            "testimony": T4,
            "persons": [P4],
            "testifier": {"relationship": "spouse"},
            "consent": consent,
        },
        {
            "op": "person.created",
            "person": P4,
            "claims": [b.claim("name", b.name("Ербол Ахметұлы"), {"testimony": T4}), *claims],
        },
    ]


def _detained_and_petitioned(said: dict[str, str]) -> list[dict[str, Any]]:
    """A detention known to its month, with its place and who did it, and a petition."""
    taken = b.status("in_camp", "2018-05", place=b.place_ref("654002"), by="state_security")
    return [
        b.claim("status", taken, said),
        b.claim("action", b.action("kz_foreign_ministry", "2018-07"), said),
    ]


def test_the_scenarios_persons_lack_what_they_lack(view_engine: Engine) -> None:
    """Given the views scenario (a detention dated to the day with the police named and
    two petitions, but no place and no consent to a UN submission; a sister with only a
    retracted travel ban), when asked, then each lacks exactly those elements."""
    views = new_views(view_engine)
    views.apply(scenario(), {})
    assert _gaps(view_engine, P1) == ["place", "consent"]
    assert _gaps(view_engine, P2) == ["date", "place", "responsible", "actions", "consent"]
    with view_engine.connect() as conn:
        assert read.search(conn, read.Query(un_ready=True)).total == 0


def test_a_complete_case_lacks_nothing(view_engine: Engine) -> None:
    """Given a detention known to its month, with its place and who did it, a petition,
    and the wife's consent to a UN submission, when asked, then nothing is missing."""
    claims = _detained_and_petitioned({"testimony": T4})
    new_views(view_engine).apply([entry(1, _case(claims, {"level": "internal", "un": True}))], {})
    assert _gaps(view_engine, P4) == []
    with view_engine.connect() as conn:  # and the list of cases the UN can take finds it
        ready = read.search(conn, read.Query(un_ready=True))
    assert [p.person_id for p in ready.persons] == [P4]


def test_a_case_sent_to_the_working_group_leaves_the_list_of_cases_not_yet_sent(
    view_engine: Engine,
) -> None:
    """Given a complete case, when it is sent to the UN working group on arbitrary
    detention, then it is still among the cases never sent to the disappearances group;
    when it is sent there, it leaves that list, and when that submission is taken back
    (recorded by mistake), it comes back."""
    claims = _detained_and_petitioned({"testimony": T4})
    views = new_views(view_engine)
    views.apply([entry(1, _case(claims, {"level": "internal", "un": True}))], {})
    unsent = read.Query(un_ready=True, not_submitted=True)

    def listed() -> list[str]:
        with view_engine.connect() as conn:
            return [p.person_id for p in read.search(conn, unsent).persons]

    assert listed() == [P4]
    views.apply([entry(2, [b.submitted(P4, "un_wgad", "2019-02")])], {})
    assert listed() == [P4]
    sent = entry(3, [b.submitted(P4, "un_wgeid", "2019-03", reference="G/SO 217/1")])
    views.apply([sent], {})
    assert listed() == []
    mistake = b.submitted(P4, None, None, retract=submission_id(sent.entry_id, 0), reason="no")
    views.apply([entry(4, [mistake])], {})
    assert listed() == [P4]


def test_a_year_alone_an_unknown_responsible_and_a_withdrawn_consent_are_not_enough(
    view_engine: Engine,
) -> None:
    """Given a detention dated to its year only, with "not known" for who did it, and a
    consent to a UN submission that was later withdrawn, when asked, then the date, the
    responsible and the consent are missing; a release's place does not count either."""
    said = {"testimony": T4}
    claims = [
        b.claim("status", b.status("detained", "2018", by="unknown"), said),
        b.claim("status", b.status("released", "2019-03-02", place=b.place_ref("654002")), said),
        b.claim("action", b.action("un"), said),
    ]
    views = new_views(view_engine)
    views.apply([entry(1, _case(claims, {"level": "public_named", "un": True}))], {})
    withdrawn = {
        "op": "testimony.consent_changed",
        "testimony": T4,
        "consent": {"level": "withdrawn"},
    }
    views.apply([entry(2, [withdrawn])], {})
    assert _gaps(view_engine, P4) == ["date", "place", "responsible", "consent"]
    assert set(_gaps(view_engine, P4)) <= set(UN_ELEMENTS)


P5 = "p_" + "5" * 32
T5 = "t_" + "5" * 32


def test_a_testimony_cited_by_mistake_and_retracted_gives_no_consent(view_engine: Engine) -> None:
    """Given a man whose sister's testimony refused a UN submission, and a claim on his
    record citing by mistake another family's testimony that consented to one, when the
    researcher retracts that claim, then his case has no consent to a UN submission
    again: the other family's consent never speaks for his."""
    said = {"testimony": T5}
    claims = _detained_and_petitioned(said)
    his = [
        {
            "op": "testimony.recorded",
            "testimony": T5,
            "persons": [P5],
            "testifier": {"relationship": "sibling"},
            "consent": {"level": "internal", "un": False},
        },
        {
            "op": "person.created",
            "person": P5,
            "claims": [b.claim("name", b.name("Серік Ахметұлы"), said), *claims],
        },
    ]
    views = new_views(view_engine)
    views.apply([entry(1, _case([], {"level": "internal", "un": True})), entry(2, his)], {})
    assert "consent" in _gaps(view_engine, P5)
    mistake = entry(
        3,
        [
            {
                "op": "person.amended",
                "person": P5,
                "claims": [b.claim("occupation", "driver", {"testimony": T4})],
            }
        ],
    )
    views.apply([mistake], {})
    assert "consent" not in _gaps(view_engine, P5)  # cited: it concerns him
    retracted = {
        "op": "person.corrected",
        "person": P5,
        "reason": "cited the wrong testimony",
        "claims": [],
        "retract": [claim_id(mistake.entry_id, 0, 0)],
    }
    views.apply([entry(4, [retracted])], {})
    assert "consent" in _gaps(view_engine, P5)
    with view_engine.connect() as conn:
        detail = read.person(conn, P5)
    assert detail is not None
    assert [t["testimony_id"] for t in detail.testimonies] == [T5]


def _event(status: str, earliest: str, latest: str | None = None) -> dict[str, str]:
    return {"status": status, "date": earliest, "earliest": earliest, "latest": latest or earliest}


TODAY = dt.date(2026, 11, 30)


ROUTES = [
    # taken five weeks ago: the urgent action
    ([_event("detained", "2026-10-25")], ("urgent", "2026-10-25")),
    # the 92nd day back is still within the three months, the 93rd is not
    ([_event("disappeared", "2026-08-30")], ("urgent", "2026-08-30")),
    ([_event("disappeared", "2026-08-29")], ("standard", "2026-08-29")),
    # detained in 2018, disappeared again last month: the last taking counts
    (
        [_event("detained", "2018-04-02"), _event("disappeared", "2026-11-01")],
        ("urgent", "2026-11-01"),
    ),
    ([_event("detained", "2018-04-02")], ("standard", "2018-04-02")),
    # a month said whole that ends within the three months but starts before them
    ([_event("detained", "2026-08-01", "2026-08-31")], None),
    # released or dead since: no disappearance goes on
    ([_event("detained", "2026-11-01"), _event("released", "2026-11-20")], None),
    ([_event("detained", "2018-04-02"), _event("deceased", "2020-01-01")], None),
    # only a camp "as of" a day, or nothing at all: the timeline cannot tell
    ([_event("in_camp", "2026-11-01")], None),
    ([], None),
]


@pytest.mark.parametrize(("events", "route"), ROUTES)
def test_the_timeline_suggests_the_working_groups_procedure(
    events: list[dict[str, str]], route: tuple[str, str] | None
) -> None:
    """Given a record's status events, when asked which UN procedure fits on 30 November
    2026, then urgent action for a taking within the last three months (92 days),
    standard before, and no suggestion where the timeline cannot say."""
    found = suggested_route(events, TODAY)
    assert (None if found is None else (found.route, found.date)) == route


@pytest.mark.parametrize(("events", "route"), ROUTES)
def test_the_list_of_urgent_cases_holds_those_the_timeline_calls_urgent(
    view_engine: Engine, events: list[dict[str, str]], route: tuple[str, str] | None
) -> None:
    """Given a person with those status events in the views, when the list is asked for
    persons taken since the urgent action's first day, then the person is on it exactly
    when the timeline suggests the urgent action."""
    said = {"testimony": T4}
    claims = [
        b.claim("status", b.status(e["status"], e["earliest"] if e["earliest"] == e["latest"]
                                   else e["earliest"][:7]), said)
        for e in events
    ]  # fmt: skip
    views = new_views(view_engine)
    views.apply([entry(1, _case(claims, {"level": "internal"}))], {})
    with view_engine.connect() as conn:
        found = read.search(conn, read.Query(taken_since=urgent_since(TODAY))).persons
    assert ([p.person_id for p in found] == [P4]) == (route is not None and route[0] == "urgent")
