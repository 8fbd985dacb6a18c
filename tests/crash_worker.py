"""Seal entries into a station's vault until killed (driven by ``tests/test_crash.py``).

Usage: ``python tests/crash_worker.py STATION_HOME INPUT_DIR [SEED]``

Opens the station home and seals entries in a loop through the real library: some with
no file, some with a small file, some with a multi-MB file from INPUT_DIR (so that a
kill can land mid-stream in blob encryption), sometimes with a fresh ``SealSession``
per entry (so that a kill can land in the lock, the keyring read or log recovery).
It prints ``READY`` once started (before its first session), then, after each seal
returns and only then, ``ACK <entry id>``, flushing each line: an entry is
acknowledged exactly when the library says it is durable.

It never stops by itself; the test kills it with SIGKILL at a random instant.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from amanat.vault.home import Home
from amanat.vault.seal import FileToSeal, SealSession

SMALL = "small.txt"
BIG = "big.bin"


def main(argv: list[str]) -> int:
    home = Home(Path(argv[1]).resolve())
    inputs = Path(argv[2]).resolve()
    rng = random.Random(int(argv[3]) if len(argv) > 3 else None)
    small = FileToSeal(inputs / SMALL)
    big = FileToSeal(inputs / BIG)
    choices: list[tuple[FileToSeal, ...]] = [(), (small,), (big,), (small, big)]
    seed = home.station_seed()
    vault = home.vault()
    out = sys.stdout
    out.write("READY\n")  # started: imported, home and key read; no session opened yet
    out.flush()
    # The first seal after startup is where most kills are aimed; make it a big one
    # often. Later big seals are rare: every completed one is re-hashed by each verify.
    big_first = rng.random() < 0.3
    n = 0
    while True:
        # One entry per session a third of the time; otherwise a few in one session.
        per_session = 1 if rng.random() < 1 / 3 else rng.randint(2, 5)
        with SealSession(vault, seed) as session:
            for _ in range(per_session):
                if n == 0 and big_first:
                    files = rng.choice(choices[2:])
                else:
                    files = rng.choices(choices, weights=[20, 20, 1, 1])[0]
                receipt = session.seal(
                    files,
                    entry_type="files" if files else "note",
                    note=f"crash test entry {n}",
                    data={"n": n},
                )
                out.write(f"ACK {receipt.entry_id}\n")
                out.flush()
                n += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
