"""Helpers shared by the benchmarks: timed child processes, page-cache control,
medians, and a description of the machine.

Not a benchmark itself. The scripts next to it import it as ``_common`` (Python puts
the script's own folder first on ``sys.path``). It imports nothing but the standard
library, on purpose: a child's ``ru_maxrss`` starts from its parent's resident size
(Linux records the memory of the process image that ``exec`` replaces, and
``subprocess`` spawns with ``vfork``, whose image is the parent's), so a parent that
measures peak RSS must stay small; see :func:`self_rss_kib`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored; on the same (disk) filesystem as the repository
MIB = 1 << 20


def cli_env() -> dict[str, str]:
    """The environment for the real ``amanat`` command: no stray AMANAT_* settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AMANAT_")}


def beside_python(command: str, missing: str) -> str:
    """``command`` from the folder of the Python running this benchmark (the project's
    .venv, which need not be on PATH), else the one on PATH; exits with ``missing``
    when there is neither."""
    beside = Path(sys.executable).parent / command
    if beside.is_file():
        return str(beside)
    path = shutil.which(command)
    if path is None:
        raise SystemExit(missing)
    return path


def amanat_cli() -> str:
    """The ``amanat`` of the Python running this benchmark (the project's .venv), else
    the one on PATH: an older copy installed elsewhere must not be measured by mistake."""
    missing = "The `amanat` command is not on PATH; install the package first."
    return beside_python("amanat", missing)


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    stdout: bytes
    cpu_s: float  # the child's own user + system CPU time


def run_timed(argv: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to completion; return its wall-clock time and its own peak RSS.

    ``os.wait4`` on the child's pid gives that child's rusage (``ru_maxrss`` in KiB on
    Linux); ``getrusage(RUSAGE_CHILDREN)`` would give the maximum over every child
    this process ever waited for, which says nothing about the one just run.
    """
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out_f, stderr=err_f, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({proc.returncode}): {err.decode(errors='replace')}"
        )
    return Run(seconds, usage.ru_maxrss, out, usage.ru_utime + usage.ru_stime)


def self_rss_kib() -> int:
    """This process's resident size (KiB): the floor under any child's ``ru_maxrss``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def drop_caches() -> bool:
    """Write back dirty pages and empty the page cache; False when not permitted."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]), idle


def busy_cpu_seconds() -> float:
    """CPU-seconds all CPUs have been busy since boot (``/proc/stat``)."""
    total, idle = _cpu_times()
    return (total - idle) / os.sysconf("SC_CLK_TCK")


class Interference:
    """How much CPU time went to anything but the measured work during a span: the
    machine's busy CPU-seconds minus the measured processes' own CPU time, as a share of
    all CPUs over the span. Other people's tests show up here; so does the kernel's
    writeback of our own files (on both sides alike), so a few percent is normal."""

    def __init__(self) -> None:
        self.start_busy = busy_cpu_seconds()
        self.start = time.perf_counter()

    def share(self, own_cpu_s: float) -> float:
        """0.0 for spans under 0.25 s: ``/proc/stat`` counts in 10 ms ticks, too coarse
        to judge them."""
        wall = time.perf_counter() - self.start
        if wall < 0.25:
            return 0.0
        other = busy_cpu_seconds() - self.start_busy - own_cpu_s
        return max(other, 0.0) / (wall * (os.cpu_count() or 1))


def cpu_busy(seconds: float = 0.5) -> float:
    """The share of all CPUs busy over the next ``seconds`` while this process sleeps:
    how much other work (other people's tests, say) competes with the benchmark."""
    total0, idle0 = _cpu_times()
    time.sleep(seconds)
    total1, idle1 = _cpu_times()
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


@dataclass
class Settled:
    dropped: bool  # the page cache was dropped
    busy: float  # share of the CPUs other processes kept busy just before the run


def settle(cold: bool, wait_idle: float = 0.0) -> Settled:
    """Bring the machine to the same state before every timed run: nothing dirty
    waiting to be written (``sync``), and, when asked and permitted, an empty page
    cache; then measure how busy the CPUs are without us, waiting up to ``wait_idle``
    seconds for them to be less than 10 % busy."""
    os.sync()
    dropped = drop_caches() if cold else False
    deadline = time.monotonic() + wait_idle
    busy = cpu_busy(0.5)
    while busy > 0.10 and time.monotonic() < deadline:
        busy = cpu_busy(0.5)
    return Settled(dropped, busy)


def preread(path: Path) -> None:
    """Read a file once so the timed run reads it from the page cache (into one small
    reused buffer, so that this process stays small)."""
    buf = bytearray(MIB)
    with path.open("rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def _first_line(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine(path: Path) -> dict[str, Any]:
    """What the figures were measured on: CPUs, memory, and the disk under ``path``."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    source = _first_line(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", str(path)])
    dev = source.split()[0].rsplit("/", 1)[-1] if source else ""
    rota = Path(f"/sys/block/{dev}/queue/rotational")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_kib / MIB, 1),
        "filesystem": source,
        "rotational": rota.read_text().strip() if rota.exists() else "?",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and whether ``src/`` differed from it."""
    root = BENCH_DIR.parent
    commit = _first_line(["git", "-C", str(root), "rev-parse", "HEAD"])
    dirty = _first_line(["git", "-C", str(root), "status", "--porcelain", "--", "src"])
    return {"commit": commit, "src_modified": bool(dirty)}


CODE_AT_START = code_version()


def write_json(path: str | None, data: dict[str, Any]) -> None:
    if path:
        end = code_version()
        data = {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code": CODE_AT_START,
            **({"code_at_end": end} if end != CODE_AT_START else {}),
            **data,
        }
        Path(path).write_text(json.dumps(data, indent=2) + "\n")
        print(f"results written to {path}")


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for i, row in enumerate([header, *rows]):
        print(
            "  ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def fresh_workdir(args: argparse.Namespace) -> Path:
    """``--workdir`` as an absolute path, emptied of an earlier run's files."""
    work: Path = args.workdir.absolute()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return work


def add_run_options(p: argparse.ArgumentParser, name: str, workdir_help: str | None = None) -> None:
    """The options every benchmark shares: --wait-idle, --json and --workdir (which
    defaults to benchmarks/out/NAME)."""
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="S",
        help="wait up to S seconds before each run for other processes to leave the CPUs",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument(
        "--workdir",
        type=Path,
        default=OUT_DIR / name,
        help=workdir_help
        or f"scratch folder on the disk under test, not tmpfs (benchmarks/out/{name})",
    )
