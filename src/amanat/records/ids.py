"""Identity numbers that must not be mixed up: PRC resident IDs, Kazakh IINs, passports.

Each class is a frozen value whose constructor refuses invalid state (STYLE rule 7):
a ``ResidentId`` cannot exist with a wrong check digit, an impossible birth date or an
unknown region code. Text a person typed goes through ``decode``, which tolerates
spaces, hyphens and a lower-case ``x`` and raises ``InputError`` with one plain
sentence that says what is wrong, never repeating the number itself.

Region names and their years of validity come from python-stdnum's GB/T 2260 table
(``stdnum.numdb.get("cn/loc")``, the database behind ``stdnum.cn.ric``); this module
never copies that file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Literal

from stdnum import numdb

from amanat.errors import InputError, Words

__all__ = ["KazakhIin", "PassportNumber", "RegionName", "ResidentId", "Sex"]

Sex = Literal["male", "female"]

# Anything longer is not a mistyped ID but something else pasted in; refuse it before
# doing any work, and without echoing it.
_MAX_INPUT = 64
_SEPARATORS = re.compile(r"[ \t\-]")
_ASCII_DIGITS = frozenset("0123456789")
_SCIENTIFIC = re.compile(r"\d[.,]\d*[eE]\+?\d+")
# ISO 7064 MOD 11-2 weights 2**(17-i) mod 11 for positions 0..16 (GB 11643-1999, 5.2).
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_COUNTY_ENTRY = re.compile(r"\[([0-9]*)-([0-9]*)\](.+)")


# Full-width digits, X and hyphen (６５４００２… copied from a Chinese notice) read as
# the ASCII characters they are; nothing else is folded (no NFKC: ² or ① are no digits).
FULL_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {
    0xFF38: ord("X"),
    0xFF58: ord("x"),
    0xFF0D: ord("-"),
    0x3000: ord(" "),
}


# The kinds of number ``_cleaned`` reads.
_Kind = Literal["resident ID", "IIN", "country code", "passport number"]


def N_(message: str) -> str:
    """Mark a message for the catalogues (scripts/i18n.py extract)."""
    return message


# The sexes an ID number tells, as its notes name them (in the reader's language).
_SEXES: dict[str, str] = {"male": N_("male"), "female": N_("female")}


# What ``_cleaned`` refuses, a whole sentence for each kind of number (an IIN, a
# resident ID), so that each is one message in the catalogues.
_REFUSALS: dict[str, dict[_Kind, str]] = {
    "not text": {
        "resident ID": N_("a resident ID must be given as text."),
        "IIN": N_("an IIN must be given as text."),
        "country code": N_("a country code must be given as text."),
        "passport number": N_("a passport number must be given as text."),
    },
    "too long": {
        "resident ID": N_("this is far too long to be a resident ID."),
        "IIN": N_("this is far too long to be an IIN."),
        "country code": N_("this is far too long to be a country code."),
        "passport number": N_("this is far too long to be a passport number."),
    },
    "empty": {
        "resident ID": N_("the resident ID is empty."),
        "IIN": N_("the IIN is empty."),
        "country code": N_("the country code is empty."),
        "passport number": N_("the passport number is empty."),
    },
    # 6.50102E+17, or 6,50102E+17 from a Russian Excel: the digits are gone
    "rounded": {
        "resident ID": N_(
            "a spreadsheet turned this resident ID into a number like 6.5E+17 and lost "
            "its last digits; format the column as text and type the number again."
        ),
        "IIN": N_(
            "a spreadsheet turned this IIN into a number like 6.5E+17 and lost its last "
            "digits; format the column as text and type the number again."
        ),
        "country code": N_(
            "a spreadsheet turned this country code into a number like 6.5E+17 and lost "
            "its last digits; format the column as text and type the number again."
        ),
        "passport number": N_(
            "a spreadsheet turned this passport number into a number like 6.5E+17 and "
            "lost its last digits; format the column as text and type the number again."
        ),
    },
    "alphabet": {
        "resident ID": N_(
            "a resident ID contains only the digits 0-9 and, as its last character, X."
        ),
        "IIN": N_("an IIN contains only the digits 0-9."),
        "country code": N_("a country code contains only the letters A-Z."),
        "passport number": N_("a passport number contains only the letters A-Z and digits."),
    },
}


def _cleaned(text: str, kind: _Kind) -> str:
    """Strip separators; refuse empty, overlong or non-ASCII text (saying which
    characters the ``kind`` of number holds)."""
    if not isinstance(text, str):
        raise InputError(_REFUSALS["not text"][kind])
    if len(text) > _MAX_INPUT:
        raise InputError(_REFUSALS["too long"][kind])
    compact = _SEPARATORS.sub("", text.strip().translate(FULL_WIDTH))
    if not compact:
        raise InputError(_REFUSALS["empty"][kind])
    if _SCIENTIFIC.fullmatch(compact):
        raise InputError(_REFUSALS["rounded"][kind])
    # Checked before upper() so that e.g. a dotless i cannot become an ASCII I, and
    # before any digit test so that Arabic-Indic digits are refused (full-width ones,
    # as a number copied from a Chinese document prints them, were read above).
    if not compact.isascii() or not compact.isalnum():
        raise InputError(_REFUSALS["alphabet"][kind])
    return compact.upper()


def _calendar_date(year: int, month: int, day: int, kind: Literal["resident ID", "IIN"]) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        date = f"{year:04d}-{month:02d}-{day:02d}"
        if kind == "IIN":
            raise InputError(
                "the birth date in this IIN (%(date)s) does not exist; the number may be mistyped.",
                date=date,
            ) from None
        raise InputError(
            "the birth date in this resident ID (%(date)s) does not exist; "
            "the number may be mistyped.",
            date=date,
        ) from None


def _check_plausible(
    born: dt.date, today: dt.date | None, kind: Literal["resident ID", "IIN"]
) -> None:
    today = today or dt.date.today()
    if born > today:
        if kind == "IIN":
            raise InputError(
                "the birth date in this IIN (%(date)s) is in the future; "
                "the number may be mistyped.",
                date=born.isoformat(),
            )
        raise InputError(
            "the birth date in this resident ID (%(date)s) is in the future; "
            "the number may be mistyped.",
            date=born.isoformat(),
        )


def ric_check_character(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@dataclass(frozen=True)
class RegionName:
    """One name a GB/T 2260 code carried, and the years it carried it (None = open)."""

    code: str
    level: Literal["province", "prefecture", "county"]
    name: str
    valid_from: int | None = None
    valid_until: int | None = None

    def valid_in(self, year: int) -> bool:
        """Whether this name was in force for the code at some point of ``year``."""
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_until is None or year <= self.valid_until
        )


def _names(code: str, level: Literal["prefecture", "county"], raw: str) -> list[RegionName]:
    # stdnum writes each name as "[1984-2015]吐鲁番市", several joined by commas when the
    # code was reused; a name without brackets was valid throughout.
    out = []
    for part in raw.split(","):
        match = _COUNTY_ENTRY.fullmatch(part)
        if match is None:
            out.append(RegionName(code, level, part))
        else:
            start, end, name = match.groups()
            out.append(
                RegionName(
                    code, level, name, int(start) if start else None, int(end) if end else None
                )
            )
    return out


@functools.lru_cache(maxsize=8192)
def _region(code: str) -> tuple[RegionName, ...]:
    """Every name on record for ``code`` and its prefecture, or () if the code is unknown.

    Cached: a projection decodes the same few hundred Xinjiang codes again and again,
    and each numdb lookup walks python-stdnum's table (0.2 ms)."""
    db = numdb.get("cn/loc")
    parts = db.info(code)
    if len(parts) < 2 or "province" not in parts[0][1] or "county" not in parts[1][1]:
        return ()
    out = [RegionName(code[:2] + "0000", "province", parts[0][1]["province"])]
    prefecture = code[:4] + "00"
    if prefecture != code and code[2:4] != "00":
        upper = db.info(prefecture)
        if len(upper) >= 2 and "county" in upper[1][1]:
            out += _names(prefecture, "prefecture", upper[1][1]["county"])
    out += _names(code, "county", parts[1][1]["county"])
    return tuple(out)


