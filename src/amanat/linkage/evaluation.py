"""How good a linkage is, against the truth (generated populations, reviewed samples).

Three views of one result:

- *pairwise*: the automatic links themselves, as pairs, against the pairs of records
  that truly belong to one person;
- *cluster*: every pair of records put in one cluster (links plus what they imply
  through other records) against the true pairs; also the share of true persons whose
  records form exactly one cluster;
- *blocking recall*: the share of true pairs that blocking let through to scoring
  at all (a pair never compared can never be linked), as pairs, and as clusters: the
  share of true pairs that the true candidate pairs join, directly or through other
  records of the same person. A person with three records A, B and C whose pairs A-B
  and B-C are candidates is found whole even if A-C is not, for clustering joins A
  and C through B. As clusters, blocking recall is the cluster recall of a linking
  that decided every candidate pair rightly: the cluster recall review can reach.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

__all__ = [
    "Scores",
    "blocking_recall",
    "blocking_recall_as_clusters",
    "cluster_scores",
    "pairwise_scores",
    "true_pair_count",
]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    predicted: int
    true: int
    correct: int

    @classmethod
    def of(cls, predicted: int, true: int, correct: int) -> Scores:
        precision = correct / predicted if predicted else 1.0
        recall = correct / true if true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, predicted, true, correct)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 5) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _pairs(counts: Iterable[int]) -> int:
    return sum(c * (c - 1) // 2 for c in counts)


def true_pair_count(truth: Sequence[Hashable]) -> int:
    """How many pairs of records belong to one person; ``truth[i]`` is record i's."""
    return _pairs(Counter(truth).values())


def pairwise_scores(
    links: Iterable[tuple[int, int]], truth: Sequence[Hashable], *, true_pairs: int | None = None
) -> Scores:
    """Precision and recall of ``links`` (pairs of record positions, each once)."""
    predicted = correct = 0
    for a, b in links:
        predicted += 1
        correct += truth[a] == truth[b]
    return Scores.of(
        predicted, true_pair_count(truth) if true_pairs is None else true_pairs, correct
    )


def cluster_scores(clusters: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[Scores, float]:
    """(pair scores of the clustering, share of true persons found exactly)."""
    predicted = _pairs(Counter(clusters).values())
    true = _pairs(Counter(truth).values())
    correct = _pairs(Counter(zip(clusters, truth, strict=True)).values())
    members: dict[Hashable, set[Hashable]] = {}
    for c, t in zip(clusters, truth, strict=True):
        members.setdefault(t, set()).add(c)
    cluster_size = Counter(clusters)
    person_size = Counter(truth)
    exact = sum(
        1
        for t, cs in members.items()
        if len(cs) == 1 and cluster_size[next(iter(cs))] == person_size[t]
    )
    return Scores.of(predicted, true, correct), exact / len(members) if members else 1.0


def blocking_recall(candidates: pa.Table, truth: Sequence[int], *, true_pairs: int) -> float:
    """The share of true pairs among the candidate pairs (a table with columns ``a``
    and ``b``, each pair once); ``truth[i]`` is record i's person as a number."""
    persons = pa.array(truth, type=pa.int64())
    same = pc.equal(pc.take(persons, candidates["a"]), pc.take(persons, candidates["b"]))
    found = pc.sum(pc.cast(same, pa.int64())).as_py() or 0
    return found / true_pairs if true_pairs else 1.0


def blocking_recall_as_clusters(
    candidates: pa.Table, truth: Sequence[int], *, true_pairs: int
) -> float:
    """The share of true pairs joined by the true candidate pairs (a table with columns
    ``a`` and ``b``), directly or through other records of the same person: the cluster
    recall of a linking that decided every candidate pair rightly. Never below
    ``blocking_recall``; ``truth[i]`` is record i's person as a number."""
    if not true_pairs:
        return 1.0
    persons = pa.array(truth, type=pa.int64())
    same = pc.equal(pc.take(persons, candidates["a"]), pc.take(persons, candidates["b"]))
    joined = candidates.filter(same)
    parent = list(range(len(truth)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(joined["a"].to_pylist(), joined["b"].to_pylist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    groups = Counter(root(i) for i in range(len(truth)))
    return _pairs(groups.values()) / true_pairs
