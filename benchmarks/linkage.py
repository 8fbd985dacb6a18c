"""Record linkage on generated populations with ground truth (issue 6, "Must show").

For each ``--records`` size, a population from ``benchmarks/population.py`` (seed
``--seed``) is linked twice, each time in a fresh child process so that its time and
peak memory are its own:

* ``amanat``: ``amanat.linkage.link_columns`` as shipped (names keyed by
  ``amanat.names``);
* ``anyascii`` (the baseline): the same blocking, comparisons, training and thresholds,
  but names keyed by ``anyascii`` transliteration only (the lower-cased ASCII words,
  their sorted join standing in for every kind of key).

Each child reports, against the population's truth:

* pairwise precision, recall and F1 of the automatic links (``auto_precision`` is the
  pairwise precision: the target is 0.99);
* cluster-level precision, recall and F1 (every pair of records put in one cluster),
  and the share of persons whose records form exactly one cluster;
* blocking recall (true pairs among the pairs scored at all), as pairs and as clusters
  (true pairs the true candidate pairs join, directly or through other records of the
  person: the cluster recall of a linking that decided every candidate rightly);
* review pairs, and how many of them are true; and the scores once every review pair
  is decided rightly (the links plus the true review pairs: what a group has after
  its review work);
* seconds per stage and in all (generating the population is not counted), and peak
  RSS of the child (``ru_maxrss``: Python, Arrow and DuckDB together, the generated
  population included) and its RSS before linking.

Targets: F1 >= 0.95, automatic links at precision >= 0.99, blocking recall >= 0.99,
F1 >= baseline + 0.10; 1,000,000 records within 5 minutes and 8 GB.

    python benchmarks/linkage.py [--records 100000 1000000] [--seed 1] [--json FILE]
    python benchmarks/linkage.py --ceiling [--word-bands reading] [--sources pair] [--records N]
    python benchmarks/linkage.py --feedback 2000 [--records 100000] [--json FILE]
    python benchmarks/linkage.py --third-records [--records 100000] [--json FILE]

``--feedback N`` prints instead what N review decisions do once fed back (``feedback``).
``--ceiling`` prints instead what an oracle that knows the truth reaches over the
model's own comparisons (``ceiling``): the most any model over them could do.
``--third-records`` prints instead whether what third records say adds to the pairs'
own scores (``third_records``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from anyascii import anyascii
from splink import DuckDBAPI

from amanat.linkage import Decision, LinkSettings, link_columns
from amanat.linkage.blocking import block_pairs
from amanat.linkage.clusters import cluster_links
from amanat.linkage.engine import DuckDBEngine
from amanat.linkage.evaluation import (
    blocking_recall,
    blocking_recall_as_clusters,
    cluster_scores,
    pairwise_scores,
    true_pair_count,
)
from amanat.linkage.link import record_facts
from amanat.linkage.model import comparisons
from amanat.linkage.prepare import prepare_records
from amanat.linkage.training import train_model
from amanat.names import NameKey, name_keys
from population import generate

_WORD = re.compile(r"[a-z0-9]+")
# the oracle's links are scored where they are at least this right as pairs
_ORACLE_PRECISION = (0.95, 0.99, 0.995, 0.998)
_SIDE = re.compile(r"\b(\w+)_([lr])\b")
METHODS = ("amanat", "anyascii")
# automatic thresholds tried on the same scores (the figures for choosing the default)
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.999)
# review thresholds tried, each with every review pair decided rightly
REVIEW_SWEEP = (0.05, 0.1, 0.2, 0.3, 0.5)
# --third-records: plain thresholds, and (from, support) for the two collective rules
THIRD_PLAIN = (0.97, 0.95, 0.9, 0.8)
THIRD_TRIANGLE = ((0.9, 0.9), (0.8, 0.9), (0.7, 0.8), (0.5, 0.8), (0.5, 0.5))
THIRD_CLUSTERS = (0.9, 0.8, 0.7, 0.5)


def anyascii_keys(text: str) -> tuple[NameKey, ...]:
    """The baseline's name keys: anyascii's transliteration, lower-cased, split into
    words; the sorted words stand in for the phonetic and core keys too."""
    words = _WORD.findall(anyascii(text).lower())
    if not words:
        return ()
    full, ordered = " ".join(words), " ".join(sorted(words))
    keys = [NameKey("full", full), NameKey("sorted", ordered), NameKey("core", ordered)]
    keys += [NameKey("phonetic", ordered), NameKey("pcore", ordered)]
    keys += [NameKey(kind, w) for w in words for kind in ("token", "ptoken") if len(w) >= 2]
    return tuple(dict.fromkeys(keys))


def _population(records: int, seed: int) -> tuple[Any, list[int]]:
    """A generated population without its truth column, and the truth: each record's
    person as a number."""
    population = generate(records, seed=seed)
    persons = population.columns.pop("person_id")
    ids: dict[str, int] = {}
    return population, [ids.setdefault(p, len(ids)) for p in persons]


_THROUGH = LinkSettings().through_threshold


def _scoring_all(threads: int, memory: str, through: float | None = _THROUGH) -> LinkSettings:
    """Settings that keep the candidates and every pair down to the lowest review
    threshold of the sweep, so that other thresholds and rules can be scored after;
    ``through``: the threshold of pairs through a third record (None: none)."""
    return LinkSettings(
        through_threshold=through,
        threads=threads,
        workers=threads,
        memory_limit=memory,
        keep_candidates=True,
        review_threshold=min(REVIEW_SWEEP),
    )


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def decisions_needed(
    clusters: Sequence[int], review: Sequence[tuple[float, int, int]], truth: Sequence[int]
) -> int:
    """How many of the ``review`` pairs (probability, a, b) a reviewer working down the
    queue, most probable first, has to decide rightly: a pair whose two records are one
    person already (through the links and the "same" decided before it) needs no
    decision, nor one between two persons already decided different (the staff app
    leaves both out of its queue)."""
    first: dict[int, int] = {}
    parent = [first.setdefault(c, i) for i, c in enumerate(clusters)]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    apart: dict[int, set[int]] = {}
    count = 0
    for _, x, y in sorted(review, key=lambda r: (-r[0], r[1], r[2])):
        rx, ry = find(x), find(y)
        if rx == ry or ry in apart.get(rx, ()):
            continue
        count += 1
        if truth[x] != truth[y]:
            apart.setdefault(rx, set()).add(ry)
            apart.setdefault(ry, set()).add(rx)
            continue
        parent[ry] = rx
        moved = apart.pop(ry, set())
        apart.setdefault(rx, set()).update(moved)
        for other in moved:
            apart[other].discard(ry)
            apart[other].add(rx)
    return count


def child(
    records: int, seed: int, method: str, threads: int, memory: str, through: float | None
) -> dict[str, object]:
    """Generate, link and score one population; the figures as a dictionary."""
    start = time.perf_counter()
    population = generate(records, seed=seed)
    generated = time.perf_counter() - start
    persons = population.columns.pop("person_id")
    ids: dict[str, int] = {}
    truth = [ids.setdefault(p, len(ids)) for p in persons]
    del persons
    rss_before = _rss_mib()
    start = time.perf_counter()
    result = link_columns(
        population.columns,
        settings=_scoring_all(threads, memory, through),
        keyer=anyascii_keys if method == "anyascii" else name_keys,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    true_pairs = true_pair_count(truth)
    pairs = result.pairs
    outcome = pairs["outcome"].to_pylist()
    a, b = pairs["a"].to_pylist(), pairs["b"].to_pylist()
    probability = pairs["probability"].to_pylist()
    links = [(x, y) for x, y, o in zip(a, b, outcome, strict=True) if o == "link"]
    # linked with the lowest review threshold of the sweep; the figures are for the
    # default one
    usual = LinkSettings().review_threshold
    review = [
        (x, y)
        for x, y, o, p in zip(a, b, outcome, probability, strict=True)
        if o == "review" and p >= usual
    ]
    pairwise = pairwise_scores(links, truth, true_pairs=true_pairs)
    clusters, exact = cluster_scores(result.clusters, truth)
    # what the group has once a person has decided every review pair rightly, for
    # review bands starting at each threshold of REVIEW_SWEEP
    after_review = []
    for lowest in REVIEW_SWEEP:
        band = [
            (x, y)
            for x, y, o, p in zip(a, b, outcome, probability, strict=True)
            if o == "review" and p >= lowest
        ]
        right = [(x, y) for x, y in band if truth[x] == truth[y]]
        decided = links + right
        after = pairwise_scores(decided, truth, true_pairs=true_pairs)
        clustered = cluster_links(len(truth), links, sure=right, facts=result.facts)
        grouped, _ = cluster_scores(clustered, truth)
        scored = [
            (p, x, y)
            for x, y, o, p in zip(a, b, outcome, probability, strict=True)
            if o == "review" and p >= lowest
        ]
        after_review.append(
            {
                "review_threshold": lowest,
                "review_pairs": len(band),
                "review_true": len(decided) - len(links),
                "decisions": decisions_needed(result.clusters, scored, truth),
                "pairwise": after.as_dict(),
                "cluster": grouped.as_dict(),
            }
        )
    assert result.candidates is not None
    sweep = []
    for threshold in SWEEP:
        chosen = [(x, y) for x, y, p in zip(a, b, probability, strict=True) if p >= threshold]
        at = pairwise_scores(chosen, truth, true_pairs=true_pairs)
        clustered = cluster_links(len(truth), chosen, facts=result.facts)
        grouped, _ = cluster_scores(clustered, truth)
        sweep.append(
            {
                "auto_threshold": threshold,
                # what the model itself expects of these links: the mean of their
                # probabilities (the precision, were it calibrated)
                "expected_precision": round(
                    sum(p for p in probability if p >= threshold) / max(1, len(chosen)), 5
                ),
                "pairwise": at.as_dict(),
                "cluster": grouped.as_dict(),
            }
        )
    return {
        "method": method,
        "records": len(truth),
        "persons": len(ids),
        "true_pairs": true_pairs,
        "seed": seed,
        "seconds": round(seconds, 1),
        "seconds_generate": round(generated, 1),
        "stages": {k: v for k, v in result.stats.items() if k.startswith("seconds_")},
        "peak_rss_mib": round(peak),
        "rss_before_linking_mib": round(rss_before),
        "pairwise": pairwise.as_dict(),
        "auto_precision": round(pairwise.precision, 5),
        "cluster": clusters.as_dict(),
        "exact_clusters": round(exact, 5),
        "blocking_recall": round(
            blocking_recall(result.candidates, truth, true_pairs=true_pairs), 5
        ),
        "blocking_recall_as_clusters": round(
            blocking_recall_as_clusters(result.candidates, truth, true_pairs=true_pairs), 5
        ),
        "candidate_pairs": result.candidates.num_rows,
        "through_threshold": through,
        "through_pairs": result.stats.get("blocking_through_pairs", 0),
        "review_pairs": len(review),
        "review_true": sum(1 for x, y in review if truth[x] == truth[y]),
        "after_review": after_review,
        "auto_threshold": result.auto_threshold,
        "lambda": result.stats.get("lambda"),
        "sweep": sweep,
    }


def feedback(records: int, seed: int, threads: int, memory: str, count: int) -> dict[str, object]:
    """What ``count`` review decisions do when they are fed back (``--feedback``).

    The population is linked once; ``count`` of its open review pairs (not one person
    already through other links: the review file and the queue leave those out) are
    decided rightly from the truth, as reviewers would, in two ways: drawn at random
    (seeded), and the most probable first, as a reviewer working down the review file
    or queue does.
    Each set is linked again with its decisions (on review pairs: ``proposed`` is
    false), which train the model's m and are certain themselves. Scored: the first
    run; the first run's links plus the decided "same" pairs (the decisions without any
    learning); and the second run. The difference between the last two is what the
    model learnt."""
    population, truth = _population(records, seed)
    settings = LinkSettings(
        threads=threads, workers=threads, memory_limit=memory, keep_candidates=True
    )
    first = link_columns(population.columns, settings=settings)
    pairs = first.pairs
    rows = zip(
        pairs["a"].to_pylist(),
        pairs["b"].to_pylist(),
        pairs["probability"].to_pylist(),
        pairs["outcome"].to_pylist(),
        strict=True,
    )
    links: list[tuple[int, int]] = []
    review: list[tuple[int, int, float]] = []
    for a, b, p, outcome in rows:
        if outcome == "link":
            links.append((a, b))
        elif outcome == "review" and first.clusters[a] != first.clusters[b]:
            review.append((a, b, p))  # open: not one person already through other links
    names = first.record_ids
    out: dict[str, object] = {"records": len(truth), "decisions": min(count, len(review))}
    before, _ = cluster_scores(first.clusters, truth)
    for order in ("random", "top"):
        if order == "random":
            chosen = random.Random(seed).sample(review, min(count, len(review)))
        else:
            chosen = sorted(review, key=lambda r: (-r[2], r[0], r[1]))[:count]
        decisions = [
            Decision(names[a], names[b], "same" if truth[a] == truth[b] else "different")
            for a, b, _ in chosen
        ]
        second = link_columns(population.columns, settings=settings, decisions=decisions)
        same = [(a, b) for a, b, _ in chosen if truth[a] == truth[b]]
        apart = [(a, b) for a, b, _ in chosen if truth[a] != truth[b]]
        applied = cluster_links(len(truth), links, apart=apart, sure=same, facts=first.facts)
        figures: dict[str, object] = {
            "decided_same": len(same),
            "auto_threshold_after": second.auto_threshold,
            "before": before.as_dict(),
        }
        for label, clusters in (("decisions_only", applied), ("after", second.clusters)):
            scores, _ = cluster_scores(clusters, truth)
            figures[label] = scores.as_dict()
        out[order] = figures
    return out


def third_records(records: int, seed: int, threads: int, memory: str) -> dict[str, object]:
    """Does what third records say add to the pairs' own scores (``--third-records``)?

    The population is linked once (scores kept down to the lowest review threshold),
    and the links made three ways, each clustered as the model's are (strongest first,
    records that contradict each other kept apart) and scored as clusters:

    * ``plain``: every pair at or above a threshold (``THIRD_PLAIN``);
    * ``triangle``: the links at the default threshold, plus every pair from ``from``
      up that a third record supports: that record is scored at least ``support``
      with both of the pair's records (``THIRD_TRIANGLE``);
    * ``clusters``: the clusters of the links at the default threshold, joined where
      every pair across two of them (at least two pairs) is scored at least
      ``support`` (``THIRD_CLUSTERS``).

    A collective rule helps only if it reaches more recall than ``plain`` at the same
    precision."""
    population, truth = _population(records, seed)
    result = link_columns(population.columns, settings=_scoring_all(threads, memory))
    pairs = result.pairs
    scored = sorted(
        zip(pairs["probability"].to_pylist(), pairs["a"].to_pylist(), pairs["b"].to_pylist(),
            strict=True),
        reverse=True,
    )  # fmt: skip
    auto = result.auto_threshold
    n = len(truth)

    def clustered(links: Sequence[tuple[int, int]]) -> dict[str, float]:
        scores, _ = cluster_scores(cluster_links(n, links, facts=result.facts), truth)
        return {k: v for k, v in scores.as_dict().items() if k in ("precision", "recall", "f1")}

    linked = [(a, b) for p, a, b in scored if p >= auto]
    out: dict[str, Any] = {"records": n, "auto_threshold": auto, "plain": [], "triangle": []}
    for threshold in THIRD_PLAIN:
        chosen = [(a, b) for p, a, b in scored if p >= threshold]
        out["plain"].append({"threshold": threshold, "cluster": clustered(chosen)})
    neighbours: dict[int, dict[int, float]] = {}
    for p, a, b in scored:
        neighbours.setdefault(a, {})[b] = p
        neighbours.setdefault(b, {})[a] = p
    for lowest, support in THIRD_TRIANGLE:
        added = []
        for p, a, b in scored:
            if not lowest <= p < auto:
                continue
            na, nb = neighbours[a], neighbours[b]
            if len(na) > len(nb):
                na, nb = nb, na
            if any(q >= support and nb.get(c, 0.0) >= support for c, q in na.items()):
                added.append((a, b))
        out["triangle"].append(
            {
                "from": lowest,
                "support": support,
                "added": len(added),
                "added_true": sum(truth[a] == truth[b] for a, b in added),
                "cluster": clustered(linked + added),
            }
        )
    first = cluster_links(n, linked, facts=result.facts)
    size: dict[int, int] = {}
    for c in first:
        size[c] = size.get(c, 0) + 1
    across: dict[tuple[int, int], list[float]] = {}
    for p, a, b in scored:
        ca, cb = first[a], first[b]
        if p < auto and ca != cb:
            across.setdefault((min(ca, cb), max(ca, cb)), []).append(p)
    out["clusters"] = []
    for support in THIRD_CLUSTERS:
        joined = [
            (x, y)
            for (x, y), ps in across.items()
            if len(ps) >= 2 and len(ps) == size[x] * size[y] and min(ps) >= support
        ]
        out["clusters"].append(
            {
                "support": support,
                "joined": len(joined),
                "joined_true": sum(truth[x] == truth[y] for x, y in joined),
                "cluster": clustered(linked + joined),
            }
        )
    return out


def _levels_sql() -> list[str]:
    """One SQL expression per comparison of the model: the number of the level a pair
    reaches (the strongest is the highest, -1 for the null level), over ``l`` and
    ``r``, the two records' rows."""
    out = []
    for comparison in comparisons():
        levels = comparison["comparison_levels"]
        number = len(levels) - 1
        cases = []
        for level in levels:
            condition = level["sql_condition"]
            if condition == "ELSE":
                cases.append("ELSE 0")
                continue
            condition = _SIDE.sub(lambda m: f"{m.group(2)}.{m.group(1)}", condition)
            if level.get("is_null_level"):
                cases.append(f"WHEN {condition} THEN -1")
            else:
                cases.append(f"WHEN {condition} THEN {number}")
                number -= 1
        out.append(f"CASE {' '.join(cases)} END")
    return out


