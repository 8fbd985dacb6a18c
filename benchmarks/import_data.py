"""Bulk import: ``amanat import`` of a 100,000-row list, on a fresh organisation.

The list is made by :func:`write_csv`, deterministic for a seed: the columns a Kazakh
volunteer group's spreadsheet has (headers in Kazakh, one in Chinese), names in
Cyrillic, Latin and Chinese characters, valid PRC resident IDs whose region codes are
Xinjiang counties from the gazetteer (check character by
``amanat.records.ids.ric_check_character``), day-first dates, statuses in Kazakh, and
one row in fifty deliberately wrong (a mistyped ID, 31.02, an unknown county), so the
rejection path is measured too. :func:`write_mapping` writes its mapping.
``benchmarks/views.py`` calls both to fill a desk.

Measured: the wall-clock time of ``amanat import LIST --mapping MAP`` (process start,
unlocking the desk, reading and checking every row, sealing about 100 entries, and
projecting the persons into the views), once with ``--dry-run``, once for real on a
fresh desk, and once on a desk that already holds persons (``--onto`` of them, imported
untimed from another list first): a group's desk is rarely empty when a list arrives,
and its views are then updated in place rather than folded from nothing.
Target (issue 4): 100,000 rows within 60 s.

    python benchmarks/import_data.py [--rows N] [--onto N] [--seed N] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

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
from amanat.records.ids import ric_check_character
from amanat.records.places import Gazetteer

TARGET_S = 60.0

HEADERS = [
    "№",
    "Тегі",
    "Аты",
    "Әкесінің аты",
    "Аты-жөні (латынша)",
    "汉字姓名",
    "Жынысы",
    "Туған күні",
    "Ұлты",
    "Жеке куәлік нөмірі",
    "Ауданы",
    "Жағдайы",
    "Жағдай күні",
    "Ұсталған күні",
    "Лагерь",
    "Мерзімі",
    "Өтініш беруші",
    "Туыстығы",
    "Ескерту",
]

MAPPING = """\
# The mapping of the benchmark list (benchmarks/import_data.py).
version: 1
columns:
  name_native: ["Тегі", "Аты", "Әкесінің аты"]
  name_latin: "Аты-жөні (латынша)"
  name_chinese: "汉字姓名"
  sex: "Жынысы"
  birth: "Туған күні"
  ethnicity: "Ұлты"
  resident_id: "Жеке куәлік нөмірі"
  hometown: "Ауданы"
  status: "Жағдайы"
  status_date: "Жағдай күні"
  detained_date: "Ұсталған күні"
  camp: "Лагерь"
  sentence_term: "Мерзімі"
  testifier_name: "Өтініш беруші"
  relationship: "Туыстығы"
  notes: "Ескерту"
values:
  status: {"лагерьде": in_camp}
options:
  name_language: kk
source:
  title: "Benchmark list"
  date: 2019-06
