"""Merged persons: reviewers' decisions on pairs of records, merges and splits.

A decision (``link.decided``) is a record change like any other: sealed, never edited.
The views derive merged persons from the decisions in force (the latest on each pair):
records joined by *same* decisions are folded together and shown as one person under
the smallest existing id; the other records redirect to it. A later *different* on the
pair splits them, and every folded table is exactly as it was before the merge; only
the decision bookkeeping (``link_decisions``) and the inputs (``entries``,
``changes``) remember that it happened. The same tests run on SQLCipher and PostgreSQL.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, find, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from amanat.errors import FormatError
from amanat.records import build as b
from amanat.records.changes import (
    LINK_SCHEMA,
    SCHEMA,
    check_changes,
    claim_id,
    link_decided,
    pair_subject,
)
from amanat.views import read
from amanat.views import schema as s
from amanat.views.project import Candidate, SealedEntry, Views
from test_views import entry, new_views

PA = "p_" + "1" * 32  # smallest id: shown in place of the others once merged
PB = "p_" + "2" * 32
PC = "p_" + "3" * 32
PD = "p_" + "4" * 32
PERSONS = (PA, PB, PC, PD)
T1 = "t_" + "a" * 32
T2 = "t_" + "b" * 32
S1 = "s_" + "c" * 32
R1 = "r_" + "d" * 32
RID = "654002198001010010"  # 伊宁市, 1980-01-01, male

# Tables that remember decisions by design, and the views' own bookkeeping: everything
# else must be exactly restored by a split (docs/operations/views.md).
HISTORY_TABLES = frozenset(
    {s.meta.name, s.logs.name, s.entries.name, s.changes.name, s.decisions.name}
)


def folded(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every views table but the bookkeeping above, sorted."""
    out = {}
    with engine.connect() as conn:
        for table in s.metadata.sorted_tables:
            if table.name not in HISTORY_TABLES:
                rows = conn.execute(select(table)).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def records() -> list[SealedEntry]:
    """The same detained man recorded twice (his wife's testimony: PB; a cousin's list:
    PA, with another birth year), a third record (PC) from an official notice, and an
    unrelated woman (PD) with a state rebuttal; a correction on PA."""
    wife = b.source_ref(testimony=T1)
    row = b.source_ref(source=S1, locator="row 17")
    first = entry(
        1,
        [
            {
                "op": "testimony.recorded",
                "testimony": T1,
                "persons": [PB],
                "testifier": {"relationship": "spouse", "name": "Гүлнар"},
                "consent": {"level": "public_named"},
            },
            {
                "op": "person.created",
                "person": PB,
                "claims": [
                    b.claim("name", b.name("Серікжан Білаш", language="kk"), wife),
                    b.claim("sex", "male", wife),
                    b.claim("birth", "1980", wife),
                    b.claim("document", b.document("cn_resident_id", RID), wife),
                    b.claim("hometown", b.place_ref("654002"), wife),
                    b.claim("status", b.status("detained", "2018-04-12"), wife),
                ],
            },
        ],
    )
    second = entry(
        2,
        [
            {
                "op": "source.added",
                "source": S1,
                "kind": "imported_list",
                "title": "list.xlsx",
                "persons": [],
            },
            {
                "op": "person.created",
                "person": PA,
                "claims": [
                    b.claim("name", b.name("Serikzhan Bilash"), row),
                    b.claim("birth", "1982", row),
                    b.claim("occupation", "teacher", row),
                    b.claim("status", b.status("in_camp", "2018-05"), row),
                ],
            },
        ],
    )
    third = entry(
        3,
        [
            {
                "op": "testimony.recorded",
                "testimony": T2,
                "persons": [PC, PD],
                "testifier": {"relationship": "other_relative"},
                "consent": {"level": "internal"},
            },
            {
                "op": "person.created",
                "person": PC,
                "claims": [
                    b.claim("name", b.name("赛力克江", form="chinese"), b.source_ref(testimony=T2)),
                    b.claim("birth", "1980-01", b.source_ref(testimony=T2)),
                ],
            },
            {
                "op": "person.created",
                "person": PD,
                "claims": [
                    b.claim("name", b.name("Айгүл Серікқызы"), b.source_ref(testimony=T2)),
                    b.claim("sex", "female", b.source_ref(testimony=T2)),
                ],
            },
            {
                "op": "rebuttal.added",
                "rebuttal": R1,
                "person": PD,
                "kind": "living_normally",
                "by": "state media",
                "text": "She lives a normal life.",
                "source": {"source": S1},
            },
            {
                "op": "person.corrected",
                "person": PA,
                "claims": [b.claim("occupation", "driver", row)],
                "retract": [claim_id(second.entry_id, 1, 2)],
                "reason": "row 17 was misread",
            },
        ],
    )
    return [first, second, third]


