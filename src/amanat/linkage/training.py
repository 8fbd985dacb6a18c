"""Training the model on the list itself, with Splink.

- u (how often each comparison level occurs between two different persons) by random
  sampling of pairs;
- m (how often between two records of one person) by expectation maximisation on the
  blocking rules of ``model.EM_BLOCKING_RULES``, and from the pairs a reviewer decided
  "same" when there are enough of them;
- a session Splink cannot finish (no pair for its rule; an m it refuses as too small)
  teaches nothing, and the model goes on as it was before it;
- then *floors*: a level never seen among the training pairs would otherwise get a
  probability of zero (or none), and one disagreement there (a county written
  differently, a sex left out) would veto a link that everything else supports.

The share of pairs that match (Splink's ``probability_two_random_records_match``) is
not trained here but on the scored pairs (``scoring.py``).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from splink import Linker, SettingsCreator
from splink.internals.exceptions import EMTrainingException
from splink.internals.splink_dataframe import SplinkDataFrame

from amanat.linkage.engine import DUCKDB, Dialect
from amanat.linkage.model import EM_BLOCKING_RULES, PRIOR, comparisons

__all__ = ["M_FLOOR", "U_FLOOR", "new_linker", "prior_model", "train_model", "with_floors"]

# The least m and u a level keeps after training. m: one record of a person in 500
# may differ anywhere; u: below one random pair in ten million a level is "never
# seen" in a sample of 10^6 pairs, not impossible.
M_FLOOR = 0.002
U_FLOOR = 1e-7


def prior_model(dialect: Dialect = DUCKDB) -> dict[str, Any]:
    """The built-in model: the comparisons of ``model.py`` (in the SQL of ``dialect``)
    with the m and u of ``model.PRIOR``, as a Splink model dictionary."""
    return with_floors(
        {
            "link_type": "dedupe_only",
            "comparisons": comparisons(PRIOR, dialect),
            "retain_matching_columns": False,
            "retain_intermediate_calculation_columns": False,
            "em_convergence": 0.001,
            "max_iterations": 20,
            "probability_two_random_records_match": 1e-4,
        }
    )


def new_linker(
    records: SplinkDataFrame, model: dict[str, Any] | None = None, dialect: Dialect = DUCKDB
) -> Linker:
    """A Splink linker on the registered ``records`` with ``model`` (a Splink model
    dictionary; the built-in model in the SQL of ``dialect`` by default: training
    starts from it)."""
    settings = copy.deepcopy(model) if model is not None else prior_model(dialect)
    # Splink's own switch: its messages (SQL and training notes, never values) at
    # ERROR only, on its own logger, without touching the application's logging.
    return Linker(records, SettingsCreator.from_path_or_dict(settings), log_level=logging.ERROR)


def train_model(
    records: SplinkDataFrame,
    *,
    n: int,
    u_pairs: float,
    em_pairs: float,
    seed: int,
    labels: str | None = None,
    dialect: Dialect = DUCKDB,
) -> dict[str, Any]:
    """The trained model as a Splink model dictionary, floors applied. ``labels`` names
    a table (unique_id_l, unique_id_r) of pairs known to be one person."""
    linker = new_linker(records, dialect=dialect)
    training = linker.training
    training.estimate_u_using_random_sampling(
        max_pairs=max(1.0, min(u_pairs, n * (n - 1) / 2)), seed=seed
    )
    for rule in EM_BLOCKING_RULES:
        before = linker.misc.save_model_to_json()
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=em_pairs
            )
        except (EMTrainingException, ValueError) as exc:
            # EMTrainingException: a small list may have no pair for a rule.
            # ValueError: Splink refuses an m that EM drove towards zero, below 1e-300
            # (a level all but never seen among the rule's matches: a list linked with
            # a desk whose persons alone have a field), though the floors below would
            # raise it. Either way the session has changed the model it was training
            # in place (it drops the rule's own comparisons from it), so training goes
            # on from the model as it was before: this rule teaches nothing.
            if isinstance(exc, ValueError) and "minimum allowed" not in str(exc):
                raise
            linker = new_linker(records, before, dialect)
            training = linker.training
    if labels is not None:
        training.estimate_m_from_pairwise_labels(labels)  # type: ignore[no-untyped-call]
    return with_floors(linker.misc.save_model_to_json())


def with_floors(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with every level's m and u at least ``M_FLOOR`` and ``U_FLOOR`` (each
    comparison's m and u summing to 1 again), and no level worth more than the one
    above it: the levels are written strongest first, and a level seldom seen among
    random pairs (an ID mistyped in one digit: u at the floor) must not outweigh the
    agreement it falls short of."""
    out = copy.deepcopy(model)
    for comparison in out["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [max(float(lv.get(key) or 0.0), floor) for lv in levels]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
        ceiling = float("inf")
        for level in levels:
            m, u = level["m_probability"], level["u_probability"]
            if m / u > ceiling:
                level["u_probability"] = m / ceiling
            ceiling = min(ceiling, level["m_probability"] / level["u_probability"])
    return out
