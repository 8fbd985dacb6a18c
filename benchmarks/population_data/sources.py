"""The five source lists of a test population: who each covers and how it writes.

Part of ``benchmarks/population.py``. Each ``Source`` says which persons a list covers
(by ethnicity and prefecture, correlated with the other lists through the person's
visibility), how often it lists a person twice, which spelling conventions it uses and
which mistakes it makes; ``record`` renders one record of one person.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
import statistics
import sys
from dataclasses import dataclass, field

from amanat.records.ids import ric_check_character
from population_data import noise
from population_data import scripts as sp
from population_data.people import ETHNICITIES, County, Name, Person

__all__ = ["SPECS", "Source", "detention", "record", "threshold"]


@dataclass(frozen=True)
class Source:
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
    # when the person was taken: said at all, to the day, to the month (the rest: the
    # year alone), and remembered a month or more off (a family's memory, a later
    # transfer written as the date of detention)
    detained_given: float = 0.0
    detained_day: float = 0.0
    detained_month: float = 0.0
    detained_off: float = 0.0
    detained_style: str = "iso"  # "iso": 2017-04-12; "dots": 12.04.2017
    pinyin_too: float = 0.0  # a Chinese name followed by its pinyin in brackets
    prefecture_factor: dict[str, float] = field(default_factory=dict)


def _conv(spec: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    pairs = [item.split(":") for item in spec.split()]
    return tuple(p[0] for p in pairs), tuple(itertools.accumulate(float(p[1]) for p in pairs))


SPECS = (
    Source(
        name="atajurt",
        coverage={"kazakh": 0.6, "uyghur": 0.07, "kyrgyz": 0.3, "hui": 0.1},
        correlation=0.75,
        duplicate=0.16,
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
        detained_given=0.85,
        detained_day=0.3,
        detained_month=0.5,
        detained_off=0.12,
        detained_style="dots",
    ),
    Source(
        name="ngo_latin",
        coverage={"kazakh": 0.5, "uyghur": 0.5, "kyrgyz": 0.45, "hui": 0.4},
        correlation=0.8,
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
        detained_given=0.5,
        detained_day=0.2,
        detained_month=0.5,
        detained_off=0.1,
        detained_style="iso",
    ),
    Source(
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
        detained_given=0.9,
        detained_day=0.95,
        detained_month=0.05,
        detained_off=0.02,
        detained_style="iso",
        pinyin_too=0.05,
        # The leak comes from some prefectures' police: Ili and Kashgar well covered.
        prefecture_factor={"6540": 1.8, "6531": 1.6, "6542": 0.8, "6543": 0.4, "6532": 0.6},
    ),
    Source(
        name="uyghur_list",
        coverage={"kazakh": 0.06, "uyghur": 0.6, "kyrgyz": 0.12, "hui": 0.1},
        correlation=0.65,
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
        detained_given=0.6,
        detained_day=0.1,
        detained_month=0.5,
        detained_off=0.15,
        detained_style="iso",
    ),
    Source(
        name="other_org",
        coverage={"kazakh": 0.4, "uyghur": 0.3, "kyrgyz": 0.5, "hui": 0.4},
        correlation=0.75,
        duplicate=0.1,
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
        detained_given=0.4,
        detained_day=0.1,
        detained_month=0.4,
        detained_off=0.2,
        detained_style="dots",
    ),
)
_SPEC_BY_NAME = {s.name: s for s in SPECS}


@functools.cache
def threshold(source: str, eth: str, prefecture: str) -> float:
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


def _form(name: Name, conv: str, rng: random.Random, person: Person) -> str:
    options = name.forms[conv]
    if conv in ("zh-Hans", "zh-Latn"):
        # One person's ID card carries one spelling; clerks differ between persons.
        return options[min(person.zh_variant, len(options) - 1)]
    return _pick(options, rng)


def _cap(text: str, conv: str) -> str:
    if conv in ("zh-Hans", "ug-Arab", "kk-Arab"):
        return text
    return sp.capitalize(text, conv)


def _names(person: Person, src: Source, conv: str, rng: random.Random) -> tuple[str, str, str, str]:
    """(full name, given, surname, patronymic) as this source writes them."""
    script = _SCRIPT_OF[conv]
    given = _cap(_form(person.given, conv, rng, person), conv)
    patronymic = ""
    if person.eth == "hui":
        surname = _cap(_form(person.surname, conv, rng, person), conv)
    else:
        base = person.family if rng.random() < src.family_surname else person.father
        roll = rng.random()
        uly = False
        if roll < src.suffix_ov:
            surname = sp.surname_with_suffix(base.forms, conv, person.female)
        elif roll < src.suffix_ov + src.suffix_uly:
            surname = sp.uly_surname(base.forms, conv, person.female)
            surname = surname or _form(base, conv, rng, person)
            uly = True
        else:
            surname = _form(base, conv, rng, person)
        surname = _cap(surname, conv)
        # A patronymic beside a surname that already says "son of the father" is rare,
        # and Uyghurs use one only in Russian-language papers.
        if (
            not (uly and base is person.father)
            and (person.eth != "uyghur" or conv in ("ru-Cyrl", "ru-Latn"))
            and rng.random() < src.patronymic
        ):
            patronymic = _cap(sp.patronymic(person.father.forms, conv, person.female), conv)
    if src.typo and rng.random() < src.typo * 2:
        if rng.random() < 0.5:
            given = noise.typo(given, script, rng)
        else:
            surname = noise.typo(surname, script, rng)
    shown_surname = surname
    if script == "Latn" and rng.random() < 0.1:
        shown_surname = sp.upper_all(surname, conv)  # "BILASH Serikzhan"
    if person.eth == "hui":
        if conv == "zh-Hans":
            full = surname + given
        elif conv == "en-Latn" and rng.random() < 0.3:
            full = f"{given} {surname}"
        else:
            full = f"{shown_surname} {given}"
    elif conv == "zh-Hans":
        dot = "·" if rng.random() < 0.93 else rng.choice(("•", "・", ""))
        full = f"{given}{dot}{surname}"
    elif conv == "zh-Latn":
        full = f"{given}{'·' if rng.random() < 0.2 else ' '}{surname}"
    elif rng.random() < src.surname_first:
        full = " ".join(p for p in (shown_surname, given, patronymic) if p)
    else:
        full = " ".join(p for p in (given, surname, patronymic) if p)
    if rng.random() < src.swap:
        if conv == "zh-Hans" and person.eth != "hui":
            full = "·".join(reversed(full.split("·"))) if "·" in full else full
        else:
            full = " ".join(reversed(full.split(" ")))
        if rng.random() < 0.5:
            given, surname = surname, given
    if conv == "ru-Latn" and rng.random() < 0.3:
        full = sp.upper_all(full, conv)
    if conv == "zh-Hans" and rng.random() < src.pinyin_too:
        # Some rosters add the pinyin: "赛力克江·别拉什 (Sailikejiang Bielashi)".
        latin = person.surname if person.eth == "hui" else person.father
        parts = (_form(person.given, "zh-Latn", rng, person), _form(latin, "zh-Latn", rng, person))
        if person.eth == "hui":
            parts = parts[::-1]
        full += " (" + " ".join(p.capitalize() for p in parts) + ")"
    if rng.random() < src.single_column:
        given = surname = patronymic = ""
    return full, given, surname, patronymic


def _birth(person: Person, src: Source, rng: random.Random) -> str:
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


def _resident_id_text(person: Person, src: Source, rng: random.Random) -> str:
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


def _hometown(county: County, src: str, rng: random.Random) -> str:
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
    kk = county.kk.removesuffix(" ауданы").removesuffix(" қаласы")
    name = "".join(
        sp.KK_RU.get(c, c) if c.islower() else sp.KK_RU.get(c.lower(), c.lower()).upper()
        for c in kk
    )
    return name if rng.random() < 0.5 else f"{name} уезд"


def _relative(person: Person, conv: str, rng: random.Random) -> str:
    given, family = person.relatives[min(3, int(rng.expovariate(1.2)))]
    g = _cap(_pick(given.forms[conv], rng), conv)
    f = _cap(_pick(family.forms[conv], rng), conv)
    if conv == "zh-Hans":
        return f + g if person.eth == "hui" else f"{g}·{f}"
    if person.eth == "hui":
        return f"{f} {g}"
    return f"{g} {f}"


def _detained(taken: dt.date, src: Source, rng: random.Random) -> str:
    if rng.random() >= src.detained_given:
        return ""
    if rng.random() < src.detained_off:
        months = rng.choice((-12, -3, -2, -1, -1, 1, 1, 2, 3, 12))
        m = taken.year * 12 + taken.month - 1 + months
        taken = dt.date(m // 12, m % 12 + 1, min(taken.day, 28))
    roll = rng.random()
    dots = src.detained_style == "dots"
    if roll < src.detained_day:
        return taken.strftime("%d.%m.%Y" if dots else "%Y-%m-%d")
    if roll < src.detained_day + src.detained_month:
        return taken.strftime("%m.%Y" if dots else "%Y-%m")
    return f"{taken.year:04d}"


def detention(rng: random.Random) -> dt.date:
    """When a person was taken: most in 2017 and 2018, the height of the internments."""
    year = rng.choices((2014, 2015, 2016, 2017, 2018, 2019, 2020), (2, 3, 6, 40, 35, 10, 4))[0]
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def record(
    person: Person,
    county: County,
    src: Source,
    rng: random.Random,
    counties: dict[str, County],
    taken: tuple[dt.date, random.Random] | None = None,
) -> tuple[str, ...]:
    """One record of ``person`` in ``src``. ``taken``: when the person was taken, and
    the random stream its mentions are drawn from (kept apart from ``rng``, so that
    the rest of a population is the same with or without detention dates)."""
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
        intern(_detained(taken[0], src, taken[1])) if taken is not None else "",
        person.pid,
    )