def decision(
    n: int, a: str, other: str, verdict: str, *, second: int | None = None, **kw: Any
) -> SealedEntry:
    """One decision entry, sealed at 2026-01-01 00:01:<second or n>."""
    change = link_decided(a, other, verdict, kw.pop("reason", "checked the ID"), **kw)
    when = f"2026-01-01T00:{(second if second is not None else n) // 60 + 1:02d}:"
    when += f"{(second if second is not None else n) % 60:02d}Z"
    return entry(100 + n, [change], time=when)


def projected(engine: Engine, *batches: list[SealedEntry]) -> Views:
    views = new_views(engine)
    for batch in batches:
        views.apply(batch, {})
    return views


def shown(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(s.persons.c.person_id).order_by("person_id")).scalars())


def person(engine: Engine, person_id: str) -> read.PersonDetail:
    with engine.connect() as conn:
        found = read.person(conn, person_id)
    assert found is not None
    return found


# -- the format --------------------------------------------------------------------


def test_a_decision_is_a_checked_change_of_schema_1_1() -> None:
    """Given a reviewer's decision, when checked, then it passes under schema 1.1, its
    subject is the pair in one order, and schema 1 refuses it (update Amanat)."""
    change = link_decided(PB, PA, "same", " same ID  number ", by="aru", probability="0.87")
    assert change["reason"] == "same ID number"
    assert change["basis"] == {"probability": "0.87"}
    [(op, _)] = check_changes({"schema": LINK_SCHEMA, "changes": [change]}, 0)
    assert op == "link.decided"
    assert pair_subject(PB, PA) == pair_subject(PA, PB) == f"link:{PA}:{PB}"
    with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.1"):
        check_changes({"schema": SCHEMA, "changes": [change]}, 0)
    # Schema 1.1 reads every version 1 change too.
    created = {"op": "person.created", "person": PA, "claims": []}
    assert check_changes({"schema": LINK_SCHEMA, "changes": [created]}, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"b": PA}, "two different person records"),
        ({"a": "t_" + "a" * 32}, "identifier p_"),
        ({"decision": "merge"}, "decision must be one of same, different, unsure"),
        ({"reason": "  "}, "reason is empty"),
        ({"basis": {}}, "basis is empty"),
        ({"basis": {"probability": "87%"}}, "decimal text from 0 to 1"),
        ({"basis": {"probability": "1.5"}}, "decimal text from 0 to 1"),
        ({"basis": {"score": "1"}}, "unknown fields score"),
        ({"when": "now"}, "unknown fields when"),
    ],
)
def test_a_malformed_decision_is_refused(change: dict[str, Any], message: str) -> None:
    """Given a decision with one field wrong, when checked, then it is refused, saying which."""
    body = {"op": "link.decided", "a": PA, "b": PB, "decision": "same", "reason": "ID"} | change
    with pytest.raises(FormatError, match=message):
        check_changes({"schema": LINK_SCHEMA, "changes": [body]}, 0)


# -- merging ----------------------------------------------------------------------------


