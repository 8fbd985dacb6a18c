"""``link_records``: person records in, pairs with three outcomes and persons out.

The steps, each timed in ``LinkResult.stats``:

1. ``prepare`` derives name keys, birth ranges, IDs and places (``prepare.py``);
2. ``block`` finds the candidate pairs (``blocking.py``);
3. ``train`` estimates the model (``model.py``): u by random sampling, m by EM, and m
   again from pairs a reviewer decided "same" when there are enough of them;
4. ``score`` has Splink score the candidate pairs;
5. ``cluster`` joins records through their automatic links (``clusters.py``).

Three outcomes per pair, from its match probability: ``link`` at or above the
automatic threshold (chosen on generated data so that at least 99% of automatic links
are right: ``docs/performance.md``), ``review`` between the two thresholds (a person
decides), ``no_link`` below. A reviewer's decisions win over the model: "same" is a
link, "different" is never linked, not even through other records, and "unsure"
leaves the pair to the model. When reviewers have decided enough automatic links
drawn to check (``Decision.proposed``: ``amanat link --check-links``) and too many of
them were "different", the threshold is raised until the decided links above it are
99% right. Twenty "same" decisions or more on doubtful pairs train the model's m.

The SQL runs on an ``engine.Engine``: by default DuckDB in this process, or Spark
(``spark.py``) for a list too large for one machine. DuckDB runs in memory with
spilling to disk turned off: its temporary files would hold names.
``LinkSettings.memory_limit`` bounds it; a list too large for it stops with an error
that says so.

SQL here is put together from this module's constants, table names it chose and
numbers it computed, never from a record's text (hence the ``noqa: S608``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from amanat.errors import InputError, UsageError
from amanat.linkage.blocking import block_pairs, through_pairs
from amanat.linkage.clusters import RecordFacts, cluster_links
from amanat.linkage.engine import DuckDBEngine, Engine
from amanat.linkage.prepare import Columns, Keyer, columns_of, prepare_records
from amanat.linkage.scoring import (
    NAME_FREQUENCIES,
    estimate_lambda,
    evidence_for,
    register_name_frequencies,
    score_candidates,
    sql_probability,
)
from amanat.linkage.settings import Decision, LinkSettings, Outcome
from amanat.linkage.training import new_linker, prior_model, train_model
from amanat.names import name_keys

__all__ = [
    "Decision",
    "LinkResult",
    "LinkSettings",
    "ScoredPair",
    "link_columns",
    "link_records",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScoredPair:
    """Two records the model scored (or a reviewer decided), and the outcome."""

    record_a: str
    record_b: str
    probability: float
    outcome: Outcome
    decided: bool


@dataclass
class LinkResult:
    """What ``link_records`` found.

    ``clusters[i]`` is the position of the first record of record i's person (so a
    record alone is its own cluster); ``pairs`` holds every pair at or above the
    review threshold and every decided pair, with columns ``a`` and ``b`` (record
    positions), ``probability``, ``outcome`` and ``decided``. A pair at or above the
    automatic threshold whose records clustering kept apart (their clusters contradict
    each other: ``clusters.py``) has the outcome ``review``.
    """

    record_ids: list[str]
    clusters: list[int]
    pairs: pa.Table
    auto_threshold: float
    review_threshold: float
    stats: dict[str, float]
    model: dict[str, Any]
    candidates: pa.Table | None = None
    facts: RecordFacts | None = None  # with keep_candidates, for clustering again

    def cluster_of(self) -> dict[str, str]:
        """Each record id -> the record id that names its cluster."""
        ids = self.record_ids
        return {ids[i]: ids[c] for i, c in enumerate(self.clusters)}

    def _pairs(self, outcome: Outcome) -> list[ScoredPair]:
        ids = self.record_ids
        rows = self.pairs.filter(pc.equal(self.pairs["outcome"], outcome))
        return [
            ScoredPair(ids[a], ids[b], p, outcome, d)
            for a, b, p, d in zip(
                rows["a"].to_pylist(),
                rows["b"].to_pylist(),
                rows["probability"].to_pylist(),
                rows["decided"].to_pylist(),
                strict=True,
            )
        ]

    def links(self) -> list[ScoredPair]:
        """The automatic (and decided) links, strongest first."""
        return self._pairs("link")

    def review(self) -> list[ScoredPair]:
        """The pairs for a person to decide, most doubtful (nearest 0.5) first."""
        return sorted(self._pairs("review"), key=lambda p: abs(p.probability - 0.5))


def link_records(
    records: Iterable[Mapping[str, object]],
    *,
    decisions: Sequence[Decision] = (),
    settings: LinkSettings | None = None,
    keyer: Keyer = name_keys,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> LinkResult:
    """Link ``records`` (mappings with the fields of ``prepare.RECORD_FIELDS``) into
    persons; see the module's description."""
    return link_columns(
        columns_of(records),
        decisions=decisions,
        settings=settings,
        keyer=keyer,
        progress=progress,
        engine=engine,
    )


