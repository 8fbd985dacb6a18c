"""The true persons of a test population: names, home counties, resident IDs, relatives.

Part of ``benchmarks/population.py``. Name lists and county names are read from the
hand-written files beside this module (see ``SOURCES.md``); codes, Chinese names and
prefectures from the project's gazetteer.
"""

from __future__ import annotations

import bisect
import csv
import functools
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

from amanat.records.ids import ric_check_character
from amanat.records.places import Gazetteer, stdnum_xinjiang_codes
from population_data import hanzi
from population_data import scripts as sp

__all__ = ["ETHNICITIES", "County", "Name", "People", "Person", "counties", "pools"]

DATA = Path(__file__).resolve().parent
ETHNICITIES = ("kazakh", "uyghur", "kyrgyz", "hui")
# Share of each ethnicity among the persons (Atajurt's reach: mostly Kazakhs).
ETHNIC_MIX = (0.55, 0.30, 0.07, 0.08)


@dataclass(frozen=True)
class Name:
    native: str
    female: bool
    forms: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Pool:
    """The names of one sex of one ethnicity, with Zipf-like cumulative weights."""

    names: tuple[Name, ...]
    cum: tuple[float, ...]

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_right(self.cum, rng.random() * self.cum[-1])


def _zipf(n: int) -> tuple[float, ...]:
    # Rank r gets weight 1/(r+6): the commonest names cover several percent each, as
    # Nurlan or Gulnar do, and the long tail stays rare.
    return tuple(itertools.accumulate(1.0 / (r + 6) for r in range(n)))