@dataclass(frozen=True)
class ResidentId:
    """A PRC resident identity number (居民身份证号码), GB 11643-1999.

    ``number`` is the normalised 18-character form: region code (6 digits, GB/T 2260),
    birth date (YYYYMMDD), sequence (3 digits; odd for men, even for women) and the
    ISO 7064 MOD 11-2 check character (``X`` for 10).

    The region code is the registration office's code at the time the number was
    issued, which may be years after birth, so a code introduced after the birth year
    is normal. A code that existed at some time in python-stdnum's table is accepted;
    its names and years are in ``region``.

    15-digit numbers (the first-generation cards issued 1984-2004, GB 11643-1989:
    region, YYMMDD, sequence, no check digit) are accepted by ``decode`` and converted
    the official way: "19" is inserted before the year and the check character
    computed. Those cards were replaced by 2013, but relatives still hold photographs
    and papers bearing them, and refusing them would lose the person's record; the
    original form is kept in ``legacy_number``.
    """

    number: str
    legacy_number: str | None = None

    def __post_init__(self) -> None:
        n = self.number
        if len(n) != 18 or not set(n[:17]) <= _ASCII_DIGITS:
            raise InputError("a resident ID has 17 digits followed by a digit or X.")
        expected = ric_check_character(n[:17])
        if n[17] != expected:
            raise InputError(
                "the last character should be %(expected)s; the number may be mistyped.",
                expected=expected,
            )
        _calendar_date(int(n[6:10]), int(n[10:12]), int(n[12:14]), "resident ID")
        if self.legacy_number is not None and self.legacy_number != n[:6] + n[8:17]:
            raise InputError("the old 15-digit form does not match the resident ID.")
        if not _region(n[:6]):
            raise InputError(
                "the region code %(code)s is not a known GB/T 2260 code; "
                "the number may be mistyped.",
                code=n[:6],
            )

    @classmethod
    def decode(cls, text: str, *, today: dt.date | None = None) -> ResidentId:
        """Validate typed text and return the resident ID it spells.

        A birth date after ``today`` (default: the real date; a parameter so tests
        stay fixed) is refused here rather than in the constructor, which stays
        independent of the clock. Early dates are not refused: the standard's own
        example is of a person born in 1880.
        """
        compact = _cleaned(text, "resident ID")
        if not set(compact[:-1]) <= _ASCII_DIGITS or compact[-1] not in "0123456789X":
            raise InputError(
                "a resident ID contains only the digits 0-9 and, as its last character, X."
            )
        legacy = None
        if len(compact) == 15:
            if compact[-1] == "X":
                raise InputError("an old 15-digit resident ID contains only digits.")
            legacy = compact
            first17 = compact[:6] + "19" + compact[6:]
            compact = first17 + ric_check_character(first17)
        elif len(compact) != 18:
            raise InputError(
                "a resident ID has 18 characters (or 15 on old cards); this one has %(count)d.",
                count=len(compact),
            )
        made = cls(compact, legacy)
        _check_plausible(made.birth_date, today, "resident ID")
        return made

    @property
    def region_code(self) -> str:
        return self.number[:6]

    @property
    def birth_date(self) -> dt.date:
        n = self.number
        return dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))

    @property
    def sex(self) -> Sex:
        return "male" if int(self.number[14:17]) % 2 else "female"

    @property
    def region(self) -> tuple[RegionName, ...]:
        """Province, prefecture and county names for the code, each with its years."""
        return _region(self.region_code)

    @property
    def in_xinjiang(self) -> bool:
        return self.region_code.startswith("65")

    def abolished_before_birth(self) -> int | None:
        """The year the number's county code was abolished, when that was before the
        birth year the number gives; else None."""
        # A number is issued at or after birth, so a code abolished before the birth
        # year is suspicious. Not refused: stdnum's years come from Wikipedia and may
        # be off by one, and a desk must not lose a record over that.
        ends = [r.valid_until for r in self.region if r.level == "county"]
        if not ends or None in ends:
            return None
        last = max(e for e in ends if e is not None)
        return last if last < self.birth_date.year else None

    def notes(self) -> list[Words]:
        """Doubts about the number itself that do not make it invalid."""
        last = self.abolished_before_birth()
        if last is None:
            return []
        return [
            Words(
                "the region code %(code)s was abolished in %(last)s, before the birth year "
                "%(year)s; check the number.",
                code=self.region_code,
                last=last,
                year=self.birth_date.year,
            )
        ]

    def conflicts_with(
        self, birth_date: dt.date | int | None = None, sex: str | None = None
    ) -> list[Words]:
        """Plain-language notes where the ID disagrees with what the record says.

        ``birth_date`` is a full date or just a year. The notes are for a person to
        weigh; neither value is changed.
        """
        out = []
        born = self.birth_date
        said = birth_date.isoformat() if isinstance(birth_date, dt.date) else birth_date
        if said is not None and birth_date not in (born, born.year):
            out.append(
                Words(
                    "the ID says born %(born)s; the record says %(said)s.",
                    born=born.isoformat(),
                    said=said,
                )
            )
        if sex in ("male", "female") and sex != self.sex:
            out.append(
                Words(
                    "the ID says %(id_sex)s; the record says %(sex)s.",
                    id_sex=Words(_SEXES[self.sex]),
                    sex=Words(_SEXES[sex]),
                )
            )
        return out

    def __str__(self) -> str:
        return self.number


