"""The list of imported videos to link (``amanat testimonies unlinked``): how long the
suggestions take on a large desk, and how often they name the right person.

A desk of ``--persons`` persons (the views benchmark's vault: ``--testimonies`` record
entries about them, names in Latin and Cyrillic, several forms each) receives
``--videos`` imported videos linked to no one: two in three titled "NAME: testimony of
a relative, part N" with the display name of a person drawn at random, one in three
"Press conference N". ``Desk.testimonies_to_link`` then suggests a person for each.

* **time**: the whole list, as the command makes it. Reference, in the same run: the
  staff app's link page for one person (``Desk.unlinked_testimonies``), which reads
  and keys the same titles; the ratio says how many page loads the list costs.
* **quality**: of the titles naming a person, how many suggest that person (right),
  another (wrong), several alike (persons of the same name: none suggested), or none;
  of the press conferences, how many suggest anyone (all wrong).

Setup (building the vault, sealing the videos) is not measured; the vault is built
once under ``--workdir`` and reused.

    python benchmarks/to_link.py [--testimonies N] [--persons N] [--videos N] [--json FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

import views
from _common import add_run_options, machine, print_table, settle, write_json
from _org import PASSPHRASE
from amanat.desk.service import Batch, Desk
from amanat.records.changes import new_id
from amanat.vault.home import Home
from amanat.views import unlinked


def _seal_videos(desk: Desk, names: list[str], videos: int) -> None:
    rng = random.Random(1)
    batches = []
    for i in range(videos):
        named = i % 3 != 0
        title = (
            f"{rng.choice(names)}: testimony of a relative, part {i}"
            if named
            else (f"Press conference {i}")
        )
        change: dict[str, Any] = {
            "op": "testimony.recorded",
            "testimony": new_id("t"),
            "persons": [],
            "testifier": {"relationship": "unknown"},
            "consent": {"level": "internal", "how": "unknown", "note": "published by a channel"},
            "media": [],
            "title": title,
            "external": {"channel": "a channel", "uploaded": f"2019-{1 + i % 12:02d}-01"},
        }
        batches.append(Batch(files=[], changes=[change]))
    desk.seal_records(batches)


def _quality(found: list[unlinked.ToLink]) -> dict[str, int]:
    out = {"right": 0, "wrong": 0, "alike": 0, "none": 0, "press_suggested": 0}
    for t in found:
        if t.title.startswith("Press conference"):
            out["press_suggested"] += bool(t.person_id)
        elif t.person_id:
            out["right" if t.title.startswith(t.name + ":") else "wrong"] += 1
        else:
            out["alike" if t.alike else "none"] += 1
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--testimonies", type=int, default=20_000)
    p.add_argument("--persons", type=int, default=12_000)
    p.add_argument("--videos", type=int, default=3_000)
    add_run_options(p, "to_link")
    args = p.parse_args()
    base = args.workdir / f"vault-{args.testimonies}-{args.persons}"
    views.build_fixture(base, args.testimonies, args.persons)
    home = Home(base / "desk")
    with Desk(home, home.desk_keys(PASSPHRASE)) as desk:
        desk.update_views()
        with desk.engine.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql("SELECT display_name FROM persons")]
            titled = conn.exec_driver_sql("SELECT count(*) FROM testimonies WHERE title != ''")
            if not titled.scalar():
                _seal_videos(desk, names, args.videos)
        settle(False, args.wait_idle)
        start = time.perf_counter()
        found = desk.testimonies_to_link()
        first = time.perf_counter() - start
        start = time.perf_counter()
        desk.unlinked_testimonies(names=[names[0]])
        page = time.perf_counter() - start
    quality = _quality(found)
    result = {
        "machine": machine(args.workdir),
        "persons": len(names),
        "videos": len(found),
        "list_s": round(first, 2),
        "page_one_person_s": round(page, 3),
        "ratio_list_to_page": round(first / page, 1),
        **quality,
    }
    print_table(
        ["persons", "videos", "list s", "one page s", "list / page"],
        [[f"{len(names):,}", f"{len(found):,}", f"{first:.2f}", f"{page:.3f}",
          f"{first / page:.1f}"]],
    )  # fmt: skip
    print_table(list(quality), [[str(v) for v in quality.values()]])
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
