"""Seal throughput: ``amanat seal`` against ``age`` + ``sync`` on the same large file.

Both sides encrypt the same file of random bytes (1 GiB by default) to the same
recipients (the organisation's desk and recovery keys) and leave it durable on the same
disk:

* reference: ``age -r R1 -r R2 -o OUT FILE`` then ``sync OUT`` (fsync of the output),
  timed together as one wall-clock span;
* Amanat: ``amanat seal --home STATION FILE``, the real command in its own process
  (Python start-up included); when it returns, blob, entry, log record and checkpoint
  are all fsynced.

Each round runs both, in alternating order (age first in even rounds, Amanat first in
odd ones). Before every timed run: the previous outputs are deleted, ``sync`` writes
back everything dirty, the page cache is dropped when permitted (root), and the input
file and both programs are read once, so that both read their input from the cache and
start with the same empty writeback queue. Amanat's peak RSS is its own ``ru_maxrss``
from ``os.wait4``.

Reported: median throughput of each (MiB/s of plaintext) with min and max, the median
CPU time (user + system, of age and sync together on the reference side), the ratio
amanat/age of the medians (issue target: >= 1.0) and of each round's pair, and
Amanat's peak RSS (target: <= 150 MB).

    python benchmarks/seal.py [--rounds N] [--size-mib M] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    BENCH_DIR,
    MIB,
    Interference,
    Settled,
    add_run_options,
    amanat_cli,
    cli_env,
    machine,
    preread,
    print_table,
    run_timed,
    self_rss_kib,
    settle,
    summary,
    write_json,
)

RSS_LIMIT_MB = 150


@dataclass
class Sample:
    seconds: float
    max_rss_kib: int
    size: int  # bytes of ciphertext written
    other_load: float  # share of the CPUs other processes used meanwhile
    cpu_s: float  # user + system CPU time of the measured process(es)


def make_input(path: Path, size_mib: int) -> None:
    """A file of ``size_mib`` MiB of random bytes (kept between runs; same size = reused)."""
    if path.exists() and path.stat().st_size == size_mib * MIB:
        return
    part = path.with_suffix(".part")
    with part.open("wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(MIB))
        f.flush()
        os.fsync(f.fileno())
    part.replace(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="rounds of (age, amanat) (3)")
    p.add_argument("--size-mib", type=int, default=1024, help="input size in MiB (1024)")
    add_run_options(p, "seal")
    p.add_argument(
        "--max-interference",
        type=float,
        default=0.10,
        metavar="F",
        help="run a round again when other processes took more than this share of the CPUs "
        "during either run (0.10)",
    )
    p.add_argument(
        "--max-retries", type=int, default=10, help="at most this many rounds run again (10)"
    )
    p.add_argument(
        "--keep-cache", action="store_true", help="do not drop the page cache between runs"
    )
    args = p.parse_args(argv)
    if shutil.which("age") is None:
        raise SystemExit("The `age` command is needed (Debian: apt-get install -y age).")
    amanat = amanat_cli()
    work: Path = args.workdir.absolute()
    work.mkdir(parents=True, exist_ok=True)
    org_dir = work / "org"
    if org_dir.exists():
        shutil.rmtree(org_dir)
    # Built in a child process: this one stays small (see _common.self_rss_kib).
    org = json.loads(
        subprocess.run(
            [sys.executable, str(BENCH_DIR / "_org.py"), str(org_dir)],
            capture_output=True,
            check=True,
        ).stdout
    )
    station, vault, recipients = org["station"], Path(org["vault"]), org["recipients"]
    source = work / f"input-{args.size_mib}MiB.bin"
    print(f"input: {source} ({args.size_mib} MiB of random bytes)", flush=True)
    make_input(source, args.size_mib)
    age_out = work / "age-output.age"
    age_argv = ["age", *[a for r in recipients for a in ("-r", r)], "-o", str(age_out), str(source)]
    seal_argv = [amanat, "seal", "--home", station, "--json", str(source)]
    env = cli_env()

    states: list[Settled] = []
    floors: list[int] = []
    cpu: dict[str, list[float]] = {"age": [], "amanat": []}

    def prepare() -> None:
        states.append(settle(cold=not args.keep_cache, wait_idle=args.wait_idle))
        preread(source)
        # Load both programs (and Amanat's Python modules) into the cache as well.
        subprocess.run(["age", "--version"], capture_output=True, check=True)
        subprocess.run([amanat, "--version"], capture_output=True, check=False, env=env)

    def run_age() -> Sample:
        age_out.unlink(missing_ok=True)
        prepare()
        start = time.perf_counter()
        other = Interference()
        enc = run_timed(age_argv)
        sync = run_timed(["sync", str(age_out)])
        seconds = time.perf_counter() - start
        share = other.share(enc.cpu_s + sync.cpu_s)
        size = age_out.stat().st_size
        age_out.unlink()
        return Sample(seconds, enc.max_rss_kib, size, share, enc.cpu_s + sync.cpu_s)

    def run_amanat() -> Sample:
        prepare()
        floors.append(self_rss_kib())
        other = Interference()
        run = run_timed(seal_argv, env=env)
        share = other.share(run.cpu_s)
        (blob,) = json.loads(run.stdout)["blobs"]
        path = vault / "blobs" / blob[:2] / blob
        size = path.stat().st_size
        path.unlink()  # keep the disk bounded; the vault is scratch
        return Sample(run.seconds, run.max_rss_kib, size, share, run.cpu_s)

    results: dict[str, list[float]] = {"age_s": [], "amanat_s": []}
    rss: dict[str, list[int]] = {"age": [], "amanat": []}
    sizes: dict[str, int] = {}
    during: dict[str, list[float]] = {"age": [], "amanat": []}
    discarded = 0
    rnd = 0
    while rnd < args.rounds:
        order = ["age", "amanat"] if rnd % 2 == 0 else ["amanat", "age"]
        pair: dict[str, Sample] = {}
        for side in order:
            pair[side] = run_age() if side == "age" else run_amanat()
            x = pair[side]
            print(
                f"round {rnd + 1}/{args.rounds} {side:6}: {x.seconds:6.2f} s  "
                f"{args.size_mib / x.seconds:7.1f} MiB/s  peak RSS {x.max_rss_kib / 1024:6.1f} MiB"
                f"  other CPU load before {states[-1].busy:4.0%}, during {x.other_load:4.0%}",
                flush=True,
            )
        worst = max(x.other_load for x in pair.values())
        if worst > args.max_interference and discarded < args.max_retries:
            discarded += 1
            print(
                f"  round discarded: other processes took {worst:.0%} of the CPUs "
                f"(> {args.max_interference:.0%}); running it again",
                flush=True,
            )
            continue
        for side, x in pair.items():
            results[f"{side}_s"].append(x.seconds)
            rss[side].append(x.max_rss_kib)
            sizes[side] = x.size
            during[side].append(x.other_load)
            cpu[side].append(x.cpu_s)
        rnd += 1

    age_tp = [args.size_mib / s for s in results["age_s"]]
    am_tp = [args.size_mib / s for s in results["amanat_s"]]
    pair_ratios = [a / b for a, b in zip(am_tp, age_tp, strict=True)]
    ratio = statistics.median(am_tp) / statistics.median(age_tp)
    peak_mb = max(rss["amanat"]) * 1024 / 1e6
    dropped = all(st.dropped for st in states)
    print()
    print_table(
        ["", "median s", "min s", "max s", "median MiB/s", "CPU s", "peak RSS MiB"],
        [
            [
                name,
                f"{statistics.median(secs):.2f}",
                f"{min(secs):.2f}",
                f"{max(secs):.2f}",
                f"{statistics.median(tp):.1f}",
                f"{statistics.median(cpu[key]):.2f}",
                f"{max(rss[key]) / 1024:.1f}",
            ]
            for name, key, secs, tp in (
                ("age + sync", "age", results["age_s"], age_tp),
                ("amanat seal", "amanat", results["amanat_s"], am_tp),
            )
        ],
    )
    print()
    print(
        f"ratio amanat/age (median throughputs): {ratio:.2f}  (target >= 1.0: "
        f"{'met' if ratio >= 1.0 else 'NOT met'})"
    )
    print(
        "per-round ratios: "
        + ", ".join(f"{r:.2f}" for r in pair_ratios)
        + f"  (median {statistics.median(pair_ratios):.2f})"
    )
    print(
        f"amanat peak RSS: {peak_mb:.1f} MB (target <= {RSS_LIMIT_MB} MB: "
        f"{'met' if peak_mb <= RSS_LIMIT_MB else 'NOT met'})"
    )
    print(
        f"(a child's ru_maxrss cannot be below this process's own RSS at spawn, "
        f"{max(floors) / 1024:.1f} MiB here)"
    )
    print(f"output sizes: age {sizes.get('age')} B, amanat {sizes.get('amanat')} B")
    print(f"page cache dropped before each run: {'yes' if dropped else 'no'}")
    print(f"rounds run again because of other processes' load: {discarded}")
    write_json(
        args.json,
        {
            "benchmark": "seal",
            "command": " ".join(["python", "benchmarks/seal.py", *(argv or sys.argv[1:])]),
            "size_mib": args.size_mib,
            "rounds": args.rounds,
            "page_cache_dropped": dropped,
            "machine": machine(work),
            "age_seconds": results["age_s"],
            "amanat_seconds": results["amanat_s"],
            "age_mib_s": summary(age_tp),
            "amanat_mib_s": summary(am_tp),
            "ratio_amanat_over_age": ratio,
            "per_round_ratios": pair_ratios,
            "amanat_peak_rss_mb": peak_mb,
            "amanat_peak_rss_kib": rss["amanat"],
            "age_peak_rss_kib": rss["age"],
            "rss_floor_kib": max(floors),
            "output_bytes": sizes,
            "cpu_seconds": cpu,
            "rounds_discarded_for_interference": discarded,
            "other_cpu_busy_during": during,
            "targets": {"ratio": ratio >= 1.0, "rss": peak_mb <= RSS_LIMIT_MB},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
