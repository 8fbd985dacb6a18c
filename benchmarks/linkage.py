"""Record linkage on generated populations with ground truth (issue 6, "Must show").

For each ``--records`` size, a population from ``benchmarks/population.py`` (seed
``--seed``) is linked twice, each time in a fresh child process so that its time and
peak memory are its own:

* ``amanat``: ``amanat.linkage.link_columns`` as shipped (names keyed by
  ``amanat.names``);
* ``anyascii`` (the baseline): the same blocking, comparisons, training and thresholds,
  but names keyed by ``anyascii`` transliteration only (the lower-cased ASCII words,
  their sorted join standing in for every kind of key).

Each child reports, against the population's truth:

* pairwise precision, recall and F1 of the automatic links (``auto_precision`` is the
  pairwise precision: the target is 0.99);
* cluster-level precision, recall and F1 (every pair of records put in one cluster),
  and the share of persons whose records form exactly one cluster;
* blocking recall (true pairs among the pairs scored at all);
* review pairs, and how many of them are true;
* seconds per stage and in all (generating the population is not counted), and peak
  RSS of the child (``ru_maxrss``: Python, Arrow and DuckDB together, the generated
  population included) and its RSS before linking.

Targets: F1 >= 0.95, automatic links at precision >= 0.99, blocking recall >= 0.99,
F1 >= baseline + 0.10; 1,000,000 records within 5 minutes and 8 GB.

    python benchmarks/linkage.py [--records 100000 1000000] [--seed 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from anyascii import anyascii
from splink import DuckDBAPI

from amanat.linkage import LinkSettings, link_columns
from amanat.linkage.clusters import cluster_links
from amanat.linkage.evaluation import (
    blocking_recall,
    cluster_scores,
    pairwise_scores,
    true_pair_count,
)
from amanat.linkage.prepare import prepare_records
from amanat.linkage.training import train_model
from amanat.names import NameKey, name_keys
from population import generate

_WORD = re.compile(r"[a-z0-9]+")
METHODS = ("amanat", "anyascii")
# automatic thresholds tried on the same scores (the figures for choosing the default)
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.999)


def anyascii_keys(text: str) -> tuple[NameKey, ...]:
    """The baseline's name keys: anyascii's transliteration, lower-cased, split into
    words; the sorted words stand in for the phonetic and core keys too."""
    words = _WORD.findall(anyascii(text).lower())
    if not words:
        return ()
    full, ordered = " ".join(words), " ".join(sorted(words))
    keys = [NameKey("full", full), NameKey("sorted", ordered), NameKey("core", ordered)]
    keys += [NameKey("phonetic", ordered), NameKey("pcore", ordered)]
    keys += [NameKey(kind, w) for w in words for kind in ("token", "ptoken") if len(w) >= 2]
    return tuple(dict.fromkeys(keys))


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(records: int, seed: int, method: str, threads: int, memory: str) -> dict[str, object]:
    """Generate, link and score one population; the figures as a dictionary."""
    start = time.perf_counter()
    population = generate(records, seed=seed)
    generated = time.perf_counter() - start
    persons = population.columns.pop("person_id")
    ids: dict[str, int] = {}
    truth = [ids.setdefault(p, len(ids)) for p in persons]
    del persons
    rss_before = _rss_mib()
    start = time.perf_counter()
    result = link_columns(
        population.columns,
        settings=LinkSettings(
            threads=threads, workers=threads, memory_limit=memory, keep_candidates=True
        ),
        keyer=anyascii_keys if method == "anyascii" else name_keys,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    true_pairs = true_pair_count(truth)
    pairs = result.pairs
    outcome = pairs["outcome"].to_pylist()
    a, b = pairs["a"].to_pylist(), pairs["b"].to_pylist()
    links = [(x, y) for x, y, o in zip(a, b, outcome, strict=True) if o == "link"]
    review = [(x, y) for x, y, o in zip(a, b, outcome, strict=True) if o == "review"]
    pairwise = pairwise_scores(links, truth, true_pairs=true_pairs)
    clusters, exact = cluster_scores(result.clusters, truth)
    assert result.candidates is not None
    probability = pairs["probability"].to_pylist()
    sweep = []
    for threshold in SWEEP:
        chosen = [(x, y) for x, y, p in zip(a, b, probability, strict=True) if p >= threshold]
        at = pairwise_scores(chosen, truth, true_pairs=true_pairs)
        grouped, _ = cluster_scores(cluster_links(len(truth), chosen), truth)
        sweep.append(
            {
                "auto_threshold": threshold,
                "pairwise": at.as_dict(),
                "cluster": grouped.as_dict(),
            }
        )
    return {
        "method": method,
        "records": len(truth),
        "persons": len(ids),
        "true_pairs": true_pairs,
        "seed": seed,
        "seconds": round(seconds, 1),
        "seconds_generate": round(generated, 1),
        "stages": {k: v for k, v in result.stats.items() if k.startswith("seconds_")},
        "peak_rss_mib": round(peak),
        "rss_before_linking_mib": round(rss_before),
        "pairwise": pairwise.as_dict(),
        "auto_precision": round(pairwise.precision, 5),
        "cluster": clusters.as_dict(),
        "exact_clusters": round(exact, 5),
        "blocking_recall": round(
            blocking_recall(result.candidates, truth, true_pairs=true_pairs), 5
        ),
        "candidate_pairs": result.candidates.num_rows,
        "review_pairs": len(review),
        "review_true": sum(1 for x, y in review if truth[x] == truth[y]),
        "auto_threshold": result.auto_threshold,
        "lambda": result.stats.get("lambda"),
        "sweep": sweep,
    }


def prior(records: int, seed: int) -> str:
    """The ``model.PRIOR`` literal: m and u trained on a generated population."""
    population = generate(records, seed=seed)
    population.columns.pop("person_id")
    table = prepare_records(population.columns)
    con = duckdb.connect(config={"threads": 2, "temp_directory": ""})
    registered = DuckDBAPI(con).register(table, table_name="records")
    model = train_model(registered, n=table.num_rows, u_pairs=1e7, em_pairs=5e6, seed=seed)
    lines = ["PRIOR: Prior = {"]
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        values = ", ".join(
            f"({lv['m_probability']:.4g}, {lv['u_probability']:.4g})" for lv in levels
        )
        lines.append(f'    "{comparison["output_column_name"]}": ({values}),')
    lines.append("}")
    return "\n".join(lines)


def _table(rows: Sequence[dict[str, object]]) -> str:
    head = (
        f"{'records':>9} {'method':>8} {'pw P':>6} {'pw R':>6} {'pw F1':>6} {'cl P':>6} "
        f"{'cl R':>6} {'cl F1':>6} {'block R':>7} {'review':>7} {'time s':>7} {'peak MiB':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        pw, cl = r["pairwise"], r["cluster"]
        assert isinstance(pw, dict) and isinstance(cl, dict)
        lines.append(
            f"{r['records']:>9,} {r['method']:>8} {pw['precision']:6.4f} {pw['recall']:6.4f} "
            f"{pw['f1']:6.4f} {cl['precision']:6.4f} {cl['recall']:6.4f} {cl['f1']:6.4f} "
            f"{r['blocking_recall']:7.4f} {r['review_pairs']:>7,} {r['seconds']:7.1f} "
            f"{r['peak_rss_mib']:>8,}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB", help="DuckDB's memory limit (6GB)")
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument(
        "--prior", action="store_true", help="print model.PRIOR trained on --records[0], --seed"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prior:
        print(prior(args.records[0], args.seed))
        return 0
    if args.child:
        figures = child(args.records[0], args.seed, args.methods[0], args.threads, args.memory)
        print(json.dumps(figures))
        return 0
    rows = []
    for n in args.records:
        for method in args.methods:
            done = subprocess.run(
                [sys.executable, __file__, "--child", "--records", str(n), "--seed",
                 str(args.seed), "--methods", method, "--threads", str(args.threads),
                 "--memory", args.memory],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(_table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(rows))
    for i in range(0, len(rows) - 1):
        ours, base = rows[i], rows[i + 1]
        if ours["method"] == "amanat" and base["method"] == "anyascii":
            gain = ours["cluster"]["f1"] - base["cluster"]["f1"]  # type: ignore[index]
            print(f"{ours['records']:,} records: cluster F1 {gain:+.4f} over the baseline")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
