"""Linking on Spark against linking on DuckDB, on the same generated lists.

For each ``--records`` size, a population from ``benchmarks/population.py`` (seed
``--seed``) is linked in a fresh child process on each engine, with the same settings:

* ``duckdb``: ``amanat.linkage.link_columns`` as shipped;
* ``spark``: the same, on ``amanat.linkage.spark.spark_engine`` with a local master of
  ``--threads`` threads (Spark in one Java process on this machine, as on one worker
  of a cluster).

Each child reports its seconds per stage and in all (generating the population is not
counted; starting Spark is), its peak memory (the Python process's ``ru_maxrss``, plus
for Spark the Java process's peak, ``VmHWM``), and cluster precision, recall and F1
against the truth. The parent prints both, the ratio of their times, and whether the
two engines put every record in the same cluster (training samples pairs at random,
and the engines draw different ones: ``agreement_f1`` scores one engine's clusters
against the other's).

    python benchmarks/linkage_spark.py [--records 10000 100000] [--threads 2]

Spark on one machine is not what it is for: it runs each of linking's steps as jobs
of tasks, and their fixed cost dominates a small list. The figure that matters is
that the results are the same; the ratio says what Spark costs where DuckDB would do.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from amanat.linkage import LinkSettings, link_columns
from amanat.linkage.evaluation import cluster_scores
from amanat.linkage.spark import SparkEngine, spark_engine
from population import generate


def _java_peak_mib(engine: SparkEngine) -> float:
    """The peak resident memory of Spark's Java process (VmHWM), in MiB."""
    pid = engine.spark.sparkContext._gateway.proc.pid  # type: ignore[union-attr]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(records: int, seed: int, engine: str, threads: int, memory: str) -> dict[str, Any]:
    population = generate(records, seed=seed)
    persons = population.columns.pop("person_id")
    settings = LinkSettings(threads=threads, workers=threads, memory_limit=memory)
    start = time.perf_counter()
    java = 0.0
    if engine == "spark":
        with spark_engine(f"local[{threads}]", memory=memory) as on_spark:
            result = link_columns(population.columns, settings=settings, engine=on_spark)
            java = _java_peak_mib(on_spark)
    else:
        result = link_columns(population.columns, settings=settings)
    seconds = time.perf_counter() - start
    scores, _ = cluster_scores(result.clusters, persons)
    return {
        "engine": engine,
        "records": records,
        "seconds": round(seconds, 1),
        "stages": {k: v for k, v in result.stats.items() if k.startswith("seconds_")},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + java),
        "cluster": scores.as_dict(),
        "clusters": result.clusters,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--child", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n = args.records[0]
        print(json.dumps(child(n, args.seed, args.child, args.threads, args.memory)))
        return 0
    rows = []
    print(f"{'records':>9} {'engine':>7} {'seconds':>8} {'block':>7} {'train':>7} "
          f"{'score':>7} {'peak MiB':>9} {'cl P':>7} {'cl R':>7} {'cl F1':>7}")  # fmt: skip
    for n in args.records:
        found = {}
        for engine in ("duckdb", "spark"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", engine, "--records", str(n),
                 "--seed", str(args.seed), "--threads", str(args.threads),
                 "--memory", args.memory],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            found[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            r, s, c = found[engine], found[engine]["stages"], found[engine]["cluster"]
            print(
                f"{n:>9,} {engine:>7} {r['seconds']:8.1f} {s['seconds_block']:7.1f} "
                f"{s['seconds_train']:7.1f} {s['seconds_score']:7.1f} {r['peak_rss_mib']:>9,} "
                f"{c['precision']:7.4f} {c['recall']:7.4f} {c['f1']:7.4f}",
                flush=True,
            )
        here, there = found["duckdb"].pop("clusters"), found["spark"].pop("clusters")
        # the pairs of records the engines put together, the one's against the other's
        agreement = cluster_scores(there, here)[0].f1
        ratio = found["spark"]["seconds"] / max(found["duckdb"]["seconds"], 0.1)
        print(
            f"{n:>9,} records: Spark takes {ratio:.1f}x DuckDB's time; the same clusters: "
            f"{here == there} (agreement F1 {agreement:.4f})"
        )
        rows.append({"records": n, "same_clusters": here == there, "agreement_f1": agreement,
                     "time_ratio": round(ratio, 2), "duckdb": found["duckdb"],
                     "spark": found["spark"]})  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