def link_columns(
    columns: Columns,
    *,
    decisions: Sequence[Decision] = (),
    settings: LinkSettings | None = None,
    keyer: Keyer = name_keys,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> LinkResult:
    """``link_records`` for records given as one sequence per field (less memory than
    a mapping per record at a million records). The SQL runs on ``engine``
    (``engine.py``), by default DuckDB in this process within ``settings``."""
    settings = settings or LinkSettings()
    stats: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats[f"seconds_{stage}"] = round(now - clock, 3)
        clock = now
        if progress is not None:
            progress(stage, 1, 1)

    total = max((len(v) for v in columns.values()), default=0)
    keyed = 0

    def keying(done: int) -> None:
        nonlocal keyed
        keyed += done
        if progress is not None:
            progress("prepare", keyed, total)

    unread: dict[str, int] = {}
    table = prepare_records(
        columns, keyer=keyer, progress=keying, workers=settings.workers, unread=unread
    )
    stats.update({f"unread_{kind}": n for kind, n in unread.items()})
    record_ids = [str(x) for x in table.column("record_id").to_pylist()]
    position = {rid: i for i, rid in enumerate(record_ids)}
    if len(position) != len(record_ids):
        raise InputError("two records have the same record id; record ids must be unique.")
    decided = _decided_pairs(decisions, position)
    stats["records"] = len(record_ids)
    lap("prepare")

    own = None
    if engine is None:
        own = duckdb.connect(
            config={
                "threads": settings.threads,
                "memory_limit": settings.memory_limit,
                "temp_directory": "",
                "preserve_insertion_order": False,
            }
        )
        engine = DuckDBEngine(own)
    try:
        return _link(engine, table, record_ids, decided, settings, stats, lap)
    except engine.out_of_memory:
        raise UsageError(
            "Linking needs more memory than the limit of %(limit)s; "
            "raise it (--memory) or link a smaller list.",
            limit=settings.memory_limit,
        ) from None
    finally:
        if own is not None:
            own.close()


def _decided_pairs(
    decisions: Sequence[Decision], position: Mapping[str, int]
) -> dict[tuple[int, int], Decision]:
    out: dict[tuple[int, int], Decision] = {}
    for d in decisions:
        a, b = position.get(d.record_a), position.get(d.record_b)
        if a is None or b is None:
            raise InputError("a decision names a record id that is not among the records.")
        out[(min(a, b), max(a, b))] = d  # the later decision wins
    return {pair: d for pair, d in out.items() if d.verdict != "unsure"}


def _tf_level_u(model: dict[str, Any]) -> float:
    """The u of the level whose weight follows how common the value is ("same sound")."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("tf_adjustment_column"):
                return float(level["u_probability"])
    raise AssertionError("the model has no term-frequency level")  # pragma: no cover


def _link(
    engine: Engine,
    table: pa.Table,
    record_ids: list[str],
    decided: dict[tuple[int, int], Decision],
    settings: LinkSettings,
    stats: dict[str, float],
    lap: Callable[[str], None],
) -> LinkResult:
    n = len(record_ids)
    d = engine.dialect
    api = engine.splink()
    engine.drop("records")  # a list linked before on the same engine (Spark's session)
    records = api.register(table, table_name="records")
    engine.load(
        "decided",
        pa.table(
            {
                "unique_id_l": pa.array([a for a, _ in decided], type=pa.int64()),
                "unique_id_r": pa.array([b for _, b in decided], type=pa.int64()),
                "same": pa.array([x.verdict == "same" for x in decided.values()], pa.bool_()),
                "proposed": pa.array([x.proposed for x in decided.values()], pa.bool_()),
            }
        ),
    )
    kept_apart = None
    if settings.apart:
        among = pc.is_in(table.column("record_id"), value_set=pa.array(sorted(settings.apart)))
        ids = pc.indices_nonzero(among)
        engine.load("apart_records", pa.table({"unique_id": pc.cast(ids, pa.int64())}))
        kept_apart = "apart_records"
    counts = block_pairs(
        engine, settings.caps, forced="decided" if decided else None, apart=kept_apart
    )
    stats.update({f"blocking_{k}": v for k, v in counts.items()})
    candidates = (
        engine.arrow("SELECT join_key_l AS a, join_key_r AS b FROM blocked_pairs")
        if settings.keep_candidates
        else None
    )
    lap("block")

    labels = None
    # Links drawn to check are the easy matches, not a sample of all matches: they
    # check the threshold (_raised_threshold) and never train m. 200 "same" on links
    # drawn at random from a 20,000-row list, training m, took the links' precision
    # from 0.998 to 0.996.
    teaching = sum(x.verdict == "same" and not x.proposed for x in decided.values())
    if teaching >= settings.min_decisions:
        engine.create(
            "decided_same",
            "SELECT unique_id_l, unique_id_r FROM decided WHERE same AND NOT proposed",
        )
        labels = "decided_same"
    if n >= max(settings.train_from, 2):
        model = train_model(
            records,
            n=n,
            u_pairs=settings.u_sample_pairs,
            em_pairs=settings.em_max_pairs,
            seed=settings.seed,
            labels=labels,
            dialect=d,
        )
    else:
        model = prior_model(d)
    stats["trained"] = n >= max(settings.train_from, 2)
    linker = new_linker(records, model, d)
    lap("train")

    register_name_frequencies(api, linker, engine, "records", n, _tf_level_u(model))
    score_candidates(api, linker, engine, "blocked_pairs", "evidence")
    engine.drop("blocked_pairs")
    lam = estimate_lambda(engine, "evidence", n)
    if settings.through_threshold is not None:
        through = through_pairs(
            engine,
            "evidence",
            evidence_for(settings.through_threshold, lam),
            settings.through_cap,
            apart=kept_apart,
        )
        stats["blocking_through_pairs"] = through
        if through:
            if candidates is not None:
                more = engine.arrow("SELECT join_key_l AS a, join_key_r AS b FROM through_pairs")
                candidates = pa.concat_tables([candidates, more])
            score_candidates(api, linker, engine, "through_pairs", "evidence_through")
            engine.append("evidence", "SELECT a, b, w FROM evidence_through")
            engine.drop("evidence_through")
            lam = estimate_lambda(engine, "evidence", n)
        engine.drop("through_pairs")
    api.delete_table_from_database(NAME_FREQUENCIES)  # Spark's session outlives a list
    engine.drop("tf_name_block", "apart_records")
    model["probability_two_random_records_match"] = lam
    stats["lambda"] = lam
    # a decision wins over the model: "same" is certain, "different" impossible
    probability = sql_probability("e.w", lam)
    engine.create(
        "scored",
        "SELECT e.a, e.b, "  # noqa: S608
        f"CASE WHEN x.same IS NULL THEN {probability} WHEN x.same THEN 1.0 ELSE 0.0 END "
        "AS probability, x.same IS NOT NULL AS decided, "
        f"{probability} AS model_probability "
        "FROM evidence e LEFT JOIN decided x ON e.a = x.unique_id_l AND e.b = x.unique_id_r "
        f"WHERE {probability} >= {settings.review_threshold} OR x.same IS NOT NULL",
    )
    engine.drop("evidence")
    auto = _raised_threshold(engine, settings) if decided else settings.auto_threshold
    result_table = engine.arrow(
        "SELECT a, b, probability, "  # noqa: S608
        f"CASE WHEN probability >= {auto} THEN 'link' "
        f"WHEN probability >= {settings.review_threshold} THEN 'review' "
        "ELSE 'no_link' END AS outcome, decided "
        "FROM scored ORDER BY probability DESC, a, b"
    )
    lap("score")

    links = engine.arrow(
        f"SELECT a, b FROM scored WHERE probability >= {auto} AND NOT decided "  # noqa: S608
        "ORDER BY probability DESC, a, b"
    )
    engine.drop("scored", "decided", "decided_same")
    apart = [pair for pair, x in decided.items() if x.verdict == "different"]
    sure = [pair for pair, x in decided.items() if x.verdict == "same"]
    facts = record_facts(table)
    clusters = cluster_links(
        n,
        zip(links["a"].to_pylist(), links["b"].to_pylist(), strict=True),
        apart=apart,
        facts=facts,
        sure=sure,
    )
    result_table, refused = _refused_to_review(result_table, clusters)
    stats["links"] = links.num_rows + len(sure) - refused
    stats["links_refused"] = refused
    stats["review_pairs"] = sum(1 for o in result_table["outcome"].to_pylist() if o == "review")
    stats["clusters"] = len(set(clusters))
    lap("cluster")
    return LinkResult(
        record_ids=record_ids,
        clusters=clusters,
        pairs=result_table,
        auto_threshold=auto,
        review_threshold=settings.review_threshold,
        stats=stats,
        model=model,
        candidates=candidates,
        facts=facts if settings.keep_candidates else None,
    )


def _refused_to_review(pairs: pa.Table, clusters: list[int]) -> tuple[pa.Table, int]:
    """``pairs`` with every automatic link whose two records clustering kept apart
    (their records contradict each other elsewhere: clusters.py) turned into a pair for
    review, and how many there were: the model is sure of the pair, the facts are not,
    and a person decides."""
    if pairs.num_rows == 0:
        return pairs, 0
    where = pa.array(clusters, type=pa.int64())
    apart = pc.not_equal(pc.take(where, pairs["a"]), pc.take(where, pairs["b"]))
    refused = pc.and_(pc.equal(pairs["outcome"], "link"), apart)
    count = pc.sum(refused).as_py() or 0
    if not count:
        return pairs, 0
    outcome = pc.if_else(refused, "review", pairs["outcome"])
    index = pairs.schema.get_field_index("outcome")
    return pairs.set_column(index, "outcome", outcome), int(count)


def record_facts(table: pa.Table) -> RecordFacts:
    """The facts clustering checks (``clusters.RecordFacts``) from the prepared records:
    resident ID, birth range in days, sex."""

    def days(column: str) -> list[int | None]:
        return [d.toordinal() if d is not None else None for d in table[column].to_pylist()]

    return RecordFacts(
        resident_id=table["rid"].to_pylist(),
        birth_lo=days("birth_lo"),
        birth_hi=days("birth_hi"),
        sex=table["sex"].to_pylist(),
    )


def _raised_threshold(engine: Engine, settings: LinkSettings) -> float:
    """The automatic threshold, raised if reviewers found the links too loose.

    Only decisions on pairs put to the reviewer as links count (``Decision.proposed``:
    automatic links, a desk's proposed links), at least ``min_decisions`` of them: a
    fair sample of the links. If fewer than 99 % of them are "same", the threshold
    becomes the lowest probability of the model (as it scores them now) above which
    they are. Decisions on doubtful pairs do not count: they are the hard cases, not a
    sample of the links (the links clustering refused, put to review for their
    contradicting records, are scored above the threshold), and the model, which has
    just learnt from them, scores them higher than before. Counted too, they made a
    reviewer working down the review file of a 20,000-row list (38 of 1,000 pairs
    "different") raise the threshold to 0.9999, cluster F1 0.80 -> 0.78 instead of
    0.84; at 100,000 rows, 2,000 pairs decided from the top, 0.77 -> 0.51 instead of
    0.80."""
    rows = engine.rows(
        "SELECT s.model_probability, d.same FROM scored s JOIN decided d "
        "ON s.a = d.unique_id_l AND s.b = d.unique_id_r WHERE d.proposed "
        "ORDER BY s.model_probability DESC"
    )
    if len(rows) < settings.min_decisions:
        return settings.auto_threshold
    best = 1.0
    same = 0
    for i, (probability, is_same) in enumerate(rows, start=1):
        same += bool(is_same)
        if same / i >= 0.99:
            best = float(probability)
    if same / len(rows) >= 0.99:
        return settings.auto_threshold
    return max(settings.auto_threshold, best)
