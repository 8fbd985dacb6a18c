"""Linking on Spark, for a list that outgrows one machine.

``spark_engine`` starts (or joins) a Spark session and gives the ``engine.Engine`` that
``link.link_columns`` runs its SQL on: the same blocking rules, the same model and the
same three outcomes as on DuckDB, written in Spark's SQL by ``engine.SPARK``. Names
are compared with ``jaro_winkler``, a Python function over Arrow that gives exactly
DuckDB's values (Splink's own Spark function, from the jar Splink ships and loaded
here for Splink's sake, gives others); Spark's workers run it, so each needs Amanat
installed in the Python Spark runs there.

What runs where:

- preparing the records (reading names in every script, dates, places) runs in this
  process, as on DuckDB, and the prepared table goes to Spark once;
- blocking, training, scoring and the three outcomes run on Spark;
- clustering the automatic links runs in this process (a few links per record).

On one's own machine ``local[N]`` runs Spark in this process's Java with N threads;
on a cluster, the master's address (``spark://host:7077``) sends the work to its
workers. Spark must write what it shuffles between stages to local disks (its
``spark.local.dir``): those files hold the records' prepared names and dates. Spark's
I/O encryption is turned on, so they are encrypted with a key kept in memory for the
run; here they also go to a private directory that is deleted when the session ends.
On a cluster, each worker's disks should still be encrypted, as the threat model asks
of every disk that holds personal data (``docs/guide/linkage.md``). Spark's web interface
is turned off, and its log is kept to errors.

SQL here is put together from the linkage modules' constants, table names they chose
and numbers they computed, never from a record's text.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from py4j.protocol import Py4JError  # type: ignore[import-untyped]
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.functions import arrow_udf
from rapidfuzz.distance import JaroWinkler
from splink import SparkAPI
from splink.backends.spark import similarity_jar_location
from splink.internals.database_api import DatabaseAPISubClass
from splink.internals.splink_dataframe import SplinkDataFrame

from amanat.errors import UsageError
from amanat.linkage.engine import SPARK

__all__ = ["SparkEngine", "jaro_winkler", "spark_engine"]

_LOG_CONFIG = Path(__file__).resolve().parent / "data" / "spark-log4j2.properties"
_SIZE = re.compile(r"(\d+)(?:\.\d+)?\s*([KMGT])i?B", re.IGNORECASE)
_LOCAL = re.compile(r"local(\[(\d+|\*)(,\d+)?\])?")
_ON_THIS_MACHINE = re.compile(r"spark://(127\.0\.0\.1|localhost)(:\d+)?")


class SparkEngine:
    """The engine on a Spark session: each table a temporary view of a DataFrame
    checkpointed in the executors' memory."""

    dialect = SPARK
    # Spark reports a lack of memory as any other failed job: spark_engine says so
    out_of_memory: tuple[type[BaseException], ...] = ()

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._tables: dict[str, DataFrame] = {}
        self._old: list[DataFrame] = []
        spark.udf.register("amanat_jaro_winkler", arrow_udf(jaro_winkler, "double"))  # type: ignore[call-overload]

    def splink(self) -> DatabaseAPISubClass:
        # A new API for each list linked (it names the tables it registered). Persist:
        # Splink keeps its intermediate tables in Spark's memory (spilling to the
        # private local directory), never as Parquet files of its own.
        return SparkAPI(spark_session=self.spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]

    def _keep(self, name: str, frame: DataFrame) -> None:
        # Computed at once and cut from what it was made of: a local checkpoint, kept
        # in the executors' memory and spilled to their local disks (encrypted, as
        # everything Spark writes there). Persisting instead kept each table's whole
        # lineage: the plans of blocking's steps nested one in another, and letting go
        # of a persisted table re-planned every table made from it, so that planning
        # cost more than the work (800 records: 143 s on two threads, 42 s now; see
        # docs/performance.md, "Linking on Spark"). A query reads the tables it names as
        # they were when it was written, so replacing a table changes nothing already
        # written; a replaced table is let go at the next ``drop``.
        old = self._tables.get(name)
        if old is not None:
            self._old.append(old)
        frame = frame.localCheckpoint(eager=True)
        self._tables[name] = frame
        frame.createOrReplaceTempView(name)

    def create(self, name: str, sql: str) -> None:
        self._keep(name, self.spark.sql(sql))

    def append(self, name: str, sql: str) -> None:
        added = self.spark.sql(sql)
        self._keep(name, self._tables[name].unionByName(added) if name in self._tables else added)

    def load(self, name: str, table: pa.Table) -> None:
        self._keep(name, self.spark.createDataFrame(table))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(sql).collect()]

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def drop(self, *names: str) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)
            frame = self._tables.pop(name, None)
            if frame is not None:
                _release(frame)
        # and the tables replaced since
        for frame in self._old:
            _release(frame)
        self._old.clear()

    def for_splink(self, api: DatabaseAPISubClass, name: str, as_name: str) -> SplinkDataFrame:
        return api.register(self.spark.table(name), table_name=as_name)