def _sections(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            out[current] = []
            continue
        if line not in out[current]:
            out[current].append(line)
    return out


def _turkic_pool(eth: str, lines: list[str], female: bool) -> Pool:
    names = []
    for line in lines:
        native, _, extra = line.partition("|")
        attested = extra[3:] if extra.startswith("zh=") else ""
        if eth == "uyghur":
            forms = sp.ug_forms(native)
        elif eth == "kyrgyz":
            forms = sp.ky_forms(native)
        else:
            forms = sp.kk_forms(native)
        hanzi.turkic_zh(forms, female, attested)
        names.append(Name(native, female, forms))
    return Pool(tuple(names), _zipf(len(names)))


def _hui_pool(lines: list[str], female: bool) -> Pool:
    names = []
    for line in lines:
        chars, *syllables = line.split()
        names.append(Name(chars, female, hanzi.hui_forms(chars, tuple(syllables))))
    return Pool(tuple(names), _zipf(len(names)))


@functools.cache
def pools() -> dict[tuple[str, str], Pool]:
    """(ethnicity, "male" | "female" | "surname") -> pool. Built once per process."""
    out = {}
    for eth in ("kazakh", "uyghur", "kyrgyz"):
        sections = _sections(DATA / f"{eth}.txt")
        out[eth, "male"] = _turkic_pool(eth, sections["male"], False)
        out[eth, "female"] = _turkic_pool(eth, sections["female"], True)
    sections = _sections(DATA / "hui.txt")
    out["hui", "male"] = _hui_pool(sections["male"], False)
    out["hui", "female"] = _hui_pool(sections["female"], True)
    out["hui", "surname"] = _hui_pool(sections["surname"], False)
    return out


# --- places --------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    code: str
    zh: str
    zh_short: str
    pinyin: str
    prefecture_zh: str
    kk: str
    ug: str
    prefecture_kk: str
    prefecture_ug: str
    neighbours: tuple[str, ...]


# Where each people mostly lives (weights per county code; prefix = every county of a
# prefecture with that weight each). Kazakhs in Ili, Tacheng and Altay and the
# Kazakh counties of Changji, Hami and Bortala; Uyghurs in the south, Turpan and the
# cities; Kyrgyz in Kizilsu, Uchturpan and a few Ili counties; Hui in Changji, Ili,
# Urumqi and Yanqi.
_HOMES = {
    "kazakh": "6540:6 654002:2 6542:5 6543:6 652325:3 652328:4 652327:2 652324:2 "
    "652323:1 652302:1 650521:3 650121:2 6527:1 654003:1",
    "uyghur": "6531:6 6532:5 6529:4 6504:2 653001:3 6528:1 6501:1 654002:3 654021:1 650502:1",
    "kyrgyz": "653022:8 653023:8 653024:8 653001:3 652927:5 654027:2 654026:2 654221:1",
    "hui": "6523:5 652301:5 652302:3 654002:3 654021:2 654023:2 6501:2 652826:4 650109:3",
}
# Older IDs carry the codes of the time: Turpan and Hami were prefectures until
# 2015/2016 (stdnum's table has both).
_OLD_CODES = {
    "650402": "652101",
    "650421": "652122",
    "650422": "652123",
    "650502": "652201",
    "650521": "652222",
    "650522": "652223",
}


@functools.cache
def counties() -> dict[str, County]:
    gazetteer = Gazetteer.load_builtin()
    known = set(stdnum_xinjiang_codes())
    hand: dict[str, dict[str, str]] = {}
    with open(DATA / "counties.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            hand[row["code"]] = row
    places = sorted(
        (p for p in gazetteer if p.kind == "county" and p.id in known),
        key=lambda p: p.id,
    )
    # Counties created after 2015 cannot be on the IDs of people born by 2005.
    places = [p for p in places if p.valid_from is None or p.valid_from <= 2015]
    by_parent: dict[str, list[str]] = {}
    for p in places:
        by_parent.setdefault(p.parent or p.id[:4], []).append(p.id)
    out = {}
    for p in places:
        zh_names = [n.text for n in p.names if n.lang == "zh-Hans"]
        pinyin = [n.text for n in p.names if n.lang == "zh-Latn-pinyin"]
        parent = gazetteer.get(p.parent) if p.parent else None
        parent_zh = parent.name_in("zh-Hans") if parent else ""
        mine = hand.get(p.id, {})
        mother = hand.get(p.parent or "", {})
        short_pinyin = (pinyin[-1] if pinyin else p.id).replace(" ", "")
        out[p.id] = County(
            code=p.id,
            zh=zh_names[0],
            zh_short=zh_names[-1],
            pinyin=short_pinyin.capitalize(),
            prefecture_zh=parent_zh or "",
            kk=mine.get("kk") or short_pinyin.capitalize(),
            ug=mine.get("ug") or short_pinyin,
            prefecture_kk=mother.get("kk", ""),
            prefecture_ug=mother.get("ug", ""),
            neighbours=tuple(c for c in by_parent[p.parent or p.id[:4]] if c != p.id),
        )
    return out


@functools.cache
def _home_weights(eth: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    places = counties()
    weights: dict[str, float] = {}
    for item in _HOMES[eth].split():
        key, w = item.split(":")
        for code in places:
            if code == key or (len(key) == 4 and code.startswith(key)):
                weights[code] = weights.get(code, 0.0) + float(w)
    codes = tuple(sorted(weights))
    return codes, tuple(itertools.accumulate(weights[c] for c in codes))


# --- persons -------------------------------------------------------------------


@dataclass
class Person:
    pid: str
    eth: str
    female: bool
    given: Name
    father: Name
    family: Name  # Kazakhstan-style family name base; usually the father's name
    surname: Name  # Hui family name (for Turkic persons: the father)
    birth: tuple[int, int, int]
    county: str
    resident_id: str
    zh_variant: int
    visibility: float
    relatives: list[tuple[Name, Name]] = field(default_factory=list)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _resident_id(region: str, birth: tuple[int, int, int], female: bool, seq: int) -> str:
    seq = seq * 2 + (0 if female else 1)
    first17 = f"{region}{birth[0]:04d}{birth[1]:02d}{birth[2]:02d}{seq:03d}"
    return first17 + ric_check_character(first17)


class People:
    """Draws persons one at a time, sometimes as a sibling of the previous one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools = pools()
        self.counties = counties()
        self.count = 0
        self.ids: set[str] = set()
        self.last: Person | None = None

    def _name(self, eth: str, female: bool) -> Name:
        pool = self.pools[eth, "female" if female else "male"]
        return pool.names[pool.draw(self.rng)]

    def _surname(self, eth: str) -> Name:
        if eth == "hui":
            pool = self.pools["hui", "surname"]
            return pool.names[pool.draw(self.rng)]
        return self._name(eth, False)

    def next(self) -> Person:
        rng = self.rng
        self.count += 1
        sibling = self.last is not None and rng.random() < 0.12
        if sibling and self.last is not None:
            # Brothers and sisters share the father, the family name, the county and
            # often the visibility: hard cases that must not be merged.
            base = self.last
            eth, father, family, surname, county = (
                base.eth, base.father, base.family, base.surname, base.county
            )  # fmt: skip
            year = min(2005, max(1940, base.birth[0] + rng.randint(-8, 8)))
            visibility = base.visibility * 0.7 + rng.gauss(0, 0.7)
        else:
            eth = rng.choices(ETHNICITIES, ETHNIC_MIX)[0]
            father = self._name(eth, False)
            surname = self._surname(eth) if eth == "hui" else father
            family = father if rng.random() < 0.9 else self._name(eth, False)
            codes, cum = _home_weights(eth)
            county = codes[bisect.bisect_right(cum, rng.random() * cum[-1])]
            year = round(rng.triangular(1940, 2005, 1978))
            visibility = rng.gauss(0, 1)
        female = rng.random() < 0.42  # more men than women were detained
        given = self._name(eth, female)
        month = rng.randint(1, 12)
        birth = (year, month, rng.randint(1, _MONTH_DAYS[month - 1]))
        region = county
        roll = rng.random()
        if roll < 0.5 and year < 1995 and county in _OLD_CODES:
            region = _OLD_CODES[county]
        elif roll < 0.05:
            region = rng.choice(("650102", "650103", "650104", "650105"))  # moved to Urumqi
        while True:
            rid = _resident_id(region, birth, female, rng.randrange(0, 498))
            if rid not in self.ids:
                self.ids.add(rid)
                break
        person = Person(
            pid=f"P{self.count:07d}",
            eth=eth,
            female=female,
            given=given,
            father=father,
            family=family,
            surname=surname,
            birth=birth,
            county=county,
            resident_id=rid,
            zh_variant=min(3, int(rng.expovariate(1.6))),
            visibility=visibility,
        )
        # Relatives a record may name: (given name, their father's or family name).
        spouse_female = not female
        spouse_family = self._surname(eth)
        person.relatives.append((self._name(eth, spouse_female), spouse_family))
        child = self._name(eth, rng.random() < 0.5)
        person.relatives.append(
            (child, surname if eth == "hui" else (given if not female else person.relatives[0][0]))
        )
        person.relatives.append((father, self._surname(eth) if eth != "hui" else surname))
        person.relatives.append((self._name(eth, True), self._surname(eth)))
        self.last = person
        return person
