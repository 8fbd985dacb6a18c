"""Linking on Spark (``amanat.linkage.spark``) gives what linking on DuckDB gives.

Spark runs here in this process's Java (local mode, two threads): the same SQL, the
same Splink and the same Python function as on a cluster's workers, with no cluster.
One session serves the module's tests (it takes seconds to start).
"""

from __future__ import annotations

import csv
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.cli.main import main
from amanat.linkage import LinkResult, LinkSettings, link_columns
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


def test_spark_trains_the_model_on_the_list(engine: SparkEngine) -> None:
    """Given 2,000 generated records, when linked on Spark with the model trained on the
    list itself (u from random pairs, m by EM), then it is trained, decisions are
    honoured, and its persons are as good as DuckDB's (random samples differ between
    the engines, so the figures may differ a little)."""
    population = generate(2000, seed=4)
    truth = population.columns.pop("person_id")
    chosen = LinkSettings(train_from=1000, u_sample_pairs=2e5)
    here = link_columns(population.columns, settings=chosen)
    there = link_columns(population.columns, settings=chosen, engine=engine)
    assert here.stats["trained"] and there.stats["trained"]
    ours = cluster_scores(there.clusters, truth)[0]
    theirs = cluster_scores(here.clusters, truth)[0]
    assert ours.precision >= 0.97 and abs(ours.f1 - theirs.f1) < 0.05, (ours, theirs)


def test_the_link_command_runs_on_spark(
    engine: SparkEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the documented example list, when `amanat link --spark` links it, then
    every row has the cluster linking on DuckDB gives it."""
    shutil.copy(EXAMPLES / "link-list.csv", tmp_path / "list.csv")
    args = ["link", str(tmp_path / "list.csv"), "--mapping",
            str(EXAMPLES / "link-list.mapping.yaml")]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "here.csv")]) == 0
    assert main([*args, "--out", str(tmp_path / "there.csv"), "--spark"]) == 0, (
        capsys.readouterr().err
    )

    def clusters(name: str) -> list[tuple[str, str, str]]:
        with (tmp_path / name).open(encoding="utf-8-sig", newline="") as f:
            return [(r["No"], r["cluster"], r["outcome"]) for r in csv.DictReader(f)]

    assert clusters("there.csv") == clusters("here.csv")
    assert len({c for _, c, _ in clusters("there.csv")}) < len(clusters("there.csv"))
