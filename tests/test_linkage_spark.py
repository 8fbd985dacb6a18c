"""Linking on Spark (``amanat.linkage.spark``) gives what linking on DuckDB gives.

Spark runs here in this process's Java (local mode, two threads): the same SQL, the
same Splink and the same Python function as on a cluster's workers, with no cluster.
One session serves the module's tests (it takes seconds to start).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.linkage import Decision, LinkResult, LinkSettings, link_columns
from amanat.linkage.engine import SPARK
from amanat.linkage.evaluation import cluster_scores
from amanat.linkage.spark import SparkEngine, jaro_winkler, spark_engine

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
sys.path.insert(0, str(BENCHMARKS))

from population import generate  # noqa: E402

# Letters of every script a name comes in, and the characters name forms keep.
TEXT = st.text(
    alphabet=st.sampled_from("abcdehiklnorstuyz -'ÄäÖöÜüŞşıəӘәҚқҢңҰұҮүІіЖжШшاەبتىنرلمي江古丽"),
    max_size=24,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[SparkEngine]:
    with spark_engine("local[2]", memory="2GB") as on_spark:
        yield on_spark


def _pairs(result: LinkResult) -> dict[tuple[int, int], tuple[float, str]]:
    table = result.pairs
    return {
        (a, b): (p, o)
        for a, b, p, o in zip(
            table["a"].to_pylist(),
            table["b"].to_pylist(),
            table["probability"].to_pylist(),
            table["outcome"].to_pylist(),
            strict=True,
        )
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT | st.none(), TEXT | st.none()), min_size=1, max_size=20))
def test_the_spark_similarity_is_duckdbs(pairs: list[tuple[str | None, str | None]]) -> None:
    """Given pairs of names in any script, some empty or missing, when Spark's
    similarity function and DuckDB's score them, then they agree to the last bit but
    rounding: a name near a level's threshold falls on the same side on both engines."""
    a = pa.array([x for x, _ in pairs], pa.string())
    b = pa.array([y for _, y in pairs], pa.string())
    ours = jaro_winkler(a, b).to_pylist()
    con = duckdb.connect()
    con.register("t", pa.table({"a": a, "b": b, "i": pa.array(range(len(pairs)))}))
    theirs = [
        r[0]
        for r in con.execute("SELECT jaro_winkler_similarity(a, b) FROM t ORDER BY i").fetchall()
    ]
    con.close()
    for x, y in zip(ours, theirs, strict=True):
        assert (x is None) == (y is None)
        assert x is None or abs(x - y) < 1e-12


def test_spark_links_a_list_exactly_as_duckdb_does(engine: SparkEngine) -> None:
    """Given 800 generated records of several lists, in every script, when they are
    linked with the built-in model on DuckDB and on Spark, then blocking proposes the
    same pairs, every pair has the same probability and outcome, and the persons are
    the same."""
    population = generate(800, seed=3)
    population.columns.pop("person_id")
    chosen = LinkSettings(keep_candidates=True)
    here = link_columns(population.columns, settings=chosen)
    there = link_columns(population.columns, settings=chosen, engine=engine)
    assert engine.dialect == SPARK and not there.stats["trained"]
    assert there.stats["blocking_pairs"] == here.stats["blocking_pairs"] > 1000
    assert here.candidates is not None and there.candidates is not None
    assert set(zip(*there.candidates.to_pydict().values(), strict=True)) == set(
        zip(*here.candidates.to_pydict().values(), strict=True)
    )
    ours, theirs = _pairs(there), _pairs(here)
    assert ours.keys() == theirs.keys()
    for pair, (p, outcome) in theirs.items():
        assert abs(ours[pair][0] - p) < 1e-9 and ours[pair][1] == outcome
    assert there.clusters == here.clusters
    assert there.stats["links"] == here.stats["links"] > 100


def test_spark_keeps_records_apart_as_duckdb_does(engine: SparkEngine) -> None:
    """Given 800 generated records, the first 400 kept apart (as `amanat link --desk`
    keeps the desk's persons), when linked on DuckDB and on Spark, then blocking
    proposes the same pairs on both, and none of them is two records kept apart."""
    population = generate(800, seed=3)
    population.columns.pop("person_id")
    population.columns["record_id"] = [str(i) for i in range(800)]
    chosen = LinkSettings(keep_candidates=True, apart=frozenset(str(i) for i in range(400)))
    here = link_columns(population.columns, settings=chosen)
    there = link_columns(population.columns, settings=chosen, engine=engine)
    assert here.candidates is not None and there.candidates is not None
    found = set(zip(*there.candidates.to_pydict().values(), strict=True))
    assert found == set(zip(*here.candidates.to_pydict().values(), strict=True))
    assert found and not any(a < 400 and b < 400 for a, b in found)
    assert any(a < 400 <= b or b < 400 <= a for a, b in found)
    assert there.clusters == here.clusters


def test_spark_trains_the_model_on_the_list(engine: SparkEngine) -> None:
    """Given 1,000 generated records and a reviewer's decisions (25 links confirmed
    "same", one link judged "different"), when linked on Spark with the model trained
    on the list itself (u from random pairs, m by EM and from the "same" pairs), then
    it is trained, the "different" pair stays apart, and its persons are as good as
    DuckDB's (the engines sample different random pairs, so the figures may differ a
    little)."""
    population = generate(1000, seed=4)
    truth = population.columns.pop("person_id")
    ids = [str(i) for i in range(len(truth))]
    population.columns["record_id"] = ids
    chosen = LinkSettings(train_from=500, u_sample_pairs=2e5)
    first = link_columns(population.columns, settings=chosen)
    links = [(p.record_a, p.record_b) for p in first.links()]
    right = [(a, b) for a, b in links if truth[int(a)] == truth[int(b)]]
    assert len(right) > 50
    decisions = [Decision(a, b, "same", proposed=True) for a, b in right[:25]]
    # a link of another person, so that no "same" decision says otherwise
    confirmed = {truth[int(a)] for a, _ in right[:25]}
    apart = next((a, b) for a, b in right[25:] if truth[int(a)] not in confirmed)
    decisions.append(Decision(*apart, "different", proposed=True))
    here = link_columns(population.columns, settings=chosen, decisions=decisions)
    there = link_columns(population.columns, settings=chosen, decisions=decisions, engine=engine)
    assert here.stats["trained"] and there.stats["trained"]
    for result in (here, there):
        cluster = result.cluster_of()
        assert cluster[apart[0]] != cluster[apart[1]]
        assert all(cluster[a] == cluster[b] for a, b in right[:25])
    ours = cluster_scores(there.clusters, truth)[0]
    theirs = cluster_scores(here.clusters, truth)[0]
    assert ours.precision >= 0.97 and abs(ours.f1 - theirs.f1) < 0.05, (ours, theirs)
