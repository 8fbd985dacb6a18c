"""Crash test: sealing processes killed with SIGKILL at random instants.

Given a station vault that a worker (``tests/crash_worker.py``) seals into in a loop,
when the worker is killed with SIGKILL at a random instant, RUNS times in a row on the
same vault, then after every kill ``verify`` finds no problem and every entry the worker
ever acknowledged is named by a checkpointed log record and its entry file is present;
every so often a sample of acknowledged entries is opened with the desk key and matches
what was sealed; and one clean seal at the end leaves no interrupted-write leftovers.

The kill delays come from a seeded ``random.Random`` (``AMANAT_CRASH_SEED`` overrides the
seed). A quarter of the kills land during the worker's start-up (up to the median time
it takes to say READY on this machine); the rest land up to AFTER_READY_WINDOW_S after
READY: in the lock, the keyring read, log recovery and the first few seals. That window
is measured on this machine before the kills: it is at least twice the median time a
worker takes from READY to its third acknowledged seal, so that on a slow or busy machine
(fsync on a slow disk, a CI runner under load) kills still land after a few seals.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from amanat.vault.opening import open_entry, write_files
from amanat.vault.seal import FileToSeal, seal_entry
from amanat.vault.store import Vault
from amanat.vault.verify import VerifyReport, verify_vault
from conftest import Org

RUNS = 200
SEED = int(os.environ.get("AMANAT_CRASH_SEED", "20261128"))
OPEN_EVERY = 20  # open a sample of acknowledged entries every this many runs
OPEN_SAMPLE = 3
BIG_SIZE = 2 << 20  # multi-MB, so kills land mid-stream in blob encryption
AFTER_READY_WINDOW_S = 0.08  # kills after READY land this many seconds later, at most
CALIBRATION_RUNS = 5  # workers timed from READY to their CALIBRATION_ACKS-th seal
CALIBRATION_ACKS = 3
WORKER = Path(__file__).with_name("crash_worker.py")

# Verify notes that say an interrupted write is still visible; the next seal clears them.
INTERRUPTED_NOTES = ("of an interrupted write", "from an interrupted seal")


@dataclass
class Kill:
    acks: list[str]
    ready_s: float | None  # when the worker said READY, if the kill waited for it
    acks_s: float  # seconds from READY (or start) to the kill


def _kill_worker(
    home: Path,
    inputs: Path,
    worker_seed: int,
    delay: float,
    *,
    after_ready: bool,
    after_acks: int = 0,
) -> Kill:
    """Start the worker and SIGKILL it ``delay`` seconds after it started or, with
    ``after_ready``, after it printed READY (and, with ``after_acks``, once it has
    acknowledged that many seals, ``delay`` unused); return the entry ids it acknowledged
    and, with ``after_ready``, the seconds from start to READY (``acks_s``: from READY to
    the kill)."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(home), str(inputs), str(worker_seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    start = time.monotonic()
    head = b""
    ready_s = None
    if after_ready:
        while not head.startswith(b"READY\n") and time.monotonic() - start < 30:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break  # the worker died; reported below
                head += chunk
        ready_s = time.monotonic() - start
    if after_acks:
        while head.count(b"\n") <= after_acks and time.monotonic() - start < 120:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break  # the worker died; reported below
                head += chunk
    else:
        time.sleep(delay)
    acks_s = time.monotonic() - start - (ready_s or 0.0)
    proc.kill()  # SIGKILL
    out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, (
        f"the worker ended by itself (exit {proc.returncode}) instead of being killed:\n"
        + err.decode(errors="replace")
    )
    lines = (head + out).split(b"\n")[:-1]  # a line cut by the kill has no newline
    acks = []
    for line in lines[1:] if lines and lines[0] == b"READY" else lines:
        kind, _, entry_id = line.decode().partition(" ")
        assert kind == "ACK" and len(entry_id) == 64, f"unexpected worker output {line!r}"
        acks.append(entry_id)
    return Kill(acks, ready_s, acks_s)


def _committed_entries(vault: Vault, report: VerifyReport, known: dict[str, list[str]]) -> None:
    """Extend ``known`` (log id -> entry ids in order) with the records each log's
    checkpoint now covers. Records under a checkpoint never change (verify checks the
    root), so only the new ones are parsed."""
    sizes = {s.log: s.size for s in report.logs}
    for files in vault.logs():
        ids = known.setdefault(files.kid, [])
        lines, _ = files.read_records()
        size = sizes.get(files.kid, 0)
        assert size >= len(ids), f"log {files.kid} shrank below acknowledged records"
        ids.extend(json.loads(line)["entry"] for line in lines[len(ids) : size])


def _check_opens(vault: Vault, org: Org, entry_ids: list[str], inputs: Path, out: Path) -> None:
    """Open the entries with the desk identity; their files must equal the inputs."""
    for entry_id in entry_ids:
        opened = open_entry(vault, entry_id, [org.desk_keys.identity])
        assert opened.entry_id == entry_id
        target = out / entry_id
        written = write_files(vault, opened, [org.desk_keys.identity], target)
        assert len(written) == len(opened.content["files"])
        for path in written:
            assert path.read_bytes() == (inputs / path.name).read_bytes(), path.name