# Kazakhstan IIN (ЖСН / ИИН). python-stdnum 2.2 has no kz module, so this follows the
# published rule: Law of the Republic of Kazakhstan "On national registers of
# identification numbers" (12 January 2007, No. 223) and its formation rules, as
# summarised in the Russian Wikipedia article "Индивидуальный идентификационный номер".
_IIN_FIRST = tuple(range(1, 12))
_IIN_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Seventh digit: century of birth and sex.
_IIN_CENTURY: dict[str, tuple[int, Sex]] = {
    "1": (1800, "male"),
    "2": (1800, "female"),
    "3": (1900, "male"),
    "4": (1900, "female"),
    "5": (2000, "male"),
    "6": (2000, "female"),
}


def iin_check_digit(first11: str) -> int | None:
    """The IIN check digit for 11 digits, or None where both passes give 10 (never issued)."""
    digits = [int(d) for d in first11]
    for weights in (_IIN_FIRST, _IIN_SECOND):
        value = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if value != 10:
            return value
    return None


@dataclass(frozen=True)
class KazakhIin:
    """Kazakhstan's 12-digit individual identification number.

    YYMMDD birth date, a century/sex digit (1-6: odd men, even women; 1-2 the 1800s,
    3-4 the 1900s, 5-6 the 2000s), four registration digits and a check digit.

    The check is weaker than GB 11643's: the first pass weighs the 11th digit by 11,
    which is 0 modulo 11, so most mistypes of that digit are not caught.
    """

    number: str

    def __post_init__(self) -> None:
        n = self.number
        if len(n) != 12 or not set(n) <= _ASCII_DIGITS:
            raise InputError("an IIN has exactly 12 digits.")
        if n[6] not in _IIN_CENTURY:
            raise InputError(
                "the seventh digit of an IIN (century and sex) must be 1 to 6; "
                "the number may be mistyped."
            )
        expected = iin_check_digit(n[:11])
        if expected is None:
            raise InputError(
                "this IIN cannot have been issued (no check digit fits); "
                "the number may be mistyped."
            )
        if int(n[11]) != expected:
            raise InputError(
                "the last digit should be %(expected)d; the number may be mistyped.",
                expected=expected,
            )
        century = _IIN_CENTURY[n[6]][0]
        _calendar_date(century + int(n[:2]), int(n[2:4]), int(n[4:6]), "IIN")

    @classmethod
    def decode(cls, text: str, *, today: dt.date | None = None) -> KazakhIin:
        """Validate typed text (spaces and hyphens allowed) and return the IIN."""
        compact = _cleaned(text, "IIN")
        if not set(compact) <= _ASCII_DIGITS:
            raise InputError("an IIN contains only the digits 0-9.")
        if len(compact) != 12:
            raise InputError("an IIN has 12 digits; this one has %(count)d.", count=len(compact))
        made = cls(compact)
        _check_plausible(made.birth_date, today, "IIN")
        return made

    @property
    def birth_date(self) -> dt.date:
        n = self.number
        century = _IIN_CENTURY[n[6]][0]
        return dt.date(century + int(n[:2]), int(n[2:4]), int(n[4:6]))

    @property
    def sex(self) -> Sex:
        return _IIN_CENTURY[self.number[6]][1]

    def __str__(self) -> str:
        return self.number


_COUNTRY = re.compile(r"[A-Z]{2,3}")
_PASSPORT = re.compile(r"[A-Z0-9]{1,20}")


@dataclass(frozen=True)
class PassportNumber:
    """A passport's issuing country (ISO 3166-1 alpha-2 or alpha-3) and number.

    No checksum is checked: numbering differs by country and era. Use ``decode`` for
    typed text; it trims, removes inner spaces and hyphens and upper-cases.
    """

    country: str
    number: str

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country):
            raise InputError("a passport's country is a two- or three-letter ISO code.")
        if not _PASSPORT.fullmatch(self.number):
            raise InputError(
                "a passport number contains only the letters A-Z and digits, at most 20."
            )

    @classmethod
    def decode(cls, country: str, number: str) -> PassportNumber:
        return cls(
            _cleaned(country, "country code"),
            _cleaned(number, "passport number"),
        )

    def __str__(self) -> str:
        return f"{self.country} {self.number}"