# --word-bands: the name levels whose pairs the oracle also sees by how rare the
# rarest word is that the two names share (``_WORD_BAND``)
WORD_BAND_LEVELS = {
    "none": (),
    "reading": ("same words, other reading", "same sound, other reading", "near spelling"),
    "all": ("*",),
}
_WORD_BAND = (
    "CASE WHEN w.n <= 3 THEN 1 WHEN w.n <= 10 THEN 2 WHEN w.n <= 30 THEN 3 WHEN w.n <= 100 "
    "THEN 4 WHEN w.n <= 300 THEN 5 WHEN w.n <= 1000 THEN 6 ELSE 7 END"
)


def _name_levels(labels: Sequence[str]) -> str:
    """SQL over ``g0`` (the name comparison's level, as ``_levels_sql`` numbers it):
    the pair is at one of the levels labelled ``labels`` ("*": any)."""
    if "*" in labels:
        return "true"
    levels = [lv for lv in comparisons()[0]["comparison_levels"] if not lv.get("is_null_level")]
    numbers = [
        str(len(levels) - i) for i, lv in enumerate(levels) if lv["label_for_charts"] in labels
    ]
    return f"g0 IN ({', '.join(numbers)})" if numbers else "false"


# --sources: what the oracle also sees of the two lists a pair's records come from
SOURCE_COLUMNS = {
    "none": "0",
    "same": "CASE WHEN l.source = r.source THEN 1 ELSE 2 END",
    "pair": "hash(least(l.source, r.source), greatest(l.source, r.source)) % 100003",
}