def test_a_merge_shows_one_person_with_every_claim_and_its_source(view_engine: Engine) -> None:
    """Given the wife's record (PB) and the cousin's list entry (PA), when a reviewer
    decides they are the same man, then one person is shown under the smaller id, folded
    from both records: every claim kept with its source and its record, the two birth
    years flagged as a disagreement, both testimonies and the list as its evidence; the
    other id redirects to it, and the decision is in its history."""
    views = projected(view_engine, records())
    apart = {p: person(view_engine, p) for p in (PA, PB)}
    views.apply([decision(1, PB, PA, "same", by="aru", reason="same ID and village")], {})
    assert shown(view_engine) == [PA, PC, PD]
    merged = person(view_engine, PA)
    assert merged.redirected_from is None and merged.records == [PA, PB]
    redirected = person(view_engine, PB)
    assert redirected.redirected_from == PB and redirected.person == merged.person
    # Every claim of either record, with its source and the record it was made on.
    before = {
        (c["claim_id"], c["source_id"], c["person_id"]) for p in apart.values() for c in p.claims
    }
    assert {(c["claim_id"], c["source_id"], c["record_id"]) for c in merged.claims} == before
    assert {c["person_id"] for c in merged.claims} == {PA}
    assert merged.person["n_records"] == 2
    assert merged.person["display_name"] == "Серікжан Білаш"  # the first name recorded
    assert merged.person["status"] == "in_camp"  # the latest event of either record
    kinds = {(f["kind"], f["field"]) for f in merged.flags}
    assert {("disagreement", "birth"), ("id_birth_conflict", "birth")} <= kinds
    # The correction on PA still retracts only PA's claim.
    assert [c["value"] for c in merged.claims if c["retracted_by"]] == ["teacher"]
    assert {t["testimony_id"] for t in merged.testimonies} == {T1}
    assert {x["source_id"] for x in merged.sources} == {S1}
    assert merged.person["n_testimonies"] == 1 and merged.person["n_sources"] == 1
    # The history holds both records' changes (each with its record), its testimony's
    # and the decision.
    assert [(h["op"], h["record_id"]) for h in merged.history] == [
        ("testimony.recorded", T1),
        ("person.created", PB),
        ("person.created", PA),
        ("person.corrected", PA),
        ("link.decided", PA),
    ]
    last = merged.history[-1]
    assert (last["decision"], last["by"], last["reason"]) == ("same", "aru", "same ID and village")
    assert [h["n"] for h in merged.history] == [0, 1, 2, 3, 4]
    with view_engine.connect() as conn:
        # Found under the person shown, never under the record merged into it.
        for typed in ("серікжан білаш", "bilash"):
            found = {p.person_id for p in read.search(conn, read.Query(name=typed)).persons}
            assert PA in found and PB not in found
        assert read.resolve(conn, PB) == PA and read.resolve(conn, "p_" + "9" * 32) is None
        assert [d["decision"] for d in read.decisions(conn, PB)] == ["same"]


def test_a_merge_followed_by_a_split_restores_the_exact_prior_state(view_engine: Engine) -> None:
    """Given three records of one man and an unrelated woman, projected, when a reviewer
    merges two of them and later decides they are different after all, then every views
    table, row for row, is as it was before the merge; only the decision bookkeeping
    holds both decisions, the merge no longer in force."""
    views = projected(view_engine, records())
    before = folded(view_engine)
    views.apply([decision(1, PA, PB, "same", by="aru")], {})
    during = folded(view_engine)
    assert during != before
    assert during[s.aliases.name] == [(PB, PA)]
    views.apply([decision(2, PB, PA, "different", by="dana", reason="different fathers")], {})
    assert folded(view_engine) == before
    with view_engine.connect() as conn:
        kept = conn.execute(
            select(s.decisions.c.decision, s.decisions.c.by, s.decisions.c.current).order_by(
                s.decisions.c.time
            )
        ).all()
    assert [tuple(r) for r in kept] == [("same", "aru", False), ("different", "dana", True)]
    # The split is part of each record's history, as the merge was.
    assert [h.get("decision") for h in person(view_engine, PB).history][-2:] == [
        "same",
        "different",
    ]


