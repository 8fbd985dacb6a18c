"""Worker processes never outlive the process that forked them (records/workers.py).

An import's row checks and the views' fold run in forked workers. A parent killed
outright cannot stop them; without ``start_worker`` they would wait on their queue
forever, holding rows of a list in memory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from amanat.records.workers import PARENT_CHECK_S

PARENT = textwrap.dedent(
    """
    import multiprocessing, os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from amanat.records.workers import start_worker

    pool = ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("fork"), initializer=start_worker
    )
    print(" ".join(str(pool.submit(os.getpid).result()) for _ in range(4)), flush=True)
    pool.submit(time.sleep, 600)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def _gone_soon(workers: set[int]) -> bool:
    """True once none of ``workers`` is alive, waiting up to ten checks and 5 s more."""
    deadline = time.monotonic() + 10 * PARENT_CHECK_S + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(_alive(w) for w in workers)


def _start_parent() -> tuple[subprocess.Popen[str], set[int]]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert parent.stdout is not None
    workers = {int(p) for p in parent.stdout.readline().split()}
    assert workers and parent.pid not in workers
    return parent, workers


def test_workers_leave_when_their_parent_is_killed() -> None:
    """Given a process with two forked workers, one of them busy for ten minutes, when the
    process is killed with SIGKILL (nothing of it runs any more), then its workers are
    gone within a few of their checks."""
    parent, workers = _start_parent()
    try:
        assert all(_alive(w) for w in workers)
        parent.kill()
        parent.wait()
        assert _gone_soon(workers)
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_workers_leave_ctrl_c_to_their_parent() -> None:
    """Given a process with forked workers, when Ctrl-C reaches the whole process group,
    then the workers do not stop on it (the parent decides, and says how far it got),
    and they still leave once the parent is gone."""
    parent, workers = _start_parent()
    try:
        os.kill(next(iter(workers)), signal.SIGINT)
        time.sleep(3 * PARENT_CHECK_S)
        assert all(_alive(w) for w in workers)
    finally:
        parent.kill()
        parent.wait()
    assert _gone_soon(workers)
