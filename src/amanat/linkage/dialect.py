"""The SQL the two linkage engines write differently (``engine.py``): DuckDB in this
process, Spark for a list that outgrows one machine.

Kept apart from the engines so that the blocking rules, and the settings that name
them, load without DuckDB, Arrow or Splink: a desk command that never links does not
pay for them at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DUCKDB", "SPARK", "Dialect"]


@dataclass(frozen=True)
class Dialect:
    """The functions the two engines write differently, as SQL text of their
    arguments (SQL expressions)."""

    name: Literal["duckdb", "spark"]

    def hash(self, *parts: str) -> str:
        """A 64-bit hash of the parts together."""
        return f"{'hash' if self.name == 'duckdb' else 'xxhash64'}({', '.join(parts)})"

    def unnest(self, array: str) -> str:
        """One row per element of ``array`` (in a SELECT list)."""
        return f"{'unnest' if self.name == 'duckdb' else 'explode'}({array})"

    def positions(self, text: str) -> str:
        """One row per position 0 .. length - 1 of a non-empty ``text``."""
        if self.name == "duckdb":
            return f"unnest(range(length({text})))"
        return f"explode(sequence(0, length({text}) - 1))"

    def array(self, *items: str) -> str:
        """A list of the items."""
        inner = ", ".join(items)
        return f"[{inner}]" if self.name == "duckdb" else f"array({inner})"

    def later(self, date: str, days: int) -> str:
        """The date ``days`` after ``date``."""
        return f"({date} + {days})" if self.name == "duckdb" else f"date_add({date}, {days})"

    def overlap(self, a: str, b: str) -> str:
        """The two lists share an element."""
        return f"{'list_has_any' if self.name == 'duckdb' else 'arrays_overlap'}({a}, {b})"

    def size(self, array: str) -> str:
        return f"{'len' if self.name == 'duckdb' else 'size'}({array})"

    def similarity(self, a: str, b: str) -> str:
        """Jaro-Winkler similarity: DuckDB's own; on Spark, ``amanat_jaro_winkler``,
        the function ``spark.py`` registers to give exactly DuckDB's values (Splink's
        own Spark function gives others: 0.918 against 0.924 for 'shalkauly
        toktarkhan' and 'shalkar toktarkhan', either side of a level's 0.92)."""
        if self.name == "duckdb":
            return f"jaro_winkler_similarity({a}, {b})"
        return f"amanat_jaro_winkler({a}, {b})"

    def differing(self, a: str, b: str) -> str:
        """How many places two texts of one length differ in (Hamming distance)."""
        if self.name == "duckdb":
            return f"hamming({a}, {b})"
        return (
            f"size(filter(sequence(1, length({a})), i -> substr({a}, i, 1) <> substr({b}, i, 1)))"
        )

    def days(self, start: str, end: str) -> str:
        """Days from the date ``start`` to the date ``end``."""
        if self.name == "duckdb":
            return f"date_diff('day', {start}, {end})"
        return f"datediff({end}, {start})"

    def month(self, date: str) -> str:
        """The year and month of a date as text (2018-04)."""
        if self.name == "duckdb":
            return f"strftime({date}, '%Y-%m')"
        return f"date_format({date}, 'yyyy-MM')"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