def test_a_three_way_merge_split_in_steps_restores_each_state(view_engine: Engine) -> None:
    """Given three records of one man merged one by one (PA with PB, then PC), when the
    merges are undone in the opposite order, then each state equals the one before the
    matching merge, including which id is shown."""
    views = projected(view_engine, records())
    states = [folded(view_engine)]
    views.apply([decision(1, PA, PB, "same")], {})
    states.append(folded(view_engine))
    views.apply([decision(2, PB, PC, "same")], {})
    assert shown(view_engine) == [PA, PD]
    assert person(view_engine, PC).records == [PA, PB, PC]
    views.apply([decision(3, PB, PC, "different")], {})
    assert folded(view_engine) == states[1]
    views.apply([decision(4, PA, PB, "unsure")], {})  # no longer sure: no longer merged
    assert folded(view_engine) == states[0]


def test_the_latest_decision_wins_whatever_order_entries_arrive_in(view_engine: Engine) -> None:
    """Given a merge and a later split of the same pair, when the split reaches the desk
    first (a station synced late), then the split is in force: the records stay apart."""
    views = projected(view_engine, records())
    before = folded(view_engine)
    merge, split = decision(1, PA, PB, "same"), decision(2, PA, PB, "different")
    views.apply([split], {})
    views.apply([merge], {})
    assert folded(view_engine) == before
    with view_engine.connect() as conn:
        current = conn.execute(
            select(s.decisions.c.decision).where(s.decisions.c.current.is_(True))
        ).scalars()
        assert list(current) == ["different"]


def test_a_different_decision_inside_a_merge_is_a_conflict_not_a_split(view_engine: Engine) -> None:
    """Given PA = PB and PB = PC decided, when a reviewer decides PA and PC are different,
    then the three stay one person (no edge is dropped arbitrarily) and it is flagged as a
    link conflict naming the pair; when a reviewer then splits PB from PC, the conflict is
    resolved: PA and PB one person, PC apart, no flag."""
    views = projected(view_engine, records())
    views.apply([decision(1, PA, PB, "same"), decision(2, PB, PC, "same")], {})
    views.apply([decision(3, PC, PA, "different", reason="the notice is about his cousin")], {})
    assert shown(view_engine) == [PA, PD]
    merged = person(view_engine, PC)
    conflicts = [f for f in merged.flags if f["kind"] == "link_conflict"]
    assert len(conflicts) == 1 and PA in conflicts[0]["detail"] and PC in conflicts[0]["detail"]
    assert merged.person["n_flags"] == len(merged.flags)
    with view_engine.connect() as conn:
        assert [c["person_id"] for c in read.link_conflicts(conn)] == [PA]
    views.apply([decision(4, PB, PC, "different")], {})
    assert shown(view_engine) == [PA, PC, PD]
    assert person(view_engine, PA).records == [PA, PB]
    with view_engine.connect() as conn:
        assert read.link_conflicts(conn) == []


def test_a_record_that_arrives_after_its_merge_joins_it(view_engine: Engine) -> None:
    """Given a decision that PB is the same as a record not yet on this desk, when that
    record arrives (a smaller id), then it is shown in PB's place and PB redirects to it."""
    entries = records()
    views = projected(view_engine, [entries[0]])
    views.apply([decision(1, PB, PA, "same")], {})
    assert shown(view_engine) == [PB]
    assert person(view_engine, PB).records == [PB]
    views.apply([entries[1]], {})
    assert shown(view_engine) == [PA]
    assert person(view_engine, PB).redirected_from == PB
    # The same as deciding after both records arrived.
    expected = folded(view_engine)
    views.clear()
    views.prepare()
    views.apply([entries[0], entries[1], decision(1, PB, PA, "same")], {})
    assert folded(view_engine) == expected


# -- properties over random decision sequences -------------------------------------------

_VERDICTS = st.sampled_from(["same", "same", "different", "unsure"])
_PAIRS = list(itertools.combinations(PERSONS, 2))


