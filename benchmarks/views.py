"""Views: rebuild from a vault of 100,000 testimonies about 60,000 persons; import a
100,000-row spreadsheet.

* **rebuild**: ``Desk.rebuild_views()`` on a desk whose vault holds ``--testimonies``
  record entries about ``--persons`` persons (each entry one testimony: the first one
  about a person also creates the person with names, a resident ID, birth date,
  hometown and statuses; later ones add a status or a differing birth year). It checks
  every log record's signature, opens every entry, folds and writes every table into the
  SQLCipher views database. Reference, in the same run: opening the same entries and
  nothing else (the floor the views add to). Target (issue 4): rebuild <= 60 s.
* **update**: ``Desk.update_views()`` after 1,000 more entries arrive, on top of the
  full views: the incremental path a sync takes.
* **import**: the real ``amanat import`` command on a fresh desk, with a ``--rows`` CSV
  from ``benchmarks/import_data.py`` and its mapping. Reference: Python's ``csv``
  module reading the same file. Target: <= 60 s.

The vault is built once under ``--workdir`` and reused (setup, never measured; its
seals skip fsync, which changes nothing in what the views read). Two processes seal
in parallel, one as the station and one as the desk, so the vault has two logs as a
real desk has.

    python benchmarks/views.py [--testimonies N] [--persons N] [--rows N] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import import_data
from _common import (
    add_run_options,
    amanat_cli,
    cli_env,
    machine,
    print_table,
    settle,
    write_json,
)
from _org import PASSPHRASE, make_org
from amanat.desk.reader import EntryReader
from amanat.desk.service import Desk
from amanat.records import build as b
from amanat.records.ids import ric_check_character
from amanat.records.places import Gazetteer
from amanat.vault import copy
from amanat.vault.home import DeskKeys, Home
from amanat.vault.seal import SealSession
from amanat.views.project import ApplyReport

TARGET_S = 60.0
SYLLABLES = [
    "ser",
    "ik",
    "zhan",
    "bi",
    "lash",
    "ai",
    "gul",
    "nur",
    "bek",
    "ta",
    "lip",
    "mu",
    "rat",
    "ka",
    "dir",
    "ay",
    "sha",
    "ma",
    "li",
    "ya",
    "er",
    "kin",
    "sa",
    "ule",
]
CYRILLIC = str.maketrans(
    {
        "s": "с",
        "e": "е",
        "r": "р",
        "i": "і",
        "k": "к",
        "z": "з",
        "h": "һ",
        "a": "а",
        "n": "н",
        "b": "б",
        "l": "л",
        "g": "г",
        "u": "у",
        "t": "т",
        "p": "п",
        "m": "м",
        "d": "д",
        "y": "й",
        "ä": "ә",
    }
)
STATUSES = [
    "detained",
    "in_camp",
    "sentenced",
    "in_prison",
    "released",
    "travel_banned",
    "disappeared",
]


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()}"


def _resident_id(rng: random.Random, county: str, year: int) -> str:
    first = f"{county}{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first += f"{rng.randint(0, 999):03d}"
    return first + ric_check_character(first)


def _entries(
    worker: int, workers: int, testimonies: int, persons: int
) -> list[list[dict[str, Any]]]:
    """The change lists this worker seals: every ``workers``-th testimony."""
    counties = [p.id for p in Gazetteer.load_builtin() if p.kind == "county"]
    out: list[list[dict[str, Any]]] = []
    for n in range(worker, testimonies, workers):
        rng = random.Random(n)
        pid = f"p_{n % persons:032x}"
        tid = f"t_{n:032x}"
        ref = b.source_ref(testimony=tid)
        testimony = {
            "op": "testimony.recorded",
            "testimony": tid,
            "persons": [pid],
            "testifier": {
                "relationship": rng.choice(["spouse", "child", "sibling", "parent"]),
                "name": _name(rng),
            },
            "consent": {"level": rng.choice(["public_named", "public_anonymised", "internal"])},
            "recorded": f"2019-{rng.randint(1, 12):02d}",
            "language": "kk",
            "transcript": "Testimony text. " * rng.randint(5, 40),
        }
        if n < persons:
            rng_p = random.Random(f"person {n}")
            year = rng_p.randint(1950, 2000)
            county = rng_p.choice(counties)
            latin = _name(rng_p)
            detained = rng_p.randint(2017, 2019)
            person = {
                "op": "person.created",
                "person": pid,
                "claims": [
                    b.claim("name", b.name(latin, language="kk"), ref),
                    b.claim(
                        "name",
                        b.name(latin.lower().translate(CYRILLIC).title(), language="kk"),
                        ref,
                    ),
                    b.claim("sex", rng_p.choice(["male", "female"]), ref),
                    b.claim("birth", str(year), ref),
                    b.claim(
                        "document",
                        {"kind": "cn_resident_id", "number": _resident_id(rng_p, county, year)},
                        ref,
                    ),
                    b.claim("hometown", {"place": county}, ref),
                    b.claim("ethnicity", rng_p.choice(["kazakh", "uyghur", "kyrgyz", "hui"]), ref),
                    b.claim("status", {"status": "detained", "date": f"{detained}-04"}, ref),
                    b.claim(
                        "status", {"status": rng_p.choice(STATUSES), "date": str(detained + 1)}, ref
                    ),
                ],
            }
        else:
            claims = [
                b.claim(
                    "status",
                    {"status": rng.choice(STATUSES), "date": str(rng.randint(2018, 2022))},
                    ref,
                )
            ]
            if rng.random() < 0.2:
                claims.append(b.claim("birth", str(rng.randint(1950, 2000)), ref))
            person = {"op": "person.amended", "person": pid, "claims": claims}
        out.append([testimony, person])
    return out


def _seal_worker(
    home: str, seed: bytes, worker: int, workers: int, testimonies: int, persons: int
) -> None:
    os.fsync = lambda fd: None  # setup only: see the module docstring
    vault = Home(Path(home)).vault()
    with SealSession(vault, seed) as session:
        for changes in _entries(worker, workers, testimonies, persons):
            session.seal(entry_type="record", data=b.record_data(changes))


def build_fixture(base: Path, testimonies: int, persons: int) -> Path:
    ready = base / "READY"
    if ready.exists():
        return base
    if base.exists():
        shutil.rmtree(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    org = make_org(base)
    keys = org.desk.desk_keys(PASSPHRASE)
    started = time.perf_counter()
    print(
        f"building a vault of {testimonies:,} testimonies about {persons:,} persons "
        "(once; reused next time) ...",
        flush=True,
    )
    context = multiprocessing.get_context("fork")
    procs = [
        context.Process(target=_seal_worker, args=(str(home), seed, i, 2, testimonies, persons))
        for i, (home, seed) in enumerate(
            [(org.station.path, org.station.station_seed()), (org.desk.path, keys.signing_seed)]
        )
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit("sealing the benchmark vault failed")
    copy.pull_vault(org.desk.vault(), org.station.path / "vault")
    ready.write_text(f"{testimonies} {persons}\n")
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return base


def measure_rebuild(base: Path, extra: int) -> dict[str, Any]:
    desk_home = Home(base / "desk")
    keys = desk_home.desk_keys(PASSPHRASE)
    shutil.rmtree(base / "desk" / "views", ignore_errors=True)
    vault = desk_home.vault()
    reader = EntryReader(vault, vault.read_keyring(), [keys.identity], desk_home.rekeys_dir)
    start = time.perf_counter()
    entries, _ = reader.entries({})
    count = sum(1 for _ in entries)
    open_only = time.perf_counter() - start
    with Desk(desk_home, keys) as desk:
        start = time.perf_counter()
        report = desk.rebuild_views()
        rebuild = time.perf_counter() - start
    # The incremental path: `extra` more entries arrive. On a copy of the desk, so that
    # the fixture stays as built for the next run.
    scratch = base.parent / "update-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(base / "desk", scratch)
    try:
        updated, sealed, update = _measure_update(Home(scratch), keys, extra)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "entries": count,
        "persons": report.persons,
        "open_only_s": round(open_only, 2),
        "rebuild_s": round(rebuild, 2),
        "rebuild_per_s": round(count / rebuild),
        "ratio_rebuild_to_open_only": round(rebuild / open_only, 2),
        "update_entries": update.entries,
        "update_s": round(updated, 2),
        "seal_extra_s": round(sealed, 2),
    }


def _measure_update(home: Home, keys: DeskKeys, extra: int) -> tuple[float, float, ApplyReport]:
    with Desk(home, keys) as desk:
        batches = _entries(0, 1, extra, extra)
        session_start = time.perf_counter()
        with SealSession(desk.vault, keys.signing_seed) as session:
            for n, changes in enumerate(batches):
                for c in changes:  # new persons, not the benchmark's own
                    for key in ("person", "testimony"):
                        if key in c:
                            c[key] = c[key][:2] + f"{n + 10**9:032x}"
                    if "persons" in c:
                        c["persons"] = [c["persons"][0][:2] + f"{n + 10**9:032x}"]
                session.seal(entry_type="record", data=b.record_data(changes))
        sealed = time.perf_counter() - session_start
        start = time.perf_counter()
        update = desk.update_views()
        updated = time.perf_counter() - start
    return updated, sealed, update


def measure_import(work: Path, rows: int) -> dict[str, Any]:
    base = work / f"import-{rows}"
    shutil.rmtree(base, ignore_errors=True)
    org = make_org(base / "org")
    data = base / "list.csv"
    mapping = base / "list.mapping.yaml"
    import_data.write_csv(data, rows, seed=1)
    import_data.write_mapping(mapping)
    start = time.perf_counter()
    with data.open(newline="", encoding="utf-8-sig") as f:
        read_rows = sum(1 for _ in csv.reader(f)) - 1
    reference = time.perf_counter() - start
    passfile = base / "passphrase"
    passfile.write_text(PASSPHRASE)
    argv = [
        amanat_cli(),
        "import",
        str(data),
        "--mapping",
        str(mapping),
        "--home",
        str(org.desk.path),
        "--passphrase-file",
        str(passfile),
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(argv, env=cli_env(), capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit("amanat import failed")
    return {
        "rows": read_rows,
        "import_s": round(took, 2),
        "csv_read_s": round(reference, 3),
        "rows_per_s": round(read_rows / took),
        "output": done.stdout.strip()[-400:],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--testimonies", type=int, default=100_000, help="entries in the vault")
    p.add_argument("--persons", type=int, default=60_000, help="persons they are about")
    p.add_argument("--rows", type=int, default=100_000, help="rows in the imported CSV")
    p.add_argument("--extra", type=int, default=1_000, help="entries for the update")
    p.add_argument("--skip-import", action="store_true", help="measure the rebuild only")
    add_run_options(p, "views")
    args = p.parse_args()
    work: Path = args.workdir
    base = build_fixture(
        work / f"vault-{args.testimonies}-{args.persons}", args.testimonies, args.persons
    )
    results: dict[str, Any] = {"machine": machine(work)}
    results["busy_before_rebuild"] = round(settle(False, args.wait_idle).busy, 3)
    results["rebuild"] = r = measure_rebuild(base, args.extra)
    rows = [
        ["open entries only (reference)", f"{r['open_only_s']:.1f} s", ""],
        [
            "rebuild views",
            f"{r['rebuild_s']:.1f} s",
            f"{r['ratio_rebuild_to_open_only']:.2f}x reference; target <= {TARGET_S:.0f} s",
        ],
        [f"update after {r['update_entries']:,} new entries", f"{r['update_s']:.2f} s", ""],
    ]
    print_table(["step", "time", "note"], rows)
    if not args.skip_import:
        results["busy_before_import"] = round(settle(False, args.wait_idle).busy, 3)
        results["import"] = i = measure_import(work, args.rows)
        rows.append(["csv module reading the file (reference)", f"{i['csv_read_s']:.2f} s", ""])
        rows.append(
            [
                f"amanat import of {i['rows']:,} rows",
                f"{i['import_s']:.1f} s",
                f"target <= {TARGET_S:.0f} s",
            ]
        )
    print_table(["step", "time", "note"], rows)
    write_json(args.json, results)
    ok = r["rebuild_s"] <= TARGET_S and (
        args.skip_import or results["import"]["import_s"] <= TARGET_S
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
