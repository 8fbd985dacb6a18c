"""``amanat link --desk``: a roster linked against the persons a desk holds.

A desk is filled untimed by ``amanat import`` of ``--persons`` rows
(``import_data.write_csv``: Kazakh names in three scripts, resident IDs, counties). The
roster is another group's list of ``--rows`` rows in fewer columns (a Latin name, the
Chinese name, the birth date, the resident ID when 70 % of rows give it, the county):
half are persons of the desk's list (every other of its rows), half persons it does not
hold (the same generator with another seed: the names are drawn from the same short
lists, so many are namesakes of the desk's persons, told apart by birth, ID and county).

Measured, each run timed from process start to both files written:

* **alone**: ``amanat link ROSTER --mapping MAP --out OUT``, the roster by itself (the
  reference);
* **desk**: the same with ``--desk --home DESK`` (unlocking the desk, reading every
  person, linking them with the roster).

Printed: seconds and peak RSS of each, their ratio, and how many of the roster's rows
were found on the desk: of the rows copied from the desk's list (those the import
rejected, one in fifty, are not on it), and of the rows of persons it does not hold
(each found one is a wrong link).

    python benchmarks/link_desk.py [--persons N] [--rows N] [--seed N] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import import_data
from _common import (
    add_run_options,
    amanat_cli,
    cli_env,
    fresh_workdir,
    machine,
    run_timed,
    settle,
    write_json,
)
from _org import PASSPHRASE, make_org

HEADERS = ["Name", "汉字姓名", "Born", "ID", "County code", "County"]
MAPPING = """\
# The mapping of the roster of benchmarks/link_desk.py.
version: 1
columns:
  name: Name
  other_names: 汉字姓名
  birth: Born
  resident_id: ID
  county_code: County code
  hometown: County
"""


def _roster_rows(listing: Path, every: int, limit: int) -> list[list[str]]:
    """Rows of an import list (``import_data.write_csv``) in the roster's columns:
    every ``every``-th row, ``limit`` at most; the resident ID left out of 3 in 10."""
    out: list[list[str]] = []
    with listing.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.DictReader(f)
        for n, row in enumerate(rows):
            if n % every or len(out) >= limit:
                continue
            place = row["Ауданы"]
            code, county = (place, "") if place.isdigit() else ("", place)
            rid = row["Жеке куәлік нөмірі"] if n % 10 >= 3 else ""
            out.append(
                [row["Аты-жөні (латынша)"], row["汉字姓名"], row["Туған күні"], rid, code, county]
            )
    return out


def main() -> int:
    p = argparse.ArgumentParser(
        description="Time `amanat link --desk`: a roster against a desk's persons, "
        "against the roster linked alone."
    )
    p.add_argument("--persons", type=int, default=20_000, help="rows imported (20000)")
    p.add_argument("--rows", type=int, default=10_000, help="rows in the roster (10000)")
    p.add_argument("--seed", type=int, default=1, help="the lists' random seed (1)")
    add_run_options(p, "link_desk")
    args = p.parse_args()
    work = fresh_workdir(args)
    org = make_org(work / "org")
    env = {**cli_env(), "AMANAT_PASSPHRASE": PASSPHRASE}
    listing, mapping = work / "desk.csv", work / "desk.mapping.yaml"
    import_data.write_csv(listing, args.persons, args.seed)
    import_data.write_mapping(mapping)
    print(f"filling the desk with {args.persons:,} rows (untimed)...", flush=True)
    filled = run_timed(
        [amanat_cli(), "import", str(listing), "--mapping", str(mapping), "--json",
         "--home", str(org.desk.path)],
        env=env,
    )  # fmt: skip
    accepted = json.loads(filled.stdout)["accepted"]
    others = work / "others.csv"
    import_data.write_csv(others, args.rows, args.seed + 1000)
    half = args.rows // 2
    held = _roster_rows(listing, 2, half)
    new = _roster_rows(others, 1, args.rows - len(held))
    roster, link_mapping = work / "roster.csv", work / "roster.link.yaml"
    with roster.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        out.writerows([*held, *new])
    link_mapping.write_text(MAPPING, encoding="utf-8")
    base = [amanat_cli(), "link", str(roster), "--mapping", str(link_mapping), "--json"]
    runs = {
        "alone": ["--out", str(work / "alone.csv")],
        "desk": ["--out", str(work / "desk-out.csv"), "--desk", "--home", str(org.desk.path)],
    }
    results = {}
    for label, extra in runs.items():
        settle(cold=False, wait_idle=args.wait_idle)
        done = run_timed([*base, *extra], env=env)
        said = json.loads(done.stdout)
        results[label] = {
            "seconds": round(done.seconds, 2),
            "max_rss_mib": round(done.max_rss_kib / 1024, 1),
            "persons": said["persons"],
            "rows_on_desk": said["rows_on_desk"],
        }
        print(f"{label:6} {done.seconds:7.1f} s  {done.max_rss_kib / 1024:7.0f} MiB")
    with (work / "desk-out.csv").open(encoding="utf-8-sig", newline="") as f:
        found = [bool(r["desk_person"]) for r in csv.DictReader(f)]
    held_found, new_found = sum(found[: len(held)]), sum(found[len(held) :])
    ratio = results["desk"]["seconds"] / results["alone"]["seconds"]
    print(
        f"desk: {accepted:,} persons imported; roster: {len(held):,} rows of them, "
        f"{len(new):,} of others\n"
        f"--desk takes {ratio:.2f}x the roster alone; found on the desk: "
        f"{held_found:,} of the {len(held):,} rows of its persons, "
        f"{new_found:,} of the {len(new):,} rows of others (wrong links)"
    )
    write_json(
        args.json,
        {
            "persons": args.persons,
            "accepted": accepted,
            "rows": args.rows,
            "machine": machine(work),
            "results": results,
            "ratio": round(ratio, 3),
            "held_rows": len(held),
            "held_found": held_found,
            "other_rows": len(new),
            "other_found": new_found,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