@st.composite
def decision_sequences(draw: st.DrawFn, *, max_size: int = 10) -> list[SealedEntry]:
    """Random decisions on random pairs of the four records, with tied times."""
    made = []
    for n in range(draw(st.integers(0, max_size))):
        a, other = draw(st.sampled_from(_PAIRS))
        if draw(st.booleans()):
            a, other = other, a
        made.append(decision(n, a, other, draw(_VERDICTS), second=draw(st.integers(0, 4))))
    return made


def components(decisions: list[SealedEntry]) -> dict[str, set[str]]:
    """Reference model, written apart from the projection: the latest decision on each
    pair (by time, log position, entry id), then a search from each record along the
    pairs whose latest decision is same."""
    latest: dict[frozenset[str], tuple[tuple[str, int, str], str]] = {}
    for e in decisions:
        change = e.data["changes"][0]
        key = frozenset((change["a"], change["b"]))
        order = (e.time, e.seq, e.entry_id)
        if key not in latest or latest[key][0] < order:
            latest[key] = (order, change["decision"])
    joined = [tuple(k) for k, (_, verdict) in latest.items() if verdict == "same"]
    out: dict[str, set[str]] = {}
    for start in PERSONS:
        seen, todo = {start}, [start]
        while todo:
            here = todo.pop()
            for x, y in joined:
                for there in (x, y):
                    if here in (x, y) and there not in seen:
                        seen.add(there)
                        todo.append(there)
        out[start] = seen
    return out


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(prior=decision_sequences(), data=st.data())
def test_any_merge_then_split_restores_the_prior_state(
    view_engine: Engine, prior: list[SealedEntry], data: st.DataObject
) -> None:
    """Given the records and any decisions before, when two records not shown as one
    person are merged and then split, then every folded table is exactly as before."""
    views = Views(view_engine, lambda: [])
    views.clear()
    views.prepare()
    views.apply([*records(), *prior], {})
    groups = components(prior)
    apart = [p for p in _PAIRS if p[1] not in groups[p[0]]]
    assume(apart)
    a, other = data.draw(st.sampled_from(apart))
    before = folded(view_engine)
    views.apply([decision(70, a, other, "same")], {})
    views.apply([decision(71, other, a, "different")], {})
    assert folded(view_engine) == before


@_SETTINGS
@given(decisions=decision_sequences(max_size=12), data=st.data())
def test_merged_persons_follow_the_decisions_in_force(
    view_engine: Engine, decisions: list[SealedEntry], data: st.DataObject
) -> None:
    """Given any decisions, arriving in any order and batches, then the persons shown are
    one per group of records joined by same decisions in force (under the smallest id),
    each holding exactly the claims its records hold apart, flagged when a different
    decision in force falls inside it; and a rebuild from everything gives the same
    tables, decisions included."""
    views = Views(view_engine, lambda: [])
    views.clear()
    views.prepare()
    views.apply(records(), {})
    with view_engine.connect() as conn:
        apart = {
            p: {
                c
                for c in conn.execute(
                    select(s.claims.c.claim_id).where(s.claims.c.person_id == p)
                ).scalars()
            }
            for p in PERSONS
        }
    order = data.draw(st.permutations(decisions))
    cuts = sorted(data.draw(st.sets(st.integers(0, len(order)), max_size=3)))
    start = 0
    for cut in [*cuts, len(order)]:
        views.apply(order[start:cut], {})
        start = cut
    groups = components(decisions)
    expected_shown = sorted({min(g) for g in groups.values()})
    assert shown(view_engine) == expected_shown
    with view_engine.connect() as conn:
        for p in expected_shown:
            found = read.person(conn, p)
            assert found is not None
            assert found.records == sorted(groups[p])
            assert {c["claim_id"] for c in found.claims} == set().union(
                *(apart[r] for r in groups[p])
            )
            for r in groups[p]:
                assert read.resolve(conn, r) == p
    incremental = {t: rows for t, rows in folded(view_engine).items()}
    with view_engine.connect() as conn:
        incremental["link_decisions"] = sorted(
            (tuple(r) for r in conn.execute(select(s.decisions))), key=repr
        )
    views.clear()
    views.prepare()
    views.apply([*records(), *decisions], {})
    rebuilt = folded(view_engine)
    with view_engine.connect() as conn:
        rebuilt["link_decisions"] = sorted(
            (tuple(r) for r in conn.execute(select(s.decisions))), key=repr
        )
    assert rebuilt == incremental


