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

import duckdb
from splink import Linker
from splink.internals.duckdb.database_api import DuckDBAPI

__all__ = ["estimate_lambda", "score_candidates", "sql_probability"]

_ITERATIONS = 30
_TOLERANCE = 1e-4  # relative change of lambda between two rounds


def _bits(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def sql_probability(weight: str, lam: float) -> str:
    """SQL for the match probability of evidence ``weight`` (bits) at share ``lam``."""
    return f"(1.0 / (1.0 + pow(2.0, -(({weight}) + {_bits(lam)!r}))))"


def score_candidates(
    api: DuckDBAPI,
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    blocked: str,
    target: str,
) -> None:
    """Score the pairs of table ``blocked`` (Splink's blocked-pairs layout) into the
    table ``target(a, b, w)``."""
    con.execute(f"CREATE OR REPLACE TABLE {target} (a BIGINT, b BIGINT, w DOUBLE)")
    ((count,),) = con.execute(f"SELECT count(*) FROM {blocked}").fetchall()  # noqa: S608
    if count == 0:
        return
    lam = float(linker._settings_obj._probability_two_random_records_match)
    table = api.register(blocked, table_name=f"{blocked}_for_predict")
    linker.table_management.register_blocked_pairs_for_predict(table)
    predictions = linker.inference.predict(warning_mode="never")
    con.execute(
        f"INSERT INTO {target} SELECT unique_id_l, unique_id_r, match_weight - {_bits(lam)!r} "  # noqa: S608
        f"FROM {predictions.physical_name}"
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    api.delete_table_from_database(f"{blocked}_for_predict")


def estimate_lambda(con: duckdb.DuckDBPyConnection, evidence: str, n_records: int) -> float:
    """The share of all pairs of ``n_records`` that match, by EM over ``evidence``."""
    total = n_records * (n_records - 1) / 2
    if total <= 0:
        return 0.5
    lam = min(0.5, 1.0 / max(n_records, 2))
    for _ in range(_ITERATIONS):
        ((expected,),) = con.execute(
            f"SELECT coalesce(sum({sql_probability('w', lam)}), 0) FROM {evidence}"  # noqa: S608
        ).fetchall()
        new = min(max(float(expected) / total, 1e-12), 0.5)
        if abs(new - lam) <= _TOLERANCE * lam:
            return new
        lam = new
    return lam
