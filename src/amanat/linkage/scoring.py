"""Scoring the candidate pairs, and the share of pairs that match.

Splink scores every candidate pair with the trained m and u: its *evidence* is the sum
of the match weights of its comparison levels (log2 of m/u). What the evidence means
depends on how many pairs match at all: among the 5 x 10^11 pairs of a million
records, a few hundred thousand. That share (lambda) is estimated here on the list
itself, by expectation maximisation with m and u held fixed: lambda is the expected
number of matches among the candidates (each pair's probability under the current
lambda, summed) over all pairs, repeated until it settles. Pairs blocking left out
count as non-matches; blocking recall is above 0.99 on generated data, so the error
is small and on the side of caution. The estimate starts from a prior worth one pair
(``PRIOR_SHARE``: one row in twenty has another of the same person), which a list of
a few rows needs: its few pairs would otherwise vouch for themselves.

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

__all__ = [
    "NAME_FREQUENCIES",
    "estimate_lambda",
    "evidence_for",
    "register_name_frequencies",
    "score_candidates",
    "sql_probability",
]

_ITERATIONS = 30
_TOLERANCE = 1e-4  # relative change of lambda between two rounds
# Before a list is read, the share of its rows that have another row of the same person
# in it: one in twenty. It weighs as one pair (``estimate_lambda``).
PRIOR_SHARE = 0.05
NAME_FREQUENCIES = "tf_name_block_for_splink"  # the table Splink reads them from


def _bits(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def sql_probability(weight: str, lam: float) -> str:
    """SQL for the match probability of evidence ``weight`` (bits) at share ``lam``."""
    return f"(1.0 / (1.0 + pow(2.0, -(({weight}) + {_bits(lam)!r}))))"


def evidence_for(probability: float, lam: float) -> float:
    """The evidence (bits) at which a pair's probability is ``probability`` at share
    ``lam``: the inverse of ``sql_probability``."""
    return _bits(probability) - _bits(lam)


def register_name_frequencies(
    api: DatabaseAPISubClass, linker: Linker, engine: Engine, records: str, n: int, u: float
) -> None:
    """How common each name sound is, for Splink's term-frequency adjustment of the
    "same sound" level, counted in the list and smoothed towards the level's u.

    Splink's own frequency is count / n, which a small list gets wrong: a name its two
    records share is 2 / n of the list (1.0 of a list of two), far above the u of
    "same sound" (about 1 in 19,000 pairs), so every name alike counted *against* a
    match below some 40,000 rows: two rows "Серікжан Білаш" and "Serikzhan Bilash"
    came out as two persons. Here the frequency is count / (n - 1 + 1/u): the list's
    count among its other rows, as if 1/u more rows of a population in which the name
    is as common as an average one (one of them with this name) were added. A name
    shared by few rows of a small list is then about as rare as an average name; in a
    list of a million it is the list's own count, as before (within 2 %). ``u``: that
    level's u in the model the pairs are scored with."""
    spread = n - 1 + 1.0 / max(float(u), 1e-9)
    engine.create(
        "tf_name_block",
        f"SELECT name_block, CAST(count(*) AS DOUBLE) / {spread!r} AS tf_name_block "  # noqa: S608
        f"FROM {records} WHERE name_block IS NOT NULL GROUP BY name_block",
    )
    table = engine.for_splink(api, "tf_name_block", NAME_FREQUENCIES)
    linker.table_management.register_term_frequency_lookup(table, "name_block")


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
    # One pair more than the list shows, among (n - 1) / PRIOR_SHARE pairs more: the
    # share a list of a few rows would otherwise set at what its few pairs say of
    # themselves (two rows "Serik Turgan" and "Serik Bilash", born 1974, a link at
    # 0.987 by a share of 0.5); a long list's own pairs outweigh it.
    pseudo = (n_records - 1) / PRIOR_SHARE
    rows = engine.arrow(f"SELECT w, count(*) AS n FROM {evidence} GROUP BY w")  # noqa: S608
    weights = pc.cast(rows["w"], pa.float64())
    counts = pc.cast(rows["n"], pa.float64())
    lam = min(0.5, 1.0 / max(n_records, 2))
    for _ in range(_ITERATIONS):
        # each pair's probability of matching at share lam (sql_probability), summed
        odds = pc.power(2.0, pc.negate(pc.add(weights, _bits(lam))))
        expected = pc.sum(pc.divide(counts, pc.add(odds, 1.0))).as_py() or 0.0
        new = min(max((float(expected) + 1.0) / (total + pseudo), 1e-12), 0.5)
        if abs(new - lam) <= _TOLERANCE * lam:
            return new
        lam = new
    return lam