def _release(frame: DataFrame) -> None:
    """Let go of a checkpointed table's blocks now, not when Java's garbage collector
    finds the table unused."""
    plan = frame._jdf.queryExecution().logical()
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(False)


def jaro_winkler(a: pa.Array, b: pa.Array) -> pa.Array:
    """Jaro-Winkler similarity of each pair of texts, exactly as DuckDB's
    ``jaro_winkler_similarity`` (which is rapidfuzz's): null if either is null, 0 for
    two empty texts. Spark calls it on batches of pairs (an Arrow function)."""
    similarity = JaroWinkler.similarity
    return pa.array(
        [
            None if x is None or y is None else similarity(x, y) if x or y else 0.0
            for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True)
        ],
        type=pa.float64(),
    )


def _threads(master: str) -> int:
    """Shuffle partitions for a local master: its threads (local[3] -> 3; local[*] -> 4,
    local -> 1). Spark's default of 200 makes each of linking's many small steps 200
    tasks."""
    found = _LOCAL.fullmatch(master)
    if found is None or found.group(2) is None:
        return 1
    return 4 if found.group(2) == "*" else max(1, int(found.group(2)))


def _java_memory(size: str) -> str:
    """'6GB' (as ``LinkSettings.memory_limit``) as Java writes it: '6g'."""
    found = _SIZE.fullmatch(size.strip())
    if found is None:
        raise UsageError("The memory limit is a size such as 4GB or 500MB.")
    return f"{found.group(1)}{found.group(2).lower()}"


@contextmanager
def spark_engine(
    master: str = "local[2]",
    *,
    memory: str = "4GB",
    scratch: Path | None = None,
) -> Iterator[SparkEngine]:
    """A Spark engine for the master ``master`` (``local[N]``, or a cluster's address
    such as ``spark://host:7077``), its driver given ``memory``; Spark's local files in
    a private directory under ``scratch`` (the system's temporary directory by
    default), deleted at the end. A session already running in this process is used
    as it is, and left running."""
    running = SparkSession.getActiveSession()
    if running is not None:
        yield SparkEngine(running)
        return
    local_dir = tempfile.mkdtemp(prefix="amanat-spark-", dir=scratch)
    builder = (
        SparkSession.builder.master(master)
        .appName("amanat-link")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", _java_memory(memory))
        .config("spark.local.dir", local_dir)
        # what Spark writes to local disks (shuffles, spills, data handed over from
        # Python) is encrypted with a key that lives in memory for this run only
        .config("spark.io.encryption.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_LOG_CONFIG}")
    )
    if _LOCAL.fullmatch(master) or _ON_THIS_MACHINE.fullmatch(master):
        # nothing of this run listens beyond this machine
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
            "spark.driver.host", "127.0.0.1"
        )
    if _LOCAL.fullmatch(master):
        builder = builder.config("spark.sql.shuffle.partitions", str(_threads(master)))
    try:
        spark = builder.getOrCreate()
    except (PySparkException, Py4JError, OSError) as e:
        shutil.rmtree(local_dir, ignore_errors=True)
        raise UsageError(
            "Spark did not start at %(master)s: it needs Java 17 or newer (on Debian: "
            "apt-get install default-jre-headless) and, for a cluster, a master that "
            "answers at that address.",
            master=master,
        ) from e
    spark.sparkContext.setLogLevel("ERROR")
    if spark.sparkContext.pythonExec == "python3":
        # Spark's Python workers (for ``jaro_winkler``) run this Python, with Amanat
        # and its libraries, at the same path on every worker; "python3" is PySpark's
        # default when PYSPARK_PYTHON names none, and would lack them
        spark.sparkContext.pythonExec = sys.executable
    try:
        yield SparkEngine(spark)
    except (PySparkException, Py4JError):
        # Spark has logged what failed (its messages name tables and steps, not
        # values); its Java traceback would tell a user nothing more
        raise UsageError(
            "Spark could not finish linking: its messages above say why. If it ran out "
            "of memory, give it more (--memory) or more workers, and run again."
        ) from None
    finally:
        spark.stop()
        shutil.rmtree(local_dir, ignore_errors=True)
