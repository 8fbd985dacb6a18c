"""Forked worker processes for pure record work: an import's row checks
(``ingest/spreadsheet.py``) and the views' fold (``views/project.py``).

A worker must never outlive the process that forked it. A parent killed outright (by
SIGKILL, the out-of-memory killer, a power button held down) cannot stop its workers,
and they would wait on their queue forever, holding rows of a list in memory.
``start_worker`` has each worker leave on its own once its parent is gone, and ignore
Ctrl-C, which the terminal sends to every process of the group: the parent stops the
work and says how far it got, and a worker's traceback would only bury that.
"""

from __future__ import annotations

import os
import signal
import threading
import time

__all__ = ["PARENT_CHECK_S", "start_worker"]

PARENT_CHECK_S = 0.5  # how often a worker looks for its parent


def start_worker() -> None:
    """Call first thing in a forked worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    watch = threading.Thread(
        target=_leave_without, args=(parent,), name="amanat-parent-watch", daemon=True
    )
    watch.start()


def _leave_without(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)  # the parent is gone: nobody is left to give the results to
