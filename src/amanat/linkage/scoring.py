"""Scoring the candidate pairs, and the share of pairs that match.

Splink scores every candidate pair with the trained m and u: its *evidence* is the sum
of the match weights of its comparison levels (log2 of m/u). What the evidence means
depends on how many pairs match at all: among the 5 x 10^11 pairs of a million
records, a few hundred thousand. That share (lambda) is estimated here on the list
itself, by expectation maximisation with m and u held fixed: lambda is the expected
number of matches among the candidates (each pair's probability under the current
lambda, summed) over all pairs, repeated until it settles. Pairs blocking left out
count as non-matches; blocking recall is above 0.99 on generated data, so the error
is small and on the side of caution.

The result is the table ``evidence(a, b, w)`` (a < b record positions, w the evidence
in bits), the estimated lambda, and ``probability(w, lambda)``.

SQL here is put together from this module's constants, table names it chose and
numbers it computed, never from a record's text (hence the ``noqa: S608``).
"""

from __future__ import annotations

import math

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from splink import Linker
from splink.internals.database_api import DatabaseAPISubClass

from amanat.linkage.engine import Engine

__all__ = ["estimate_lambda", "score_candidates", "sql_probability"]

_ITERATIONS = 30
_TOLERANCE = 1e-4  # relative change of lambda between two rounds


def _bits(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def sql_probability(weight: str, lam: float) -> str:
    """SQL for the match probability of evidence ``weight`` (bits) at share ``lam``."""
    return f"(1.0 / (1.0 + pow(2.0, -(({weight}) + {_bits(lam)!r}))))"


def score_candidates(
    api: DatabaseAPISubClass,
    linker: Linker,
    engine: Engine,
    blocked: str,
    target: str,
) -> None:
    """Score the pairs of table ``blocked`` (Splink's blocked-pairs layout) into the
    table ``target(a, b, w)``."""
    ((count,),) = engine.rows(f"SELECT count(*) FROM {blocked}")  # noqa: S608
    if count == 0:
        engine.create(
            target,
            "SELECT CAST(NULL AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, "
            "CAST(NULL AS DOUBLE) AS w WHERE 1 = 0",
        )
        return
    lam = float(linker._settings_obj._probability_two_random_records_match)
    table = engine.for_splink(api, blocked, f"{blocked}_for_predict")
    linker.table_management.register_blocked_pairs_for_predict(table)
    predictions = linker.inference.predict(warning_mode="never")
    engine.create(
        target,
        "SELECT unique_id_l AS a, unique_id_r AS b, "  # noqa: S608
        f"match_weight - {_bits(lam)!r} AS w FROM {predictions.physical_name}",
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    api.delete_table_from_database(f"{blocked}_for_predict")


def estimate_lambda(engine: Engine, evidence: str, n_records: int) -> float:
    """The share of all pairs of ``n_records`` that match, by EM over ``evidence``.

    The pairs' evidence is read once, as each distinct value and how many pairs have
    it (a few thousand values: pairs alike in every comparison have the same), and the
    rounds run here: one query, however many rounds, on any engine."""
    total = n_records * (n_records - 1) / 2
    if total <= 0:
        return 0.5
    rows = engine.arrow(f"SELECT w, count(*) AS n FROM {evidence} GROUP BY w")  # noqa: S608
    weights = pc.cast(rows["w"], pa.float64())
    counts = pc.cast(rows["n"], pa.float64())
    lam = min(0.5, 1.0 / max(n_records, 2))
    for _ in range(_ITERATIONS):
        # each pair's probability of matching at share lam (sql_probability), summed
        odds = pc.power(2.0, pc.negate(pc.add(weights, _bits(lam))))
        expected = pc.sum(pc.divide(counts, pc.add(odds, 1.0))).as_py() or 0.0
        new = min(max(float(expected) / total, 1e-12), 0.5)
        if abs(new - lam) <= _TOLERANCE * lam:
            return new
        lam = new
    return lam
