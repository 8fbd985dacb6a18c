"""Test populations with ground truth, for measuring record linkage (issue 6, part 7).

Generates true persons (Kazakh, Uyghur, Kyrgyz and Hui; sex; birth dates 1940-2005;
real Xinjiang county codes; valid 18-digit resident IDs; parents, spouses and children)
and then the lists that mention them. Each list ("source") covers the persons unevenly
and in correlation with the others, sometimes lists one person twice, writes names in
its own scripts and conventions and makes its own mistakes:

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
``PYTHONHASHSEED`` is.

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
import bisect
import csv
import functools
import itertools
import math
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from amanat.records.ids import ric_check_character
from amanat.records.places import Gazetteer, stdnum_xinjiang_codes
from population_data import scripts as sp

__all__ = ["COLUMNS", "ETHNICITIES", "SOURCES", "Population", "generate"]

DATA = Path(__file__).resolve().parent / "population_data"
SOURCES = ("atajurt", "ngo_latin", "official_cn", "uyghur_list", "other_org")
ETHNICITIES = ("kazakh", "uyghur", "kyrgyz", "hui")
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
    "person_id",
)
# Share of each ethnicity among the persons (Atajurt's reach: mostly Kazakhs).
_ETHNIC_MIX = (0.55, 0.30, 0.07, 0.08)
# Mean records per person that appears at all is about 2.5 with these coverages.
_ROWS_PER_PERSON = 2.5


# --- names ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    native: str
    female: bool
    forms: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Pool:
    """The names of one sex of one ethnicity, with Zipf-like cumulative weights."""

    names: tuple[_Name, ...]
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


def _turkic_pool(eth: str, lines: list[str], female: bool) -> _Pool:
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
        sp.turkic_zh(forms, female, attested)
        names.append(_Name(native, female, forms))
    return _Pool(tuple(names), _zipf(len(names)))


def _hui_pool(lines: list[str], female: bool) -> _Pool:
    names = []
    for line in lines:
        chars, *syllables = line.split()
        names.append(_Name(chars, female, sp.hui_forms(chars, tuple(syllables))))
    return _Pool(tuple(names), _zipf(len(names)))


@functools.cache
def _pools() -> dict[tuple[str, str], _Pool]:
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
class _County:
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
def _counties() -> dict[str, _County]:
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
        out[p.id] = _County(
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
    counties = _counties()
    weights: dict[str, float] = {}
    for item in _HOMES[eth].split():
        key, w = item.split(":")
        for code in counties:
            if code == key or (len(key) == 4 and code.startswith(key)):
                weights[code] = weights.get(code, 0.0) + float(w)
    codes = tuple(sorted(weights))
    return codes, tuple(itertools.accumulate(weights[c] for c in codes))


# --- persons -------------------------------------------------------------------


@dataclass
class _Person:
    pid: str
    eth: str
    female: bool
    given: _Name
    father: _Name
    family: _Name  # Kazakhstan-style family name base; usually the father's name
    surname: _Name  # Hui family name (for Turkic persons: the father)
    birth: tuple[int, int, int]
    county: str
    resident_id: str
    zh_variant: int
    visibility: float
    relatives: list[tuple[_Name, _Name]] = field(default_factory=list)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _resident_id(region: str, birth: tuple[int, int, int], female: bool, seq: int) -> str:
    seq = seq * 2 + (0 if female else 1)
    first17 = f"{region}{birth[0]:04d}{birth[1]:02d}{birth[2]:02d}{seq:03d}"
    return first17 + ric_check_character(first17)


class _People:
    """Draws persons one at a time, sometimes as a sibling of the previous one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools = _pools()
        self.counties = _counties()
        self.count = 0
        self.ids: set[str] = set()
        self.last: _Person | None = None

    def _name(self, eth: str, female: bool) -> _Name:
        pool = self.pools[eth, "female" if female else "male"]
        return pool.names[pool.draw(self.rng)]

    def _surname(self, eth: str) -> _Name:
        if eth == "hui":
            pool = self.pools["hui", "surname"]
            return pool.names[pool.draw(self.rng)]
        return self._name(eth, False)

    def next(self) -> _Person:
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
            eth = rng.choices(ETHNICITIES, _ETHNIC_MIX)[0]
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
        person = _Person(
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


# --- sources -------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    name: str
    coverage: dict[str, float]  # per ethnicity, before the prefecture factor
    correlation: float  # loading on the person's visibility (0: independent)
    duplicate: float  # chance of each further record of the same person
    conventions: dict[str, tuple[tuple[str, ...], tuple[float, ...]]]
    family_surname: float  # writes the Kazakhstan-style family name, not the father's
    suffix_ov: float  # -ов/-ov surname
    suffix_uly: float  # -ұлы/-uly surname
    patronymic: float
    surname_first: float
    swap: float  # order or fields mixed up by mistake
    single_column: float  # only a full-name column; given/surname empty
    typo: float  # per name part
    birth_full: float
    birth_year: float  # the rest: missing
    year_off: float
    day_month_swap: float
    sex_given: float
    id_given: float
    id_wrong: float
    id_legacy: float
    county_given: float
    neighbour: float
    hometown_given: float
    relative_given: float
    prefecture_factor: dict[str, float] = field(default_factory=dict)


def _conv(spec: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    pairs = [item.split(":") for item in spec.split()]
    return tuple(p[0] for p in pairs), tuple(itertools.accumulate(float(p[1]) for p in pairs))


_SPECS = (
    _Source(
        name="atajurt",
        coverage={"kazakh": 0.6, "uyghur": 0.07, "kyrgyz": 0.3, "hui": 0.1},
        correlation=0.6,
        duplicate=0.14,
        conventions={
            "kazakh": _conv(
                "kk-Cyrl:62 ru-Cyrl:14 kk-Arab:10 en-Latn:8 kk-Latn-2018:3 kk-Latn-2021:3"
            ),
            "kyrgyz": _conv("ky-Cyrl:35 kk-Cyrl:35 ru-Cyrl:20 en-Latn:10"),
            "uyghur": _conv("kk-Cyrl:50 ru-Cyrl:30 ug-Arab:10 en-Latn:10"),
            "hui": _conv("zh-Hans:30 ru-Cyrl:40 kk-Cyrl:20 en-Latn:10"),
        },
        family_surname=0.7,
        suffix_ov=0.15,
        suffix_uly=0.15,
        patronymic=0.12,
        surname_first=0.15,
        swap=0.04,
        single_column=0.0,
        typo=0.04,
        birth_full=0.55,
        birth_year=0.35,
        year_off=0.05,
        day_month_swap=0.03,
        sex_given=0.92,
        id_given=0.45,
        id_wrong=0.04,
        id_legacy=0.03,
        county_given=0.6,
        neighbour=0.04,
        hometown_given=0.85,
        relative_given=0.9,
    ),
    _Source(
        name="ngo_latin",
        coverage={"kazakh": 0.5, "uyghur": 0.5, "kyrgyz": 0.45, "hui": 0.4},
        correlation=0.7,
        duplicate=0.05,
        conventions={
            "kazakh": _conv(
                "en-Latn:45 ru-Latn:20 kk-Latn-2017:10 kk-Latn-2018:12 kk-Latn-2021:13"
            ),
            "kyrgyz": _conv("en-Latn:60 ru-Latn:40"),
            "uyghur": _conv("en-Latn:60 ug-Latn:40"),
            "hui": _conv("zh-Latn:85 en-Latn:15"),
        },
        family_surname=0.5,
        suffix_ov=0.2,
        suffix_uly=0.1,
        patronymic=0.05,
        surname_first=0.12,
        swap=0.05,
        single_column=0.1,
        typo=0.05,
        birth_full=0.3,
        birth_year=0.55,
        year_off=0.06,
        day_month_swap=0.02,
        sex_given=0.8,
        id_given=0.12,
        id_wrong=0.05,
        id_legacy=0.0,
        county_given=0.3,
        neighbour=0.04,
        hometown_given=0.6,
        relative_given=0.3,
    ),
    _Source(
        name="official_cn",
        coverage={"kazakh": 0.38, "uyghur": 0.38, "kyrgyz": 0.38, "hui": 0.38},
        correlation=0.0,
        duplicate=0.03,
        conventions={eth: _conv("zh-Hans:88 zh-Latn:12") for eth in ETHNICITIES},
        family_surname=0.0,
        suffix_ov=0.0,
        suffix_uly=0.0,
        patronymic=0.0,
        surname_first=0.0,
        swap=0.01,
        single_column=0.0,
        typo=0.02,
        birth_full=0.97,
        birth_year=0.0,
        year_off=0.005,
        day_month_swap=0.0,
        sex_given=1.0,
        id_given=0.97,
        id_wrong=0.01,
        id_legacy=0.0,
        county_given=1.0,
        neighbour=0.0,
        hometown_given=0.9,
        relative_given=0.15,
        # The leak comes from some prefectures' police: Ili and Kashgar well covered.
        prefecture_factor={"6540": 1.8, "6531": 1.6, "6542": 0.8, "6543": 0.4, "6532": 0.6},
    ),
    _Source(
        name="uyghur_list",
        coverage={"kazakh": 0.06, "uyghur": 0.6, "kyrgyz": 0.12, "hui": 0.1},
        correlation=0.5,
        duplicate=0.06,
        conventions={eth: _conv("ug-Arab:90 ug-Latn:10") for eth in ETHNICITIES},
        family_surname=0.0,
        suffix_ov=0.0,
        suffix_uly=0.0,
        patronymic=0.0,
        surname_first=0.0,
        swap=0.04,
        single_column=0.5,
        typo=0.06,
        birth_full=0.2,
        birth_year=0.6,
        year_off=0.2,
        day_month_swap=0.0,
        sex_given=0.6,
        id_given=0.08,
        id_wrong=0.06,
        id_legacy=0.0,
        county_given=0.3,
        neighbour=0.05,
        hometown_given=0.75,
        relative_given=0.4,
    ),
    _Source(
        name="other_org",
        coverage={"kazakh": 0.4, "uyghur": 0.3, "kyrgyz": 0.5, "hui": 0.4},
        correlation=0.6,
        duplicate=0.08,
        conventions={
            "kazakh": _conv("ru-Cyrl:55 kk-Cyrl:20 ru-Latn:25"),
            "kyrgyz": _conv("ky-Cyrl:60 ru-Cyrl:30 ru-Latn:10"),
            "uyghur": _conv("ug-Cyrl:30 ru-Cyrl:60 en-Latn:10"),
            "hui": _conv("ru-Cyrl:80 zh-Hans:20"),
        },
        family_surname=0.7,
        suffix_ov=0.45,
        suffix_uly=0.1,
        patronymic=0.3,
        surname_first=0.6,
        swap=0.06,
        single_column=0.1,
        typo=0.09,
        birth_full=0.3,
        birth_year=0.5,
        year_off=0.14,
        day_month_swap=0.03,
        sex_given=0.7,
        id_given=0.2,
        id_wrong=0.06,
        id_legacy=0.02,
        county_given=0.4,
        neighbour=0.05,
        hometown_given=0.6,
        relative_given=0.4,
    ),
)
_SPEC_BY_NAME = {s.name: s for s in _SPECS}


@functools.cache
def _threshold(source: str, eth: str, prefecture: str) -> float:
    """Inclusion threshold on a standard normal score: P(score < t) is the coverage.

    The score mixes the person's visibility (shared by the sources, which makes their
    coverage correlated) with noise of the source's own (a Gaussian copula)."""
    src = _SPEC_BY_NAME[source]
    p = src.coverage[eth] * src.prefecture_factor.get(prefecture, 1.0)
    return statistics.NormalDist().inv_cdf(min(0.95, p))


_SCRIPT_OF = sp.SCRIPT_OF


# --- rendering one record --------------------------------------------------------


def _pick(options: tuple[str, ...], rng: random.Random) -> str:
    if len(options) == 1 or rng.random() < 0.6:
        return options[0]
    return options[rng.randrange(len(options))]


def _form(name: _Name, conv: str, rng: random.Random, person: _Person) -> str:
    options = name.forms[conv]
    if conv in ("zh-Hans", "zh-Latn"):
        # One person's ID card carries one spelling; clerks differ between persons.
        return options[min(person.zh_variant, len(options) - 1)]
    return _pick(options, rng)


def _cap(text: str, conv: str) -> str:
    if conv in ("zh-Hans", "ug-Arab", "kk-Arab"):
        return text
    return sp.capitalize(text, conv)


def _names(
    person: _Person, src: _Source, conv: str, rng: random.Random
) -> tuple[str, str, str, str]:
    """(full name, given, surname, patronymic) as this source writes them."""
    script = _SCRIPT_OF[conv]
    if person.eth == "hui":
        given = _cap(_form(person.given, conv, rng, person), conv)
        surname = _cap(_form(person.surname, conv, rng, person), conv)
        patronymic = ""
        if conv == "zh-Hans":
            full = surname + given
        elif conv == "en-Latn" and rng.random() < 0.3:
            full = f"{given} {surname}"
        else:
            full = f"{surname} {given}"
    else:
        given = _cap(_form(person.given, conv, rng, person), conv)
        base = person.family if rng.random() < src.family_surname else person.father
        roll = rng.random()
        uly = False
        if roll < src.suffix_ov:
            surname = sp.surname_with_suffix(base.forms, conv, person.female)
        elif roll < src.suffix_ov + src.suffix_uly:
            surname = sp.uly_surname(base.forms, conv, person.female) or _form(
                base, conv, rng, person
            )
            uly = True
        else:
            surname = _form(base, conv, rng, person)
        surname = _cap(surname, conv)
        patronymic = ""
        # A patronymic beside a surname that already says "son of the father" is rare.
        if not (uly and base is person.father) and rng.random() < src.patronymic:
            patronymic = _cap(sp.patronymic(person.father.forms, conv, person.female), conv)
        if conv == "zh-Hans":
            dot = "·" if rng.random() < 0.93 else rng.choice(("•", "・", ""))
            full = f"{given}{dot}{surname}"
        elif rng.random() < src.surname_first:
            full = " ".join(p for p in (surname, given, patronymic) if p)
            if script == "Latn" and rng.random() < 0.4:
                full = full.replace(surname, sp.upper_all(surname, conv), 1)
        else:
            full = " ".join(p for p in (given, surname, patronymic) if p)
    if src.typo and rng.random() < src.typo * 2:
        if rng.random() < 0.5:
            given2 = sp.typo(given, script, rng)
            full = full.replace(given, given2, 1)
            given = given2
        else:
            surname2 = sp.typo(surname, script, rng)
            full = full.replace(surname, surname2, 1)
            surname = surname2
    if rng.random() < src.swap:
        if conv == "zh-Hans" and person.eth != "hui":
            full = "·".join(reversed(full.split("·"))) if "·" in full else full
        else:
            full = " ".join(reversed(full.split(" ")))
        if rng.random() < 0.5:
            given, surname = surname, given
    if conv == "ru-Latn" and rng.random() < 0.3:
        full = sp.upper_all(full, conv)
    if rng.random() < src.single_column:
        given = surname = patronymic = ""
    return full, given, surname, patronymic


def _birth(person: _Person, src: _Source, rng: random.Random) -> str:
    y, m, d = person.birth
    roll = rng.random()
    if rng.random() < src.year_off:
        y += rng.choice((-2, -1, -1, -1, 1, 1, 1, 2))
    if roll < src.birth_full:
        if rng.random() < src.day_month_swap and d <= 12 and d != m:
            m, d = d, m
        return f"{y:04d}-{m:02d}-{d:02d}"
    if roll < src.birth_full + src.birth_year:
        return f"{y:04d}"
    return ""


def _resident_id_text(person: _Person, src: _Source, rng: random.Random) -> str:
    if rng.random() >= src.id_given:
        return ""
    rid = person.resident_id
    if rng.random() < src.id_wrong:
        # One mistyped digit (the check character then fails) or two digits swapped.
        digits = list(rid)
        i = rng.randrange(17)
        if rng.random() < 0.7:
            digits[i] = str((int(digits[i]) + rng.randint(1, 9)) % 10)
        else:
            i = min(i, 15)
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        wrong = "".join(digits)
        if wrong[17] != ric_check_character(wrong[:17]):
            return wrong
        return rid[:16] + ("0" if rid[16] != "0" else "1") + rid[17]
    if rng.random() < src.id_legacy and rid[6:8] == "19":
        return rid[:6] + rid[8:17]  # the 15-digit number of a first-generation card
    return rid


def _hometown(county: _County, src: str, rng: random.Random) -> str:
    if src == "official_cn":
        style = rng.random()
        if style < 0.5:
            return f"{county.prefecture_zh}{county.zh}"
        if style < 0.8:
            return f"新疆{county.zh}"
        return county.zh
    if src == "atajurt":
        style = rng.random()
        if style < 0.4 and " " not in county.kk:
            return f"{county.kk} ауданы"
        if style < 0.8 and county.prefecture_kk:
            return f"{county.prefecture_kk}, {county.kk}"
        return county.kk
    if src == "uyghur_list":
        name = sp.uly_to_arabic(county.ug.replace(" nahiyisi", "").replace(" rayoni", ""))
        return name + (" ناھىيىسى" if rng.random() < 0.5 else "")
    if src == "ngo_latin":
        style = rng.random()
        if style < 0.5:
            return f"{county.pinyin} County"
        if style < 0.8:
            return county.ug.replace("'", "").title()
        return f"{county.pinyin}, Xinjiang"
    # other_org: Russian, from the Kazakh name.
    name = "".join(sp._KK_RU.get(c, c) for c in county.kk)
    return name if rng.random() < 0.5 else f"{name} уезд"


def _relative(person: _Person, conv: str, rng: random.Random) -> str:
    given, family = person.relatives[min(3, int(rng.expovariate(1.2)))]
    g = _cap(_pick(given.forms[conv], rng), conv)
    f = _cap(_pick(family.forms[conv], rng), conv)
    if conv == "zh-Hans":
        return f + g if person.eth == "hui" else f"{g}·{f}"
    if person.eth == "hui":
        return f"{f} {g}"
    return f"{g} {f}"


# --- generation ----------------------------------------------------------------


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
    people = _People(rng)
    counties = _counties()
    per_source: dict[str, list[tuple[str, ...]]] = {s.name: [] for s in _SPECS}
    total = 0
    persons = 0
    normal = rng.gauss
    while total < n_records:
        person = people.next()
        county = counties[person.county]
        pref = person.county[:4]
        rows: list[tuple[str, ...]] = []
        for src in _SPECS:
            threshold = _threshold(src.name, person.eth, pref)
            c = src.correlation
            z = c * person.visibility + math.sqrt(1 - c * c) * normal(0, 1)
            if z >= threshold:
                continue
            copies = 1
            while rng.random() < src.duplicate and copies < 4:
                copies += 1
            for _ in range(copies):
                rows.append(_record(person, county, src, rng, counties))
        if not rows:
            continue
        persons += 1
        for row in rows[: n_records - total]:
            per_source[row[0]].append(row)
        total += min(len(rows), n_records - total)
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for src in _SPECS:
        rows = per_source.pop(src.name)
        if not rows:
            continue
        rng.shuffle(rows)
        columns["record_id"].extend(f"{src.name}-{i:07d}" for i in range(1, len(rows) + 1))
        for key, values in zip(COLUMNS[1:], zip(*rows, strict=True), strict=True):
            columns[key].extend(values)
        del rows
    return Population(columns, seed, persons)


def _record(
    person: _Person, county: _County, src: _Source, rng: random.Random, counties: dict[str, _County]
) -> tuple[str, ...]:
    codes, cum = src.conventions[person.eth]
    conv = codes[bisect.bisect_right(cum, rng.random() * cum[-1])]
    full, given, surname, patronymic = _names(person, src, conv, rng)
    said = county
    if county.neighbours and rng.random() < src.neighbour:
        said = counties[rng.choice(county.neighbours)]
    code = said.code if rng.random() < src.county_given else ""
    hometown = _hometown(said, src.name, rng) if rng.random() < src.hometown_given else ""
    relative = _relative(person, conv, rng) if rng.random() < src.relative_given else ""
    sex = ("female" if person.female else "male") if rng.random() < src.sex_given else ""
    # Parts that repeat across records are interned: a million rows then hold one copy
    # of each given name, date and hometown (peak memory 0.9 -> 0.6 GB at 1M records).
    intern = sys.intern
    return (
        src.name,
        full,
        intern(given),
        intern(surname),
        intern(patronymic),
        _SCRIPT_OF[conv],
        intern(_birth(person, src, rng)),
        sex,
        _resident_id_text(person, src, rng),
        code,
        intern(hometown),
        relative,
        person.pid,
    )


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
