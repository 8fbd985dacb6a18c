"""Clustering: records joined by links become one person, unless a reviewer said not.

Links are taken strongest first and joined with a union-find (connected components, as
Splink's ``cluster_pairwise_predictions_at_threshold``), with one addition: a pair a
reviewer decided "different" may never end up in one cluster. A link that would join
two such records (directly or through others) is skipped, and the next link is tried.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["cluster_links"]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root


def cluster_links(
    n: int,
    links: Iterable[tuple[int, int]],
    *,
    apart: Iterable[tuple[int, int]] = (),
) -> list[int]:
    """Each of the records 0..n-1's cluster, as the smallest record number in it.

    ``links`` are pairs to join, strongest first; ``apart`` are pairs that must stay in
    different clusters (a link that would join them is skipped).
    """
    uf = _UnionFind(n)
    # root -> records that must not share that root's cluster
    forbidden: dict[int, set[int]] = {}
    for a, b in apart:
        if a != b:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)
    find = uf.find
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        fa, fb = forbidden.get(ra), forbidden.get(rb)
        if fa is not None and any(find(x) == rb for x in fa):
            continue
        if fb is not None and any(find(x) == ra for x in fb):
            continue
        if uf.size[ra] < uf.size[rb]:
            ra, rb = rb, ra
            fa, fb = fb, fa
        uf.parent[rb] = ra
        uf.size[ra] += uf.size[rb]
        if fb is not None:
            if fa is None:
                forbidden[ra] = fb
            else:
                fa |= fb
            del forbidden[rb]
    smallest: dict[int, int] = {}
    roots = [find(i) for i in range(n)]
    for i, root in enumerate(roots):
        smallest.setdefault(root, i)
    return [smallest[root] for root in roots]


def cluster_sizes(clusters: Sequence[int]) -> dict[int, int]:
    """How many records each cluster has."""
    sizes: dict[int, int] = {}
    for c in clusters:
        sizes[c] = sizes.get(c, 0) + 1
    return sizes
