"""How to link (``LinkSettings``) and what a reviewer decided (``Decision``).

Apart from ``link.py`` so that a desk, which names them in its own settings and
signatures, loads them without DuckDB, Arrow or Splink; those load when a desk first
links (``desk/duplicates.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from amanat.errors import InputError, UsageError
from amanat.linkage.blocking import DEFAULT_CAPS

__all__ = ["Decision", "LinkSettings", "Outcome", "Verdict"]

Verdict = Literal["same", "different", "unsure"]
Outcome = Literal["link", "review", "no_link"]
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT])(i?)B", re.IGNORECASE)
# DuckDB needs a few megabytes to start at all (0KB failed inside connect), and reads no
# size above 16 EiB (99999999999999TB was a ParserException); no machine has 1 PB.
_MEMORY_RANGE = (10**7, 10**15)


def _memory_bytes(text: str) -> float | None:
    """'6GB' -> 6e9, '4GiB' -> 4 * 2**30; None for what is not a size."""
    found = _MEMORY.fullmatch(text.strip())
    if found is None:
        return None
    number, unit, binary = found.groups()
    power = "KMGT".index(unit.upper()) + 1
    return float(number) * float((1024 if binary else 1000) ** power)


@dataclass(frozen=True)
class Decision:
    """A reviewer's verdict on two records (by their record ids).

    ``proposed``: the pair was put to the reviewer as a link (an automatic link, a
    desk's proposed link), not as a doubtful pair. Decisions on links are a fair sample
    of them and check the automatic threshold (``_raised_threshold``); decisions on
    doubtful pairs are not, and do not."""

    record_a: str
    record_b: str
    verdict: Verdict
    proposed: bool = False

    def __post_init__(self) -> None:
        if self.verdict not in ("same", "different", "unsure"):
            raise InputError("a decision is same, different or unsure.")
        if self.record_a == self.record_b:
            raise InputError("a decision is about two different records.")


@dataclass(frozen=True)
class LinkSettings:
    """How to link. Thresholds are match probabilities; ``review_threshold`` may equal
    ``auto_threshold`` (no review band: only the links clustering refused, whose records
    contradict each other, are then left for review)."""

    # the lowest automatic threshold whose links stayed >= 99% right, pairwise and as
    # clusters (records that contradict each other kept apart), at 100,000 and
    # 1,000,000 generated records (docs/performance.md)
    auto_threshold: float = 0.97
    review_threshold: float = 0.5
    caps: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CAPS))
    threads: int = 2  # DuckDB's
    workers: int = 1  # processes keying names (spawned; 2 halves keying on two cores)
    # DuckDB's, which linking a million generated records stays within (6.6 GB for the
    # whole process at its peak, 7.1 GB with 6GB: it keeps what it may; docs/performance.md)
    memory_limit: str = "5GB"
    # a list with fewer records is scored with the built-in model (model.PRIOR): too few
    # pairs share an ID or a name and birth date for EM to learn from
    train_from: int = 5000
    u_sample_pairs: float = 2e6  # pairs sampled for u
    em_max_pairs: float = 2e6  # pairs each EM session learns from, at most
    seed: int = 6
    min_decisions: int = 20  # "same" decisions needed before they train m
    keep_candidates: bool = False  # keep the blocked pairs (for the benchmark)
    # the record ids of records never compared with one another, only with the rest:
    # a desk's persons, whose own duplicates the desk's review decides (amanat link
    # --desk), joined only through the records of a list
    apart: frozenset[str] = frozenset()
    # two records with a pair of this probability or more with one third record are
    # compared too (blocking.through_pairs), through third records with at most
    # through_cap such pairs; None: not. At 1,000,000 generated records: 2.9 million
    # more pairs, 10,770 more of the true ones (blocking recall 0.975 -> 0.985), 5 %
    # more time (docs/performance.md)
    through_threshold: float | None = 0.05
    through_cap: int = 50

    def __post_init__(self) -> None:
        if not 0.0 < self.review_threshold <= self.auto_threshold <= 1.0:
            raise UsageError(
                "The thresholds must satisfy 0 < review threshold <= automatic threshold "
                "<= 1; change them and run again."
            )
        if self.through_threshold is not None and not 0.0 < self.through_threshold < 1.0:
            raise UsageError(
                "The threshold for pairs through a third record must be between 0 and 1."
            )
        if not 1 <= self.threads <= 256 or not 1 <= self.workers <= 256:
            raise UsageError("The number of threads must be between 1 and 256.")
        size = _memory_bytes(self.memory_limit)
        if size is None:
            raise UsageError("The memory limit is a size such as 4GB or 500MB.")
        if not _MEMORY_RANGE[0] <= size <= _MEMORY_RANGE[1]:
            raise UsageError(
                "The memory limit %(limit)s is out of range: give a size from 10MB to what "
                "this machine has, such as 4GB.",
                limit=self.memory_limit.strip(),
            )
