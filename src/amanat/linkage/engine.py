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

from typing import Any, Protocol

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from splink import DuckDBAPI
from splink.internals.database_api import DatabaseAPISubClass
from splink.internals.splink_dataframe import SplinkDataFrame

from amanat.linkage.dialect import DUCKDB, SPARK, Dialect

__all__ = ["DUCKDB", "SPARK", "Dialect", "DuckDBEngine", "Engine"]


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
