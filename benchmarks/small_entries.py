"""Durable small entries per second through ``SealSession.seal``, against the least a
durable store can do per entry; and the ``amanat seal`` command's latency for one entry.

* Amanat: one :class:`amanat.vault.seal.SealSession` (as the intake app or a bulk
  import holds it) seals ``--entries`` small entries (a note and a few questionnaire
  answers, no files). Each ``seal`` returns only once the entry is durable: entry file
  written, fsynced, renamed, folder fsynced; log record appended and fsynced; signed
  checkpoint written, fsynced, renamed, folder fsynced.
* reference, in the same process: a plain loop that, per entry, writes a new file of
  the same size as one sealed entry, fsyncs it, renames it into a folder and fsyncs the
  folder (the minimum for one durable, atomically named object).

Rounds alternate the order of the two (Amanat first in even rounds); before each, a
``sync``. Reported: median entries/s of each with min and max, the ratio
amanat/reference of the medians. Target (issue): >= 200 entries/s.

Also, for information: the median wall-clock time of ``amanat seal --home STATION
--note ...`` (one entry, process start and vault opening included), next to the start
of a bare ``python -c pass``.

    python benchmarks/small_entries.py [--rounds N] [--entries N] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from _common import (
    Interference,
    Settled,
    add_run_options,
    amanat_cli,
    cli_env,
    fresh_workdir,
    machine,
    print_table,
    run_timed,
    settle,
    summary,
    write_json,
)
from _org import make_org
from amanat.vault.seal import SealSession

TARGET_PER_S = 200.0
DATA = {"family_members": 3, "region": "Xinjiang", "consent": True}


def seal_many(session: SealSession, count: int, offset: int) -> float:
    start = time.perf_counter()
    for i in range(offset, offset + count):
        session.seal(entry_type="intake", note=f"visit {i}", data=DATA)
    return time.perf_counter() - start


def reference_many(folder: Path, count: int, size: int) -> float:
    """write + fsync + rename + fsync(folder), per entry, ``count`` times."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "tmp"
    tmp.mkdir(exist_ok=True)
    payload = os.urandom(size)
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    start = time.perf_counter()
    try:
        for i in range(count):
            part = tmp / f"{i}.part"
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(part, folder / f"{i:08d}")
            os.fsync(dir_fd)
        return time.perf_counter() - start
    finally:
        os.close(dir_fd)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="rounds of (amanat, reference) (3)")
    p.add_argument("--entries", type=int, default=500, help="entries per run (500)")
    p.add_argument("--cli-runs", type=int, default=10, help="`amanat seal` runs timed (10)")
    add_run_options(p, "small")
    args = p.parse_args(argv)
    work = fresh_workdir(args)
    org = make_org(work / "org")
    vault = org.station.vault()
    seed = org.station.station_seed()

    rates: dict[str, list[float]] = {"amanat": [], "reference": []}
    states: list[Settled] = []
    during: dict[str, list[float]] = {"amanat": [], "reference": []}
    with SealSession(vault, seed) as session:
        first = session.seal(entry_type="intake", note="visit 0", data=DATA)
        entry_size = vault.object_path("entries", first.entry_id).stat().st_size
        print(f"one sealed entry: {entry_size} bytes; {args.entries} entries per run")
        offset = 1
        for rnd in range(args.rounds):
            order = ["amanat", "reference"] if rnd % 2 == 0 else ["reference", "amanat"]
            for side in order:
                states.append(settle(cold=False, wait_idle=args.wait_idle))
                other, cpu0 = Interference(), os.times()
                if side == "amanat":
                    seconds = seal_many(session, args.entries, offset)
                    offset += args.entries
                else:
                    ref = work / "reference"
                    seconds = reference_many(ref, args.entries, entry_size)
                cpu1 = os.times()
                share = other.share(cpu1.user - cpu0.user + cpu1.system - cpu0.system)
                if side == "reference":
                    shutil.rmtree(ref)
                rate = args.entries / seconds
                rates[side].append(rate)
                during[side].append(share)
                print(
                    f"round {rnd + 1}/{args.rounds} {side:9}: {rate:7.0f} entries/s  "
                    f"({seconds * 1000 / args.entries:5.2f} ms each; other CPU load "
                    f"before {states[-1].busy:4.0%}, during {share:4.0%})",
                    flush=True,
                )

    # The CLI, one entry per process.
    amanat = amanat_cli()
    env = cli_env()
    station = str(org.station.path)
    cli: list[float] = []
    bare: list[float] = []
    for i in range(args.cli_runs):
        os.sync()
        bare.append(run_timed([sys.executable, "-c", "pass"]).seconds)
        one = [amanat, "seal", "--home", station, "--note", f"cli {i}"]
        cli.append(run_timed(one, env=env).seconds)

    med_a = statistics.median(rates["amanat"])
    med_r = statistics.median(rates["reference"])
    ratio = med_a / med_r
    print()
    print_table(
        ["", "median /s", "min /s", "max /s"],
        [
            [name, f"{statistics.median(r):.0f}", f"{min(r):.0f}", f"{max(r):.0f}"]
            for name, r in (
                ("SealSession.seal", rates["amanat"]),
                ("write+fsync+rename+dir fsync", rates["reference"]),
            )
        ],
    )
    print()
    print(f"ratio amanat/reference (median rates): {ratio:.2f}")
    print(
        f"durable small entries: {med_a:.0f}/s (target >= {TARGET_PER_S:.0f}/s: "
        f"{'met' if med_a >= TARGET_PER_S else 'NOT met'})"
    )
    print(
        f"`amanat seal` one entry, process included: median {statistics.median(cli) * 1000:.0f}"
        f" ms (min {min(cli) * 1000:.0f}, max {max(cli) * 1000:.0f}); "
        f"bare `python -c pass`: {statistics.median(bare) * 1000:.0f} ms"
    )
    write_json(
        args.json,
        {
            "benchmark": "small_entries",
            "command": " ".join(["python", "benchmarks/small_entries.py", *(argv or sys.argv[1:])]),
            "entries_per_run": args.entries,
            "entry_bytes": entry_size,
            "rounds": args.rounds,
            "machine": machine(work),
            "amanat_per_s": rates["amanat"],
            "reference_per_s": rates["reference"],
            "amanat": summary(rates["amanat"]),
            "reference": summary(rates["reference"]),
            "ratio_amanat_over_reference": ratio,
            "cli_seal_seconds": summary(cli),
            "python_start_seconds": summary(bare),
            "other_cpu_busy_before": [s.busy for s in states],
            "other_cpu_busy_during": during,
            "target_met": med_a >= TARGET_PER_S,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
