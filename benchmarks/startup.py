"""Start-up: how long the station's everyday commands take, against Python's own start.

A volunteer at an intake station runs ``amanat seal`` for every testimony, and an
administrator runs ``amanat verify`` after every raid drill; on an old laptop each
second before the command does anything is a second of waiting. Measured, each in its
own process with the real ``amanat`` console script, on a station built by
``benchmarks/_org.py``:

* ``amanat --help``;
* ``amanat seal --home STATION FILE`` of a 100 kB file (durable when it returns);
* ``amanat verify --home STATION`` (the station's whole vault, a handful of entries);
* ``amanat persons --home DESK``: a desk's own command, which unlocks the desk and
  reads its views (empty here), so it loads SQLAlchemy, SQLCipher and the names, but
  not the linkage engine (DuckDB, Splink) nor the S3 client until it needs them;
* the reference in the same run: ``python -c pass``, the interpreter's own start.

Rounds alternate the commands, so a busy moment of the machine touches all of them.
Reported: the median wall-clock time of each, its peak RSS, and its ratio to the
reference. With ``--compare SRC`` (the ``src`` folder of an older checkout, e.g. a
``git worktree``), every command is also run with ``PYTHONPATH=SRC``, back to back with
the code under test, and the ratio of the two medians printed.

    python benchmarks/startup.py [--rounds N] [--compare OLD/src] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from _common import (
    add_run_options,
    amanat_cli,
    cli_env,
    fresh_workdir,
    machine,
    run_timed,
    self_rss_kib,
    settle,
    write_json,
)
from _org import PASSPHRASE, make_org


def main() -> int:
    p = argparse.ArgumentParser(
        description=(
            "Start-up of `amanat --help`, `amanat seal` and `amanat verify` on a station "
            "and `amanat persons` on a desk, against `python -c pass` in the same run."
        )
    )
    p.add_argument("--rounds", type=int, default=7, help="rounds of every command (7)")
    p.add_argument(
        "--compare",
        type=Path,
        metavar="SRC",
        help="also run each command with PYTHONPATH=SRC (an older checkout's src folder)",
    )
    add_run_options(p, "startup")
    args = p.parse_args()
    work = fresh_workdir(args)
    org = make_org(work / "org")
    small = work / "testimony.bin"
    small.write_bytes(os.urandom(100_000))
    station = str(org.station.path)
    amanat = amanat_cli()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "amanat --help": [amanat, "--help"],
        "amanat seal": [amanat, "seal", "--home", station, str(small), "--note", "visit"],
        "amanat verify": [amanat, "verify", "--home", station],
        "amanat persons": [amanat, "persons", "--home", str(org.desk.path)],
    }
    codes: dict[str, str | None] = {"now": None}
    if args.compare:
        codes["compared"] = str(args.compare.absolute())
    env = {**cli_env(), "AMANAT_PASSPHRASE": PASSPHRASE}
    seconds: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], list[int]] = {}
    for _ in range(args.rounds):
        settle(cold=False, wait_idle=args.wait_idle)
        for name, argv in commands.items():
            for code, src in codes.items():
                if name.startswith("python") and code != "now":
                    continue
                run_env = {**env, "PYTHONPATH": src} if src else env
                done = run_timed(argv, env=run_env)
                seconds.setdefault((name, code), []).append(done.seconds)
                rss.setdefault((name, code), []).append(done.max_rss_kib)
    reference = statistics.median(seconds[("python -c pass", "now")])
    results = {}
    print(f"{'command':16} {'code':9} {'median s':>9} {'min s':>7} {'max s':>7} "
          f"{'x python':>9} {'peak RSS MiB':>13}")  # fmt: skip
    for (name, code), values in seconds.items():
        median = statistics.median(values)
        peak = max(rss[(name, code)]) / 1024
        results[f"{name} ({code})"] = {
            "seconds": values,
            "median_s": round(median, 4),
            "ratio_to_python": round(median / reference, 2),
            "peak_rss_mib": round(peak, 1),
        }
        print(f"{name:16} {code:9} {median:9.3f} {min(values):7.3f} {max(values):7.3f} "
              f"{median / reference:9.1f} {peak:13.1f}")  # fmt: skip
    floor = self_rss_kib() / 1024
    print(f"(a child's peak RSS cannot be below this process's own RSS at spawn, {floor:.1f} MiB)")
    if args.compare:
        for name in commands:
            if (name, "compared") in seconds:
                before = statistics.median(seconds[(name, "compared")])
                now = statistics.median(seconds[(name, "now")])
                print(f"{name}: {now / before:.2f} x the compared code's time")
    write_json(
        args.json,
        {
            "benchmark": "startup",
            "command": "python " + " ".join(sys.argv),
            "rounds": args.rounds,
            "compare": codes.get("compared"),
            "rss_floor_mib": round(floor, 1),
            "machine": machine(work),
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
