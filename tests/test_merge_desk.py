"""Merges and splits on a real desk: decisions sealed in the vault, projected, rebuilt.

Given / When / Then. ``tests/test_merge.py`` checks the projection itself; here the
decisions go through ``Desk.decide`` into signed vault entries, and the views a rebuild
from the vault makes must equal the ones the desk kept up to date.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from amanat.desk.service import Batch, Desk
from amanat.errors import InputError, NotFound
from amanat.records import build as b
from amanat.records.changes import new_id
from amanat.views import schema as s
from amanat.views.project import Candidate
from conftest import Org
from test_duplicates import _desk_with_bilash


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    skipped = {s.meta.name, s.logs.name, s.candidates.name}
    with engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
            for t in s.metadata.sorted_tables
            if t.name not in skipped
        }


def _two_records(desk: Desk) -> tuple[str, str]:
    """The same man recorded twice: from his wife's testimony and from a list; the two
    ids in sorted order."""
    first, second = sorted((new_id("p"), new_id("p")))
    testimony, source = new_id("t"), new_id("s")
    wife, row = b.source_ref(testimony=testimony), b.source_ref(source=source, locator="row 4")
    desk.seal_records(
        [
            Batch(
                files=[],
                changes=[
                    {
                        "op": "testimony.recorded",
                        "testimony": testimony,
                        "persons": [second],
                        "testifier": {"relationship": "spouse"},
                        "consent": {"level": "internal"},
                    },
                    {
                        "op": "person.created",
                        "person": second,
                        "claims": [
                            b.claim("name", b.name("Серікжан Білаш"), wife),
                            b.claim("birth", "1980", wife),
                        ],
                    },
                ],
            ),
            Batch(
                files=[],
                changes=[
                    {
                        "op": "source.added",
                        "source": source,
                        "kind": "other_database",
                        "title": "another group's list",
                        "persons": [first],
                    },
                    {
                        "op": "person.created",
                        "person": first,
                        "claims": [
                            b.claim("name", b.name("Serikzhan Bilash"), row),
                            b.claim("birth", "1981", row),
                        ],
                    },
                ],
            ),
        ]
    )
    return first, second


def test_decisions_are_sealed_projected_and_rebuilt(org: Org) -> None:
    """Given two records of one man on a desk, when a reviewer decides they are the same
    and another later decides they are not, then each decision is a signed record entry
    of schema 1.1, the person page follows the decisions (the merged record redirects
    while merged), both decisions stay in the history, and a rebuild from the vault
    gives the same tables at each step."""
    with Desk(org.desk, org.desk_keys) as desk:
        first, second = _two_records(desk)
        merge = desk.decide(
            second,
            first,
            "same",
            "same village, same wife",
            by="aru",
            probability="0.91",
            model="splink-test",
        )
        assert len(merge) == 64
        shown = desk.person(second)
        assert shown.redirected_from == second
        assert shown.person["person_id"] == first and shown.records == [first, second]
        assert any(f["kind"] == "disagreement" for f in shown.flags)  # 1980 against 1981
        [made] = desk.decisions(second)
        assert (made["entry_id"], made["by"], made["probability"], made["model"]) == (
            merge,
            "aru",
            "0.91",
            "splink-test",
        )
        with desk.engine.connect() as conn:
            entry = conn.execute(select(s.entries).where(s.entries.c.entry_id == merge)).one()
        assert (entry.type, entry.problem) == ("record", None)
        kept = _tables(desk.engine)
        desk.rebuild_views()
        assert _tables(desk.engine) == kept

        split = desk.decide(first, second, "different", "the IDs differ", by="dana")
        assert desk.person(second).redirected_from is None
        assert [d["entry_id"] for d in desk.decisions(first)] == [merge, split]
        history = [h for h in desk.person(second).history if h["op"] == "link.decided"]
        assert [(h["decision"], h["by"]) for h in history] == [
            ("same", "aru"),
            ("different", "dana"),
        ]
        kept = _tables(desk.engine)
        desk.rebuild_views()
        assert _tables(desk.engine) == kept


def test_a_decision_names_two_recorded_persons_and_a_reason(org: Org) -> None:
    """Given a desk with two records, when a decision names an unknown person, has no
    reason or an unknown verdict, then nothing is sealed and the reviewer is told why."""
    with Desk(org.desk, org.desk_keys) as desk:
        first, second = _two_records(desk)
        sizes = desk.views.projected_sizes()
        with pytest.raises(NotFound, match="No person"):
            desk.decide(first, new_id("p"), "same", "looks alike", by="aru")
        with pytest.raises(InputError, match="reason is empty"):
            desk.decide(first, second, "same", "   ", by="aru")
        with pytest.raises(InputError, match="decision must be one of"):
            desk.decide(first, second, "merge", "looks alike", by="aru")
        with pytest.raises(InputError, match="two different person records"):
            desk.decide(first, first, "same", "looks alike", by="aru")
        with pytest.raises(NotFound):
            desk.decisions(new_id("p"))
        assert desk.views.projected_sizes() == sizes  # nothing sealed


def test_the_review_queue_on_a_desk(org: Org) -> None:
    """Given the linkage model's candidate pair, when a reviewer decides it, then it
    leaves the queue."""
    with Desk(org.desk, org.desk_keys) as desk:
        first, second = _two_records(desk)
        desk.views.store_candidates(
            [Candidate(first, second, 0.8, "review", "splink-test", "2026-01-01T00:00:00Z")]
        )
        queue = desk.review_queue()
        assert queue.total == 1 and (queue.pairs[0].a, queue.pairs[0].b) == (first, second)
        desk.decide(first, second, "unsure", "the photo is unclear", by="aru")
        assert desk.review_queue().total == 0
        assert desk.person(second).redirected_from is None  # unsure merges nothing


def test_a_pair_settled_through_other_records_leaves_the_queue(org: Org) -> None:
    """Given one man recorded three times and the model's three pairs in the queue,
    when a reviewer merges the Cyrillic and Latin records and then decides the Latin
    and Chinese ones are different persons, then the Cyrillic-Chinese pair is settled
    too (the Cyrillic record is part of the man now kept apart from the Chinese one)
    and leaves the queue; when that decision is reversed to "unsure", the pair comes
    back."""
    with Desk(org.desk, org.desk_keys) as desk:
        cyr, lat, han = _desk_with_bilash(desk)
        pairs = [tuple(sorted(p)) for p in ((cyr, lat), (cyr, han), (lat, han))]
        desk.views.store_candidates(
            [
                Candidate(a, b, 0.8, "review", "splink-test", "2026-01-01T00:00:00Z")
                for a, b in pairs
            ]
        )
        assert desk.review_queue().total == 3
        desk.decide(cyr, lat, "same", "same ID, same wife", by="aru")
        assert {(p.a, p.b) for p in desk.review_queue().pairs} == set(pairs[1:])
        desk.decide(lat, han, "different", "the notice names another father", by="aru")
        assert desk.review_queue().total == 0
        desk.decide(lat, han, "unsure", "the father's name may be a misreading", by="aru")
        assert {(p.a, p.b) for p in desk.review_queue().pairs} == {pairs[1]}