def ceiling(
    records: int,
    seed: int,
    threads: int,
    memory: str,
    word_bands: str = "none",
    sources: str = "none",
) -> dict[str, object]:
    """The best any classifier could do over what the model compares, knowing the truth.

    Every pair blocking proposes, and every true pair, gets its *pattern*: the level
    of each of the model's comparisons plus how common the name is (the bucket of
    its name key's count, which the model reads through its term-frequency
    adjustment). An oracle that knows each pattern's true share of matches links the
    patterns best first: the most recall it reaches with the links still >= 99 %
    right as pairs, and the best F1 at any precision, are the ceiling of every model
    over these comparisons (only finer comparisons can pass it). Also scored as
    clusters, as ``child`` scores the model's links.

    ``word_bands`` (a key of ``WORD_BAND_LEVELS``) gives the oracle one column more for
    the pairs at those name levels: how many records hold the rarest word sound the
    two names share (``_WORD_BAND``), to measure what a finer comparison could add."""
    population, truth = _population(records, seed)
    table = prepare_records(population.columns, workers=threads)
    del population
    facts = record_facts(table)
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory})
    con.register("prepared", table)
    con.execute("CREATE TABLE records AS SELECT * FROM prepared")
    con.unregister("prepared")
    del table
    block_pairs(DuckDBEngine(con))
    con.register("truth_table", pa.table({"uid": range(len(truth)), "pid": truth}))
    con.execute(
        "CREATE TABLE pairs AS SELECT a, b, bool_or(blocked) AS blocked, bool_or(same) AS same "
        "FROM (SELECT join_key_l AS a, join_key_r AS b, true AS blocked, false AS same "
        "FROM blocked_pairs UNION ALL SELECT x.uid, y.uid, false, true FROM truth_table x "
        "JOIN truth_table y ON x.pid = y.pid AND x.uid < y.uid) GROUP BY a, b"
    )
    levels = ", ".join(f"{sql} AS g{i}" for i, sql in enumerate(_levels_sql()))
    common = (
        "CASE WHEN l.name_block IS DISTINCT FROM r.name_block THEN 0 WHEN k.n <= 2 THEN 1 "
        "WHEN k.n <= 5 THEN 2 WHEN k.n <= 20 THEN 3 WHEN k.n <= 100 THEN 4 ELSE 5 END"
    )
    con.execute(
        f"CREATE TABLE patterns AS SELECT p.a, p.b, p.blocked, p.same, {levels}, "  # noqa: S608
        f"{common} AS g_common FROM pairs p JOIN records l ON l.unique_id = p.a "
        "JOIN records r ON r.unique_id = p.b LEFT JOIN (SELECT name_block, count(*) AS n "
        "FROM records GROUP BY name_block) k ON k.name_block = l.name_block"
    )
    con.execute(
        "CREATE TABLE word_counts AS SELECT w, count(*) AS n FROM "
        "(SELECT DISTINCT unique_id, unnest(nm_ptok) AS w FROM records) GROUP BY w"
    )
    con.execute("ALTER TABLE patterns ADD COLUMN g_word INTEGER DEFAULT 0")
    if WORD_BAND_LEVELS[word_bands]:
        con.execute(
            "CREATE TABLE shared_word AS SELECT q.a, q.b, min(w.n) AS n FROM (SELECT p.a, p.b, "
            "unnest(list_intersect(l.nm_ptok, r.nm_ptok)) AS w FROM pairs p "
            "JOIN records l ON l.unique_id = p.a JOIN records r ON r.unique_id = p.b) q "
            "JOIN word_counts w USING (w) GROUP BY q.a, q.b"
        )
        con.execute(
            f"UPDATE patterns SET g_word = {_WORD_BAND} FROM shared_word w "  # noqa: S608
            "WHERE w.a = patterns.a AND w.b = patterns.b "
            f"AND {_name_levels(WORD_BAND_LEVELS[word_bands])}"
        )
    con.execute(
        f"ALTER TABLE patterns ADD COLUMN g_source INTEGER DEFAULT 0; "  # noqa: S608
        f"UPDATE patterns SET g_source = {SOURCE_COLUMNS[sources]} FROM records l, records r "
        "WHERE l.unique_id = patterns.a AND r.unique_id = patterns.b"
    )
    gs = ", ".join(f"g{i}" for i in range(len(comparisons()))) + ", g_common, g_word, g_source"
    rows = con.execute(
        f"SELECT {gs}, count(*) FILTER (WHERE same AND blocked), "  # noqa: S608
        "count(*) FILTER (WHERE NOT same), count(*) FILTER (WHERE same) "
        "FROM patterns GROUP BY ALL"
    ).fetchall()
    true_pairs = true_pair_count(truth)
    out: dict[str, object] = {"records": len(truth), "true_pairs": true_pairs}
    for name, column in (("blocked", -3), ("every_pair", -1)):
        # patterns best first: the order an oracle that knows their true share links them
        ranked = sorted(
            (r for r in rows if r[column] + r[-2] > 0),
            key=lambda r, c=column: -r[c] / (r[c] + r[-2]),  # type: ignore[misc]
        )
        correct = chosen = 0
        kept: dict[str, int] = {}
        best = 0.0
        for i, r in enumerate(ranked, start=1):
            correct += r[column]
            chosen += r[column] + r[-2]
            for target in _ORACLE_PRECISION:
                if correct >= target * chosen:
                    kept[f"at_precision_{target}"] = i
            if 2 * correct / (chosen + true_pairs) > best:
                best = 2 * correct / (chosen + true_pairs)
                kept["best_f1"] = i
        figures: dict[str, object] = {}
        for label, count in kept.items():
            keys = [(*r[: len(comparisons()) + 3], i) for i, r in enumerate(ranked[:count])]
            columns = ", ".join(f"{g.strip()} INTEGER" for g in gs.split(","))
            con.execute(f"CREATE OR REPLACE TEMP TABLE chosen_keys ({columns}, rank INTEGER)")
            con.executemany(
                f"INSERT INTO chosen_keys VALUES ({', '.join('?' * len(keys[0]))})",  # noqa: S608
                keys,
            )
            where = "" if name == "every_pair" else "WHERE p.blocked"
            links = con.execute(
                f"SELECT p.a, p.b FROM patterns p JOIN chosen_keys USING ({gs}) {where} "  # noqa: S608
                "ORDER BY rank, p.a, p.b"
            ).fetchall()
            pairwise = pairwise_scores(links, truth, true_pairs=true_pairs)
            # strongest patterns first, as the model's links are
            clusters, _ = cluster_scores(cluster_links(len(truth), links, facts=facts), truth)
            figures[label] = {"pairwise": pairwise.as_dict(), "cluster": clusters.as_dict()}
        out[name] = figures
    lonely = con.execute(
        "SELECT count(*) FROM patterns WHERE same AND g2 <= 0 AND g1 < 5 AND g3 < 3 AND g4 <= 0"
    ).fetchone()
    out["true_pairs_name_and_year_only"] = lonely[0] if lonely else 0
    return out