"""

_SURNAMES = [
    ("Нұрланов", "Nurlanov"), ("Серікбаев", "Serikbaev"), ("Жұмабаев", "Zhumabaev"),
    ("Қасымов", "Kasymov"), ("Ахметов", "Akhmetov"), ("Төлегенов", "Tolegenov"),
    ("Байжанов", "Baizhanov"), ("Оспанов", "Ospanov"), ("Мұратов", "Muratov"),
    ("Ермеков", "Ermekov"), ("Сейітов", "Seitov"), ("Әбдірахманов", "Abdirakhmanov"),
]  # fmt: skip
_MALE = [
    ("Серік", "Serik", "赛力克"), ("Нұрлан", "Nurlan", "努尔兰"), ("Ерлан", "Erlan", "叶尔兰"),
    ("Бауыржан", "Bauyrzhan", "包尔江"), ("Асқар", "Askar", "阿斯卡尔"),
    ("Қайрат", "Kairat", "凯拉特"), ("Дәулет", "Daulet", "达吾列提"),
]  # fmt: skip
_FEMALE = [
    ("Гүлнар", "Gulnar", "古丽娜尔"), ("Айгүл", "Aigul", "阿依古丽"),
    ("Жанар", "Zhanar", "加娜尔"), ("Сәуле", "Saule", "萨吾列"),
    ("Мейрамгүл", "Meiramgul", "美拉古丽"),
]  # fmt: skip
_STATUSES = ["лагерде", "лагерьде", "сотталған", "босатылды", "түрмеде", "хабар-ошарсыз", ""]
_ETHNIC = ["қазақ", "қазақ", "қазақ", "ұйғыр", "қырғыз", "дүнген"]
_RELATIONS = ["әйелі", "күйеуі", "ұлы", "қызы", "ағасы", "анасы", "інісі"]
_CAMPS = ["", "Құлжа лагері №3", "伊宁县职业技能教育培训中心", "Толы ауданы лагері"]


def _counties() -> list[tuple[str, str]]:
    """(code, Chinese name) of Xinjiang counties that resolve to exactly one place."""
    g = Gazetteer.load_builtin()
    out = []
    for p in g:
        if p.kind == "county" and len(g.find(p.name, kinds=("county", "prefecture"))) == 1:
            out.append((p.id, p.name))
    return sorted(out)


def _day(rng: random.Random, first: int, last: int) -> tuple[int, int, int]:
    return rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28)


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """Write a list of ``rows`` persons to ``path`` (UTF-8 with BOM, as Excel saves)."""
    rng = random.Random(seed)
    counties = _counties()
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        for n in range(1, rows + 1):
            male = rng.random() < 0.7
            given, given_lat, given_zh = rng.choice(_MALE if male else _FEMALE)
            surname, surname_lat = rng.choice(_SURNAMES)
            father = rng.choice(_MALE)[0]
            patronymic = father + ("ұлы" if male else "қызы")
            year, month, day = _day(rng, 1940, 2000)
            code, county = rng.choice(counties)
            seq = rng.randrange(1, 999, 2) if male else rng.randrange(2, 999, 2)
            first17 = f"{code}{year:04d}{month:02d}{day:02d}{seq:03d}"
            rid = first17 + ric_check_character(first17)
            birth = f"{day:02d}.{month:02d}.{year:04d}"
            bad = n % 50
            if bad == 7:
                rid = rid[:-1] + ("0" if rid[-1] != "0" else "1")  # a mistyped ID
            elif bad == 19:
                birth = f"31.02.{year}"
            elif bad == 33:
                county = "Белгісіз аудан"
            status = rng.choice(_STATUSES)
            sy, sm, sd = _day(rng, 2017, 2019)
            dy, dm, dd = _day(rng, 2017, 2018)
            camp = rng.choice(_CAMPS)
            out.writerow(
                [
                    n,
                    surname,
                    given,
                    patronymic,
                    f"{given_lat} {surname_lat}",
                    given_zh,
                    "ер" if male else "әйел",
                    birth,
                    rng.choice(_ETHNIC),
                    rid if rng.random() < 0.9 else "",
                    county if rng.random() < 0.5 else code,
                    status,
                    f"{sd:02d}.{sm:02d}.{sy}" if status else "",
                    f"{dd:02d}.{dm:02d}.{dy}" if rng.random() < 0.6 else "",
                    camp,
                    "10 жыл" if status == "сотталған" else "",
                    f"{rng.choice(_MALE)[0]} {rng.choice(_SURNAMES)[0]}",
                    rng.choice(_RELATIONS),
                    "" if rng.random() < 0.8 else "2019 жылы хабарласқан",
                ]
            )


def write_mapping(path: Path) -> None:
    """Write the mapping that reads :func:`write_csv`'s list."""
    path.write_text(MAPPING, encoding="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(
        description="Time `amanat import` of a generated list (target: 100,000 rows in 60 s)."
    )
    p.add_argument("--rows", type=int, default=100_000, help="rows in the list (100000)")
    p.add_argument("--seed", type=int, default=1, help="the list's random seed (1)")
    p.add_argument(
        "--onto",
        type=int,
        default=1000,
        help="persons already on the desk for the last run (1000; 0 skips that run)",
    )
    add_run_options(p, "import")
    args = p.parse_args()
    work = fresh_workdir(args)
    org = make_org(work / "org")
    listing, mapping = work / "list.csv", work / "list.mapping.yaml"
    write_csv(listing, args.rows, args.seed)
    write_mapping(mapping)
    env = {**cli_env(), "AMANAT_PASSPHRASE": PASSPHRASE}
    base = [amanat_cli(), "import", str(listing), "--mapping", str(mapping), "--json"]
    runs = [("dry_run", ["--dry-run"]), ("import", ["--home", str(org.desk.path)])]
    if args.onto:
        held = make_org(work / "held")
        earlier = work / "earlier.csv"
        write_csv(earlier, args.onto, args.seed + 1)
        run_timed(
            [*base[:2], str(earlier), *base[3:], "--home", str(held.desk.path)],
            env=env,
        )
        runs.append(("onto", ["--home", str(held.desk.path)]))
    results = {}
    for label, extra in runs:
        settle(cold=False, wait_idle=args.wait_idle)
        done = run_timed([*base, *extra], env=env)
        summary = json.loads(done.stdout)
        results[label] = {
            "seconds": round(done.seconds, 2),
            "max_rss_mib": round(done.max_rss_kib / 1024, 1),
            "rows": summary["total"],
            "accepted": summary["accepted"],
            "rejected": summary["rejected"],
            "entries": summary["entries"],
        }
        print(
            f"{label:8} {done.seconds:7.1f} s  {done.max_rss_kib / 1024:7.0f} MiB  "
            f"{summary['total']:,} rows ({summary['accepted']:,} accepted, "
            f"{summary['rejected']:,} rejected), {summary['entries']} entries"
        )
    for label in ("import", "onto"):
        if label in results:
            ok = results[label]["seconds"] <= TARGET_S
            print(
                f"target ({label}): {args.rows:,} rows within {TARGET_S:.0f} s: "
                f"{'met' if ok else 'NOT met'}"
            )
    write_json(
        args.json,
        {"rows": args.rows, "onto": args.onto, "machine": machine(work), "results": results},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
