"""Test populations with ground truth, for measuring record linkage (issue 6, part 7).

Generates true persons (Kazakh, Uyghur, Kyrgyz and Hui; sex; birth dates 1940-2005;
real Xinjiang county codes; valid 18-digit resident IDs; parents, spouses and children;
when each was taken, mostly in 2017 and 2018) and then the lists that mention them.
Each list ("source") covers the persons unevenly and in correlation with the others,
sometimes lists one person twice, writes names in its own scripts and conventions and
makes its own mistakes (the date of detention too: said or not, to the day, month or
year, sometimes a month or a year off):

- ``atajurt``: testimonies taken by a Kazakh volunteer group in Almaty, about 60 % of
  the Kazakhs; Kazakh Cyrillic, Russian-style Cyrillic, Arabic-script Kazakh copied from
  letters, some Latin; relatives as testifiers; many have the resident ID.
- ``ngo_latin``: an international NGO's database, Latin only: English-style spellings,
  Russian-passport Latin, the three Kazakh Latin alphabets, Uyghur Latin, pinyin.
- ``official_cn``: a leaked Chinese roster covering some prefectures much better than
  others; names in characters (given·father) or pinyin, full birth date and ID.
- ``uyghur_list``: a Uyghur diaspora list in Arabic script, one name column, ages
  rather than birth dates.
- ``other_org``: a Russian-language list from Kyrgyzstan/Kazakhstan: Russian-style
  Cyrillic and Latin, Kyrgyz and Uyghur Cyrillic, the noisiest birth years.

Name forms come from ``benchmarks/population_data/`` (names written by hand and
spelling rules written from the references in ``population_data/SOURCES.md``), never
from the matcher's tables in ``src/amanat/names/``. Deterministic for a seed, whatever
``PYTHONHASHSEED`` is. Detention dates come from a random stream of their own, so every
other column is as it was before they were added (same seed, same rows).

    python benchmarks/population.py --records 100000 --seed 1 --out FILE.csv [--no-truth]

API (used by ``benchmarks/linkage.py``)::

    from population import generate, Population, SOURCES
    pop = generate(100_000, seed=0)
    pop.rows      # list of dicts, one per record (COLUMNS)
    pop.columns   # the same as one list per column (much less memory at 1M rows)
    pop.truth     # record_id -> person_id
    pop.write_csv(path, truth=False)
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from population_data.people import ETHNICITIES, People, counties
from population_data.sources import SPECS, detention, record, threshold

__all__ = ["COLUMNS", "ETHNICITIES", "SOURCES", "Population", "generate"]

SOURCES = tuple(s.name for s in SPECS)
COLUMNS = (
    "record_id",
    "source",
    "name",
    "given",
    "surname",
    "patronymic",
    "script",
    "birth",
    "sex",
    "resident_id",
    "county_code",
    "hometown",
    "relative_name",
    "detained",
    "person_id",
)


@dataclass
class Population:
    """Generated records with their ground truth.

    ``columns`` holds one list per entry of ``COLUMNS`` (the compact form); ``rows``
    builds the list of dicts on first use (about 1 GB at a million records).
    """

    columns: dict[str, list[str]]
    seed: int
    persons: int
    _rows: list[dict[str, str]] | None = None

    def __len__(self) -> int:
        return len(self.columns["record_id"])

    @property
    def rows(self) -> list[dict[str, str]]:
        if self._rows is None:
            keys = COLUMNS
            self._rows = [dict(zip(keys, values, strict=True)) for values in self.tuples()]
        return self._rows

    def tuples(self) -> Iterator[tuple[str, ...]]:
        return zip(*(self.columns[c] for c in COLUMNS), strict=True)

    @property
    def truth(self) -> dict[str, str]:
        return dict(zip(self.columns["record_id"], self.columns["person_id"], strict=True))

    def write_csv(self, path: str | Path, *, truth: bool = True) -> None:
        """One CSV with a header; ``truth=False`` leaves the person_id column out."""
        keep = COLUMNS if truth else COLUMNS[:-1]
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(keep)
            writer.writerows(zip(*(self.columns[c] for c in keep), strict=True))


def generate(n_records: int, seed: int = 0) -> Population:
    """About ``n_records`` records over roughly ``n_records / 2.5`` persons."""
    if n_records < 0:
        raise ValueError("n_records must be at least 0")
    rng = random.Random(seed)
    # detention dates from a stream of their own: the rest is as it was before them
    taken_rng = random.Random(f"detained-{seed}")
    people = People(rng)
    places = counties()
    per_source: dict[str, list[tuple[str, ...]]] = {s.name: [] for s in SPECS}
    total = 0
    persons = 0
    normal = rng.gauss
    while total < n_records:
        person = people.next()
        county = places[person.county]
        pref = person.county[:4]
        rows: list[tuple[str, ...]] = []
        taken = (detention(taken_rng), taken_rng)
        for src in SPECS:
            limit = threshold(src.name, person.eth, pref)
            c = src.correlation
            z = c * person.visibility + math.sqrt(1 - c * c) * normal(0, 1)
            if z >= limit:
                continue
            copies = 1
            while rng.random() < src.duplicate and copies < 4:
                copies += 1
            for _ in range(copies):
                rows.append(record(person, county, src, rng, places, taken))
        if not rows:
            continue
        persons += 1
        for row in rows[: n_records - total]:
            per_source[row[0]].append(row)
        total += min(len(rows), n_records - total)
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for src in SPECS:
        rows = per_source.pop(src.name)
        if not rows:
            continue
        rng.shuffle(rows)
        columns["record_id"].extend(f"{src.name}-{i:07d}" for i in range(1, len(rows) + 1))
        for key, values in zip(COLUMNS[1:], zip(*rows, strict=True), strict=True):
            columns[key].extend(values)
        del rows
    return Population(columns, seed, persons)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Generate a test population for record linkage: Kazakh, Uyghur, Kyrgyz and "
            "Hui persons in five source lists, each with its own scripts, conventions "
            "and mistakes, with the true person of every record (ground truth)."
        ),
        epilog="example: python benchmarks/population.py --records 100000 --seed 1 "
        "--out benchmarks/out/population-100k.csv",
    )
    parser.add_argument("--records", type=int, default=10_000, help="number of records")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, help="CSV file to write (default: stats only)")
    parser.add_argument(
        "--no-truth", action="store_true", help="leave the person_id column out of the CSV"
    )
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    pop = generate(args.records, args.seed)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{len(pop):,} records about {pop.persons:,} persons in {elapsed:.1f} s "
        f"({cpu:.1f} s of CPU)"
    )
    by_source: dict[str, int] = {}
    for s in pop.columns["source"]:
        by_source[s] = by_source.get(s, 0) + 1
    for name in SOURCES:
        print(f"  {name:12s} {by_source.get(name, 0):>9,}")
    if args.out:
        pop.write_csv(args.out, truth=not args.no_truth)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
