"""Clustering with facts: records that contradict each other are never one person.

Links chain: Serikzhan 1974 (no ID) is like Serikzhan 1974 with ID A and like another
Serikzhan 1974 with ID B, so without facts all three become one person, and two men
with two resident IDs are merged through a record that has neither. The facts (resident
ID, birth range, sex) keep such clusters apart.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.linkage import link_records
from amanat.linkage.clusters import RecordFacts, cluster_links

ID_A = "654002197403150038"
ID_B = "654002197403150550"  # another man: three places differ
ID_A_TYPO = "654002197403150033"  # ID_A with its last digit mistyped


def _day(year: int) -> int:
    return dt.date(year, 1, 1).toordinal()


def _facts(*rows: tuple[str | None, int | None, str | None]) -> RecordFacts:
    """One (resident ID, birth year, sex) per record; a year is the whole year."""
    return RecordFacts(
        resident_id=[r[0] for r in rows],
        birth_lo=[_day(r[1]) if r[1] else None for r in rows],
        birth_hi=[_day(r[1] + 1) - 1 if r[1] else None for r in rows],
        sex=[r[2] for r in rows],
    )


def test_a_record_without_an_id_does_not_join_two_men_with_two_ids() -> None:
    """Given record 0 with ID A, record 1 with no ID and record 2 with ID B, and links
    0-1 (stronger) and 1-2, when clustered with their facts, then 0 and 1 are one
    person and 2 stays alone; without the facts all three would be one."""
    facts = _facts((ID_A, 1974, "male"), (None, 1974, None), (ID_B, 1974, "male"))
    links = [(0, 1), (1, 2)]
    assert cluster_links(3, links, facts=facts) == [0, 0, 2]
    assert cluster_links(3, links) == [0, 0, 0]


def test_one_mistyped_digit_is_the_same_number() -> None:
    """Given two records whose IDs differ in one digit, when linked, then they are
    one person."""
    facts = _facts((ID_A, 1974, "male"), (ID_A_TYPO, 1974, "male"))
    assert cluster_links(2, [(0, 1)], facts=facts) == [0, 0]


def test_births_more_than_two_years_apart_are_two_persons() -> None:
    """Given records born 1970 and 1974 joined only through a record with no birth,
    when clustered, then the second link is refused (1971 and 1972 would join)."""
    far = _facts((None, 1970, None), (None, None, None), (None, 1974, None))
    near = _facts((None, 1971, None), (None, None, None), (None, 1972, None))
    assert cluster_links(3, [(0, 1), (1, 2)], facts=far) == [0, 0, 2]
    assert cluster_links(3, [(0, 1), (1, 2)], facts=near) == [0, 0, 0]


def test_a_man_and_a_woman_are_two_persons() -> None:
    """Given a man and a woman joined through a record of unknown sex, when clustered,
    then they stay apart."""
    facts = _facts((None, None, "male"), (None, None, None), (None, None, "female"))
    assert cluster_links(3, [(0, 1), (1, 2)], facts=facts) == [0, 0, 2]


def test_a_reviewers_same_wins_over_the_facts() -> None:
    """Given two records with different IDs that a reviewer decided are the same
    person (one ID was wrong), when clustered, then they are one person."""
    facts = _facts((ID_A, 1974, "male"), (ID_B, 1974, "male"))
    assert cluster_links(2, [], facts=facts, sure=[(0, 1)]) == [0, 0]
    assert cluster_links(2, [(0, 1)], facts=facts) == [0, 1]


def test_linking_keeps_two_namesakes_with_two_ids_apart() -> None:
    """Given two men of one name, year and county with different resident IDs, and a
    third record of that name with neither ID nor more, when the list is linked, then
    the two men are never in one cluster, and the links that would have joined them
    go to a person for review instead of being dropped."""
    rows = [
        {"record_id": "a", "name": "Серікжан Білаш", "birth": "1974-03-15",
         "resident_id": ID_A, "county_code": "654002", "sex": "male"},
        {"record_id": "b", "name": "Serikzhan Bilash", "birth": "1974-03-15",
         "county_code": "654002", "sex": "male"},
        {"record_id": "c", "name": "Серикжан Билаш", "birth": "1974-03-15",
         "resident_id": ID_B, "county_code": "654002", "sex": "male"},
    ]  # fmt: skip
    result = link_records(rows)
    clusters = result.cluster_of()
    assert clusters["a"] != clusters["c"]
    for pair in result.links():
        assert clusters[pair.record_a] == clusters[pair.record_b]
    review = {(p.record_a, p.record_b) for p in result.review()}
    assert ("a", "c") in review
    assert {("a", "b"), ("b", "c")} & review
    assert result.stats["links_refused"] >= 1


_IDS = ("1" * 18, "2" * 18, "3" * 18)  # pairwise far apart: equal or contradicting


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.none() | st.sampled_from(_IDS),
            st.none() | st.integers(min_value=1960, max_value=1970),
            st.none() | st.sampled_from(("male", "female")),
        ),
        min_size=2,
        max_size=12,
    ),
    st.data(),
)
def test_no_cluster_holds_records_that_contradict_each_other(
    rows: list[tuple[str | None, int | None, str | None]], data: st.DataObject
) -> None:
    """Given any records and any links between them, when clustered with their facts,
    then no two records of one cluster have two resident IDs, births more than two
    years apart (731 days between the nearest ends of their ranges), or two sexes."""
    n = len(rows)
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    links = data.draw(st.lists(pairs, max_size=30))
    clusters = cluster_links(n, links, facts=_facts(*rows))
    for i, j in itertools.combinations(range(n), 2):
        if clusters[i] != clusters[j]:
            continue
        (id_i, year_i, sex_i), (id_j, year_j, sex_j) = rows[i], rows[j]
        assert not (id_i and id_j and id_i != id_j)
        if year_i and year_j:  # the ends of the two years more than 731 days apart
            early, late = sorted((year_i, year_j))
            assert _day(late) - (_day(early + 1) - 1) <= 731
        assert not (sex_i and sex_j and sex_i != sex_j)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=2, max_value=15).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
        )
    )
)
def test_without_facts_nothing_changes(case: tuple[int, list[tuple[int, int]]]) -> None:
    """Given records with no facts at all, when clustered with facts, then the clusters
    are those of the links alone."""
    n, links = case
    empty = RecordFacts([None] * n, [None] * n, [None] * n, [None] * n)
    assert cluster_links(n, links, facts=empty) == cluster_links(n, links)
