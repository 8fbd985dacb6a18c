"""Where linking runs: the SQL engine under blocking, scoring and the three outcomes.

Linking is SQL over the prepared records (``prepare.py``) and Splink's model over the
candidate pairs. The SQL runs on one of two engines:

- **DuckDB** in this process (``DuckDBEngine``, the default): a million records in
  about two and a half minutes on two cores (``docs/performance.md``);
- **Spark** on a cluster, or on this machine (``amanat.linkage.spark``), for a list
  that outgrows one machine. Splink runs on both.

The two speak different SQL. ``Dialect`` writes the few functions that differ (hashing,
unnesting a list, lists overlapping, Jaro-Winkler, the days between two dates); the
rest of the SQL in ``blocking.py``, ``model.py``, ``scoring.py`` and ``link.py`` is
written once, in the SQL both accept. An ``Engine`` makes the tables that SQL reads:
``create`` a table from a query, ``append`` to it, ``load`` one from Arrow, and read
results back as rows or Arrow.

SQL given to an engine is put together from the linkage modules' constants, table
names they chose and numbers they computed, never from a record's text (hence the
``noqa: S608``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from splink import DuckDBAPI
from splink.internals.database_api import DatabaseAPISubClass
from splink.internals.splink_dataframe import SplinkDataFrame

__all__ = ["DUCKDB", "SPARK", "Dialect", "DuckDBEngine", "Engine"]


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


class Engine(Protocol):
    """Tables by name, made from SQL in ``dialect``."""

    dialect: Dialect
    # what the engine raises when a query needs more memory than it may use
    out_of_memory: tuple[type[BaseException], ...]

    def splink(self) -> DatabaseAPISubClass:
        """Splink's database API on this engine."""

    def create(self, name: str, sql: str) -> None:
        """Make (or replace) the table ``name`` from the query ``sql``."""

    def append(self, name: str, sql: str) -> None:
        """Add the rows of the query ``sql`` to the table ``name``."""

    def load(self, name: str, table: pa.Table) -> None:
        """Make (or replace) the table ``name`` from an Arrow table."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of a query."""

    def arrow(self, sql: str) -> pa.Table:
        """The rows of a query as an Arrow table."""

    def drop(self, *names: str) -> None:
        """Drop tables (and views) that may not exist."""

    def for_splink(self, api: DatabaseAPISubClass, name: str, as_name: str) -> SplinkDataFrame:
        """The table ``name`` registered with Splink as ``as_name``."""


class DuckDBEngine:
    """The engine on a DuckDB connection in this process."""

    dialect = DUCKDB
    out_of_memory: tuple[type[BaseException], ...] = (duckdb.OutOfMemoryException,)

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def splink(self) -> DatabaseAPISubClass:
        return DuckDBAPI(self.con)

    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def append(self, name: str, sql: str) -> None:
        self.con.execute(f"INSERT INTO {name} {sql}")

    def load(self, name: str, table: pa.Table) -> None:
        self.con.register("_amanat_arrow", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _amanat_arrow")  # noqa: S608
        finally:
            self.con.unregister("_amanat_arrow")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def for_splink(self, api: DatabaseAPISubClass, name: str, as_name: str) -> SplinkDataFrame:
        return api.register(name, table_name=as_name)