def prior(records: int, seed: int) -> str:
    """The ``model.PRIOR`` literal: m and u trained on a generated population."""
    population = generate(records, seed=seed)
    population.columns.pop("person_id")
    table = prepare_records(population.columns)
    con = duckdb.connect(config={"threads": 2, "temp_directory": ""})
    registered = DuckDBAPI(con).register(table, table_name="records")
    model = train_model(registered, n=table.num_rows, u_pairs=1e7, em_pairs=5e6, seed=seed)
    lines = ["PRIOR: Prior = {"]
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        values = ", ".join(
            f"({lv['m_probability']:.4g}, {lv['u_probability']:.4g})" for lv in levels
        )
        lines.append(f'    "{comparison["output_column_name"]}": ({values}),')
    lines.append("}")
    return "\n".join(lines)


def _table(rows: Sequence[dict[str, object]]) -> str:
    head = (
        f"{'records':>9} {'method':>8} {'pw P':>6} {'pw R':>6} {'pw F1':>6} {'cl P':>6} "
        f"{'cl R':>6} {'cl F1':>6} {'block R':>7} {'as cl':>6} {'review':>7} {'time s':>7} "
        f"{'peak MiB':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        pw, cl = r["pairwise"], r["cluster"]
        assert isinstance(pw, dict) and isinstance(cl, dict)
        lines.append(
            f"{r['records']:>9,} {r['method']:>8} {pw['precision']:6.4f} {pw['recall']:6.4f} "
            f"{pw['f1']:6.4f} {cl['precision']:6.4f} {cl['recall']:6.4f} {cl['f1']:6.4f} "
            f"{r['blocking_recall']:7.4f} {r['blocking_recall_as_clusters']:6.4f} "
            f"{r['review_pairs']:>7,} {r['seconds']:7.1f} "
            f"{r['peak_rss_mib']:>8,}"
        )
    return "\n".join(lines)


def _in_child(args: argparse.Namespace, records: int, *extra: str) -> dict[str, Any] | None:
    """Run this script with ``--child`` for ``records`` in a fresh process (its time
    and peak memory its own); its figures, or None (its error printed) if it failed."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--records", str(records), "--seed",
         str(args.seed), "--threads", str(args.threads), "--memory", args.memory,
         "--through", args.through, *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _feedbacks(args: argparse.Namespace) -> int:
    rows = []
    for n in args.records:
        found = _in_child(args, n, "--feedback", str(args.feedback))
        if found is None:
            return 1
        rows.append(found)
        for order in ("random", "top"):
            figures = found[order]
            for label in ("before", "decisions_only", "after"):
                c = figures[label]
                print(
                    f"{n:>9,} {found['decisions']:>6,} decided ({order}, "
                    f"{figures['decided_same']:,} same) {label:>15}: cluster P "
                    f"{c['precision']:.4f} R {c['recall']:.4f} F1 {c['f1']:.4f}"
                )
            print(f"{n:>9,} {order}: automatic threshold after: {figures['auto_threshold_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


def _third(args: argparse.Namespace) -> int:
    rows = []
    for n in args.records:
        found = _in_child(args, n, "--third-records")
        if found is None:
            return 1
        rows.append(found)
        for r in found["plain"]:
            c = r["cluster"]
            print(f"{n:>9,} links from {r['threshold']:.2f}{'':>36}: cluster P "
                  f"{c['precision']:.4f} R {c['recall']:.4f} F1 {c['f1']:.4f}")  # fmt: skip
        for r in found["triangle"]:
            c = r["cluster"]
            print(f"{n:>9,} + from {r['from']:.2f} with a third record >= {r['support']:.2f} "
                  f"({r['added_true']:,}/{r['added']:,} true): cluster P {c['precision']:.4f} "
                  f"R {c['recall']:.4f} F1 {c['f1']:.4f}")  # fmt: skip
        for r in found["clusters"]:
            c = r["cluster"]
            print(f"{n:>9,} + clusters every pair across >= {r['support']:.2f} "
                  f"({r['joined_true']:,}/{r['joined']:,} true): cluster P {c['precision']:.4f} "
                  f"R {c['recall']:.4f} F1 {c['f1']:.4f}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


def _ceilings(args: argparse.Namespace) -> int:
    rows = []
    for n in args.records:
        figures = _in_child(
            args, n, "--ceiling", "--word-bands", args.word_bands, "--sources", args.sources
        )
        if figures is None:
            return 1
        rows.append(figures)
    print(f"{'records':>9} {'pairs':>10} {'oracle':>18} {'pw P':>6} {'pw R':>6} {'pw F1':>6} "
          f"{'cl P':>6} {'cl R':>6} {'cl F1':>6}")  # fmt: skip
    for r in rows:
        for pairs in ("blocked", "every_pair"):
            for label, f in r[pairs].items():
                pw, cl = f["pairwise"], f["cluster"]
                print(
                    f"{r['records']:>9,} {pairs:>10} {label:>18} {pw['precision']:6.4f} "
                    f"{pw['recall']:6.4f} {pw['f1']:6.4f} {cl['precision']:6.4f} "
                    f"{cl['recall']:6.4f} {cl['f1']:6.4f}"
                )
        share = r["true_pairs_name_and_year_only"] / r["true_pairs"]
        print(f"{r['records']:>9,} true pairs sharing a name and at most a year, nothing else: "
              f"{share:.1%}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="5GB", help="DuckDB's memory limit (5GB)")
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument(
        "--prior", action="store_true", help="print model.PRIOR trained on --records[0], --seed"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="print the best any classifier over the model's comparisons could reach",
    )
    parser.add_argument(
        "--word-bands",
        choices=sorted(WORD_BAND_LEVELS),
        default="none",
        help="with --ceiling: the name levels whose pairs the oracle also sees by how rare "
        "their rarest shared word is (none)",
    )
    parser.add_argument(
        "--sources",
        choices=sorted(SOURCE_COLUMNS),
        default="none",
        help="with --ceiling: whether the oracle also sees if a pair's records come from one "
        "list (same) or which two lists (pair) (none)",
    )
    parser.add_argument(
        "--feedback",
        type=int,
        metavar="N",
        help="decide N review pairs rightly, link again with them, and print what changed",
    )
    parser.add_argument(
        "--third-records",
        action="store_true",
        help="print whether what third records say adds to the pairs' own scores",
    )
    parser.add_argument(
        "--through",
        default=str(_THROUGH),
        help="compare two records that each have a pair of this probability or more with "
        f"one third record ({_THROUGH}; none: do not)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prior:
        print(prior(args.records[0], args.seed))
        return 0
    if args.child and args.ceiling:
        figures = ceiling(
            args.records[0], args.seed, args.threads, args.memory, args.word_bands, args.sources
        )
        print(json.dumps(figures))
        return 0
    if args.child and args.feedback:
        n, count = args.records[0], args.feedback
        print(json.dumps(feedback(n, args.seed, args.threads, args.memory, count)))
        return 0
    if args.child and args.third_records:
        print(json.dumps(third_records(args.records[0], args.seed, args.threads, args.memory)))
        return 0
    if args.ceiling:
        return _ceilings(args)
    if args.third_records:
        return _third(args)
    if args.feedback:
        return _feedbacks(args)
    if args.child:
        n, method = args.records[0], args.methods[0]
        through = None if args.through == "none" else float(args.through)
        print(json.dumps(child(n, args.seed, method, args.threads, args.memory, through)))
        return 0
    rows = []
    for n in args.records:
        for method in args.methods:
            found = _in_child(args, n, "--methods", method)
            if found is None:
                return 1
            rows.append(found)
            print(_table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(rows))
    print()
    print("with every review pair decided rightly (review band from the threshold up):")
    print(f"{'records':>9} {'method':>8} {'from':>5} {'review':>9} {'true':>5} "
          f"{'decide':>9} {'pw F1':>6} {'cl P':>6} {'cl R':>6} {'cl F1':>6}")  # fmt: skip
    for r in rows:
        for band in r["after_review"]:
            pw, cl = band["pairwise"], band["cluster"]
            share = band["review_true"] / max(band["review_pairs"], 1)
            print(
                f"{r['records']:>9,} {r['method']:>8} {band['review_threshold']:5.2f} "
                f"{band['review_pairs']:>9,} {share:5.0%} {band['decisions']:>9,} "
                f"{pw['f1']:6.4f} {cl['precision']:6.4f} {cl['recall']:6.4f} {cl['f1']:6.4f}"
            )
    for i in range(0, len(rows) - 1):
        ours, base = rows[i], rows[i + 1]
        if ours["method"] == "amanat" and base["method"] == "anyascii":
            gain = ours["cluster"]["f1"] - base["cluster"]["f1"]
            print(f"{ours['records']:,} records: cluster F1 {gain:+.4f} over the baseline")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
