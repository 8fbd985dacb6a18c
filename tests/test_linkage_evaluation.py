"""Blocking recall as pairs and as clusters (``amanat.linkage.evaluation``)."""

from __future__ import annotations

import itertools

import pyarrow as pa  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.linkage.evaluation import (
    blocking_recall,
    blocking_recall_as_clusters,
    true_pair_count,
)


def _candidates(pairs: list[tuple[int, int]]) -> pa.Table:
    return pa.table(
        {"a": pa.array([a for a, _ in pairs], pa.int64()), "b": [b for _, b in pairs]},
        schema=pa.schema([("a", pa.int64()), ("b", pa.int64())]),
    )


def test_a_person_joined_through_a_third_record_counts_whole_as_clusters() -> None:
    """Given a person with records 0, 1 and 2 and another with records 3 and 4,
    when blocking proposes 0-1 and 1-2 (not 0-2), a wrong pair 2-3, and not 3-4,
    then as pairs it found 2 of the 4 true pairs, and as clusters 3 of 4: 0 and 2
    are joined through 1, and the wrong pair joins nothing."""
    truth = [0, 0, 0, 1, 1]
    candidates = _candidates([(0, 1), (1, 2), (2, 3)])
    true_pairs = true_pair_count(truth)

    assert true_pairs == 4
    assert blocking_recall(candidates, truth, true_pairs=true_pairs) == 0.5
    assert blocking_recall_as_clusters(candidates, truth, true_pairs=true_pairs) == 0.75


def test_no_candidates_join_nothing_and_no_true_pairs_miss_nothing() -> None:
    """Given no candidate pairs, then nothing is joined; given a list where every
    record is its own person, then nothing can be missed."""
    assert blocking_recall_as_clusters(_candidates([]), [0, 0, 1], true_pairs=1) == 0.0
    assert blocking_recall_as_clusters(_candidates([]), [0, 1, 2], true_pairs=0) == 1.0


def _reference(pairs: list[tuple[int, int]], truth: list[int]) -> int:
    """True pairs joined by the true candidates, by closing each person's graph."""
    joined = {(a, b) for a, b in pairs if truth[a] == truth[b]}
    joined |= {(b, a) for a, b in joined}
    changed = True
    while changed:
        changed = False
        for (a, b), (c, d) in itertools.product(list(joined), repeat=2):
            if b == c and a != d and (a, d) not in joined:
                joined.add((a, d))
                changed = True
    return len({(min(a, b), max(a, b)) for a, b in joined})


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=2, max_size=9).flatmap(
        lambda truth: st.tuples(
            st.just(truth),
            st.lists(
                st.tuples(st.integers(0, len(truth) - 1), st.integers(0, len(truth) - 1)).filter(
                    lambda p: p[0] < p[1]
                ),
                unique=True,
                max_size=12,
            ),
        )
    )
)
def test_as_clusters_is_the_closure_of_the_true_candidates_and_never_below_pairs(
    case: tuple[list[int], list[tuple[int, int]]],
) -> None:
    """Given any list and any candidate pairs, when blocking recall is counted as
    clusters, then it is the share of true pairs in the transitive closure of the
    true candidates, and never less than blocking recall as pairs."""
    truth, pairs = case
    true_pairs = true_pair_count(truth)
    candidates = _candidates(pairs)

    as_clusters = blocking_recall_as_clusters(candidates, truth, true_pairs=true_pairs)

    if true_pairs:
        assert as_clusters == _reference(pairs, truth) / true_pairs
    else:
        assert as_clusters == 1.0
    assert as_clusters >= blocking_recall(candidates, truth, true_pairs=true_pairs)