def test_the_property_sees_conflicts() -> None:
    """Guard for the properties above: the strategy does make the case a different
    decision falls inside a merge (else the conflict rule would go untested)."""

    def conflicting(ds: list[SealedEntry]) -> bool:
        groups = components(ds)
        return any(
            e.data["changes"][0]["decision"] == "different"
            and e.data["changes"][0]["b"] in groups[e.data["changes"][0]["a"]]
            for e in ds
        )

    assert conflicting(find(decision_sequences(), conflicting, settings=settings(database=None)))


# -- the review queue ------------------------------------------------------------------


def test_review_queue_lists_undecided_candidates_most_probable_first(
    view_engine: Engine,
) -> None:
    """Given candidate pairs from the linkage model, when some are decided or already one
    person, then the queue holds only the undecided pairs of separate persons, most
    probable first, and a rebuild empties it until linkage runs again."""
    views = projected(view_engine, records())

    def candidate(a: str, other: str, p: float, outcome: str = "review") -> Candidate:
        return Candidate(a, other, p, outcome, "splink-test", "2026-01-01T00:00:00Z")

    stored = views.store_candidates(
        [
            candidate(PB, PA, 0.9),
            candidate(PA, PC, 0.7),
            candidate(PB, PC, 0.8),
            candidate(PC, PD, 0.6),
            candidate(PA, PD, 0.999, "link"),
        ]
    )
    assert stored == 5

    def queue(outcome: str | None = "review") -> list[tuple[str, str]]:
        with view_engine.connect() as conn:
            page = read.review_queue(conn, outcome=outcome)
        assert page.total == len(page.pairs)
        return [(c.a, c.b) for c in page.pairs]

    assert queue() == [(PA, PB), (PB, PC), (PA, PC), (PC, PD)]
    assert queue(None)[0] == (PA, PD)
    views.apply([decision(1, PA, PB, "same")], {})  # decided, and now one person
    views.apply([decision(2, PC, PD, "unsure")], {})  # unsure is a decision too
    assert queue() == [(PB, PC), (PA, PC)]
    views.apply([decision(3, PA, PC, "same")], {})  # PB and PC now one person as well
    assert queue() == []
    with pytest.raises(ValueError, match="two different"):
        views.store_candidates([candidate(PA, PA, 0.5)])
    with pytest.raises(ValueError, match="outcome"):
        views.store_candidates([candidate(PA, PB, 1.5)])
    views.clear()
    views.prepare()
    views.apply([*records()], {})
    assert queue(None) == []


def test_the_queue_leaves_out_pairs_settled_through_other_records(view_engine: Engine) -> None:
    """Given candidate pairs PA-PC and PB-PC, when PA and PB are merged and PB is
    decided different from PC, then PA-PC is settled (PA is part of the man kept apart
    from PC) and the queue is empty, on either views database; when that decision is
    made "unsure", PA-PC comes back."""
    views = projected(view_engine, records())
    views.store_candidates(
        [
            Candidate(PA, PC, 0.8, "review", "splink-test", "2026-01-01T00:00:00Z"),
            Candidate(PB, PC, 0.7, "review", "splink-test", "2026-01-01T00:00:00Z"),
        ]
    )

    def queue() -> list[tuple[str, str]]:
        with view_engine.connect() as conn:
            return [(p.a, p.b) for p in read.review_queue(conn).pairs]

    assert queue() == [(PA, PC), (PB, PC)]
    views.apply([decision(1, PA, PB, "same")], {})
    assert queue() == [(PA, PC), (PB, PC)]
    views.apply([decision(2, PB, PC, "different")], {})
    assert queue() == []
    views.apply([decision(3, PB, PC, "unsure")], {})
    assert queue() == [(PA, PC)]