def test_sigkill_while_sealing_never_loses_an_acknowledged_entry(org: Org, tmp_path: Path) -> None:
    """Given a trusted station, a small and a multi-MB input file,
    when a sealing worker is killed with SIGKILL at a random instant, RUNS times,
    then after each kill the vault verifies, every acknowledged entry is committed and
    present (and a sample opens to the sealed bytes), and kills really landed mid-write;
    and after one clean seal no interrupted-write leftover remains."""
    rng = random.Random(SEED)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "small.txt").write_bytes(b"testimony line\n" * 200)
    (inputs / "big.bin").write_bytes(random.Random(SEED).randbytes(BIG_SIZE))
    home = org.station.path
    vault = org.station.vault()
    opened_dir = tmp_path / "opened"

    acked: list[str] = []
    committed: dict[str, list[str]] = {}
    stats: Counter[str] = Counter()
    orphans_before = 0
    ready_times: list[float] = []

    def context(run: int) -> str:
        return f"run {run} (seed {SEED}); so far: {dict(stats)}"

    # How long seals take here: the kills after READY are spread over at least twice the
    # median time from READY to the third seal, so a slow disk or a busy runner still sees kills
    # after a few seals. These workers are killed too, and their seals checked below.
    calibration = []
    for _ in range(CALIBRATION_RUNS):
        kill = _kill_worker(
            home, inputs, rng.getrandbits(32), 0.0, after_ready=True, after_acks=CALIBRATION_ACKS
        )
        assert len(kill.acks) >= CALIBRATION_ACKS, f"a worker sealed too little: {kill}"
        assert kill.ready_s is not None
        ready_times.append(kill.ready_s)
        calibration.append(kill.acks_s)
        acked.extend(kill.acks)
    window = max(AFTER_READY_WINDOW_S, 2 * statistics.median(calibration))
    stats["READY to third seal (ms, median)"] = round(statistics.median(calibration) * 1000)
    stats["after-READY window (ms)"] = round(window * 1000)

    for run in range(RUNS):
        worker_seed = rng.getrandbits(32)
        if run > 0 and rng.random() < 0.25:
            # During start-up (imports, home and key read), up to the median READY time.
            ready = statistics.median(ready_times)
            kill = _kill_worker(home, inputs, worker_seed, rng.uniform(0, ready), after_ready=False)
        else:
            # After start-up: in the lock, keyring read, log recovery and the first seals.
            delay = rng.uniform(0, window)
            kill = _kill_worker(home, inputs, worker_seed, delay, after_ready=True)
            assert kill.ready_s is not None
            ready_times.append(kill.ready_s)
        acked.extend(kill.acks)
        stats["runs"] += 1
        stats["acks"] += len(kill.acks)
        stats["kills with 0 acks"] += not kill.acks
        stats["kills with 2+ acks"] += len(kill.acks) >= 2

        # What the kill left behind, before anyone cleans it up.
        parts = list(vault.tmp_dir.glob("*.part"))
        torn = any(files.read_records()[1] for files in vault.logs())
        stats["runs with tmp/*.part left"] += bool(parts)
        stats["runs killed mid-blob (part > 64 KiB)"] += any(
            p.stat().st_size > 64 << 10 for p in parts
        )
        stats["runs with a torn log tail"] += torn

        report = verify_vault(vault.root)
        assert report.ok, f"{context(run)}: {report.problems}"
        pending = sum(s.pending for s in report.logs)
        orphans = sum("named by no record" in n for n in report.notes)
        unnamed_entries = [n for n in report.notes if n.startswith("entries/") and "no record" in n]
        # One writer, so at most one unnamed entry: each session deletes the one its
        # interrupted predecessor left (verify counts more as records lost).
        assert len(unnamed_entries) <= 1, f"{context(run)}: {unnamed_entries}"
        stats["runs leaving an unnamed entry"] += bool(unnamed_entries)
        stats["runs with a pending record"] += pending > 0
        stats["runs leaving an orphan object"] += orphans > orphans_before
        stats["runs leaving any leftover"] += bool(
            parts or torn or pending or orphans > orphans_before
        )
        orphans_before = orphans

        _committed_entries(vault, report, committed)
        in_log = {e for ids in committed.values() for e in ids}
        lost = [e for e in acked if e not in in_log]
        assert not lost, f"{context(run)}: acknowledged but not committed: {lost[:3]}"
        missing = [e for e in kill.acks if not vault.object_path("entries", e).is_file()]
        assert not missing, f"{context(run)}: acknowledged entry files missing: {missing[:3]}"

        if acked and (run % OPEN_EVERY == OPEN_EVERY - 1 or run == RUNS - 1):
            sample = rng.sample(acked, min(OPEN_SAMPLE, len(acked)))
            _check_opens(vault, org, sample, inputs, opened_dir / str(run))

    summary = f"seed {SEED}: {dict(stats)}"
    print(summary)
    assert stats["kills with 2+ acks"] >= RUNS // 10, f"too few kills after seals; {summary}"
    assert stats["kills with 0 acks"] >= RUNS // 10, f"too few start-up kills; {summary}"
    assert stats["runs leaving any leftover"] >= RUNS // 10, f"kills missed writes; {summary}"
    assert stats["runs with a pending record"] > 0, f"no kill between log and checkpoint; {summary}"
    assert stats["runs with tmp/*.part left"] > 0, f"no kill mid-write; {summary}"

    # One clean seal completes or cleans whatever the last kill left behind.
    receipt = seal_entry(
        vault,
        org.station_seed,
        [FileToSeal(inputs / "small.txt"), FileToSeal(inputs / "big.bin")],
        note="after the crashes",
    )
    assert not list(vault.tmp_dir.glob("*.part"))
    report = verify_vault(vault.root)
    assert report.ok, report.problems
    assert not [n for n in report.notes if any(s in n for s in INTERRUPTED_NOTES)], report.notes
    assert all(s.pending == 0 for s in report.logs)
    _committed_entries(vault, report, committed)
    in_log = {e for ids in committed.values() for e in ids}
    assert receipt.entry_id in in_log and set(acked) <= in_log
    _check_opens(vault, org, [receipt.entry_id], inputs, opened_dir / "final")
