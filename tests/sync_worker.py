"""Sync one home with its mirrors until done or killed (driven by ``tests/test_sync_crash.py``).

Usage: ``python tests/sync_worker.py HOME``

Runs the real :func:`amanat.mirrors.sync.sync_home` on HOME (its ``mirrors.json`` names
the mirrors). Prints, flushing each line:

* ``READY`` once started (imports done, home read; no mirror contacted yet);
* ``P <bytes>`` each time the sync reports upload progress, with the total so far
  (the progress hook runs on the upload threads; lines are written under a lock);
* ``DONE <json>`` when ``sync_home`` returns: per mirror, whether it was reachable,
  its problems, and what was pushed.

The test kills it with SIGKILL at a random instant; a run that ends by itself exits 0.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from amanat.mirrors.sync import sync_home
from amanat.vault.home import Home


def main(argv: list[str]) -> int:
    home = Home(Path(argv[1]).resolve())
    out = sys.stdout
    lock = threading.Lock()
    total = 0

    def progress(count: int) -> None:
        nonlocal total
        with lock:
            total += count
            out.write(f"P {total}\n")
            out.flush()

    out.write("READY\n")
    out.flush()
    report = sync_home(home, progress=progress)
    summary = [
        {
            "name": m.name,
            "reachable": m.reachable,
            "problems": m.problems,
            "repaired": m.repaired,
            "pushed_objects": m.pushed_objects,
            "pushed_bytes": m.pushed_bytes,
            "pushed_records": m.pushed_records,
        }
        for m in report.mirrors
    ]
    with lock:
        out.write(f"DONE {json.dumps(summary)}\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
