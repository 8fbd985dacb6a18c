"""Dates as an intake desk records them: with their precision (INTAKE.md, steps 4 and 7).

A relative knows the day a husband was taken, or only "April 2018", or "2017 or 2018",
or that he was "about 45". A ``PartialDate`` keeps exactly that: the earliest and the
latest day it could be, and which of day, month, year or range was said. It is a
frozen value whose constructor refuses inconsistent state (STYLE rule 5), so every set
of days has one spelling and equal values mean equal claims.

Typed text goes through ``PartialDate.parse``, which accepts the forms volunteers type
and raises ``InputError`` with one plain sentence otherwise, never repeating long
input. Day-first dotted dates (12.04.2018) are how dates are written in Kazakhstan and
Russia; slashed or dashed day/month orders (04/05/2018) are refused because an
American-trained hand reads them month first.

There is no decade precision: no volunteer form needs it, and "in the 1970s" is the
range ``1970..1979``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
import re
from dataclasses import dataclass

from amanat.errors import InputError

__all__ = ["PartialDate", "Precision", "stored_date"]

_MAX_INPUT = 64
_FIRST_YEAR = 1900
_APPROXIMATE = re.compile(r"(~|c\.|ca\.|circa\b|около\b|примерно\b|шамамен\b)\s*", re.IGNORECASE)
_DAY_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# year first with dots or slashes, as Chinese rosters write it: 1980.04.12, 1980/04/12
_DAY_YEAR_FIRST = re.compile(r"(\d{4})[./](\d{1,2})[./](\d{1,2})")
# a time of day after a date, as spreadsheets write a date-time cell into a CSV
# ("12.04.1980 0:00:00" in Russian Excel, "2019-03-01T00:00:00"): the day is the date
_TIME_OF_DAY = re.compile(r"(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_MONTH_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_DOTTED = re.compile(r"(\d{1,2})\.(\d{4})")
_YEAR = re.compile(r"\d{4}")
_YEAR_RANGE = re.compile(r"(\d{4})[-/](\d{4})")
_AMBIGUOUS = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{4}")
_SHORT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
# Chinese documents and rosters: 1974年3月15日, 1974年3月, 1974年 (日 or 号 for the day)
_CJK = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?")
# "year" after a date, as Russian and Kazakh lists write it: 1990 г.р. (год рождения),
# 1990 г., 1990 года, 1990 ж., 1990 жылы, 1990 ж.т. (жылы туған)
_YEAR_WORD = re.compile(
    r"(?<=\d)(г\.?р\.?|г\.|года|год|ж\.т\.?|жылы|жыл|ж\.)(?=$|\.\.)", re.IGNORECASE
)


class Precision(enum.Enum):
    """What the person said: a day, a month, a year, or a span between two days."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


def _calendar_day(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise InputError("there is no month %(month)d; months run from 1 to 12.", month=month)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(
            "there is no day %(day)s; check the day and month.",
            day=f"{year:04d}-{month:02d}-{day:02d}",
        ) from None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _precision_of(earliest: dt.date, latest: dt.date) -> Precision:
    """The finest precision that spells exactly the days from earliest to latest."""
    if earliest == latest:
        return Precision.DAY
    if earliest.day == 1 and latest == _month_end(earliest.year, earliest.month):
        return Precision.MONTH
    if (earliest.month, earliest.day) == (1, 1) and latest == dt.date(earliest.year, 12, 31):
        return Precision.YEAR
    return Precision.RANGE


def _start_text(day: dt.date) -> str:
    if (day.month, day.day) == (1, 1):
        return f"{day.year:04d}"
    if day.day == 1:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _end_text(day: dt.date) -> str:
    if (day.month, day.day) == (12, 31):
        return f"{day.year:04d}"
    if day == _month_end(day.year, day.month):
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


@dataclass(frozen=True, eq=True)
class PartialDate:
    """The days something may have happened on, and how precisely it was said.

    ``earliest`` and ``latest`` are inclusive. ``precision`` must be the finest one
    that spells them: DAY when they are equal, MONTH for a whole calendar month, YEAR
    for a whole calendar year, RANGE for anything else (so ``between`` picks it and
    the constructor refuses a RANGE that is really one month). ``approximate`` records
    "about", "c." or "около": the bounds are what was said, not a guarantee.

    Values sort by (earliest, latest, approximate), a total order consistent with
    equality because the bounds determine the precision.
    """

    earliest: dt.date
    latest: dt.date
    precision: Precision
    approximate: bool = False

    def __post_init__(self) -> None:
        for bound in (self.earliest, self.latest):
            # datetime is a subclass of date; a time of day would break comparisons.
            if not isinstance(bound, dt.date) or isinstance(bound, dt.datetime):
                raise InputError("a partial date's bounds must be calendar dates.")
        if not isinstance(self.precision, Precision):
            raise InputError("a partial date's precision must be a Precision.")
        if not isinstance(self.approximate, bool):
            raise InputError("a partial date's approximate flag must be true or false.")
        if self.earliest > self.latest:
            raise InputError("a date range cannot end before it starts.")
        fits = _precision_of(self.earliest, self.latest)
        if fits is not self.precision:
            raise InputError(
                "these bounds describe a %(fits)s, not a %(precision)s.",
                fits=fits.value,
                precision=self.precision.value,
            )

    # Constructors -----------------------------------------------------------------

    @classmethod
    def day(cls, year: int, month: int, day: int, *, approximate: bool = False) -> PartialDate:
        on = _calendar_day(year, month, day)
        return cls(on, on, Precision.DAY, approximate)

    @classmethod
    def month(cls, year: int, month: int, *, approximate: bool = False) -> PartialDate:
        first = _calendar_day(year, month, 1)
        return cls(first, _month_end(year, month), Precision.MONTH, approximate)

    @classmethod
    def year(cls, year: int, *, approximate: bool = False) -> PartialDate:
        first = _calendar_day(year, 1, 1)
        return cls(first, dt.date(year, 12, 31), Precision.YEAR, approximate)

    @classmethod
    def between(
        cls, earliest: dt.date, latest: dt.date, *, approximate: bool = False
    ) -> PartialDate:
        """The days from ``earliest`` to ``latest``, at the finest precision that fits."""
        if earliest > latest:
            raise InputError("a date range cannot end before it starts.")
        return cls(earliest, latest, _precision_of(earliest, latest), approximate)

    @classmethod
    def from_age(cls, age: int, *, on: dt.date) -> PartialDate:
        """The birth dates of someone who was ``age`` years old on the day ``on``.

        Aged 45 on 2019-03-01 means born from 1973-03-02 to 1974-03-01. Someone born
        on 29 February is taken to have a birthday on 1 March in common years, as the
        usual ``age`` arithmetic (compare month and day) does.
        """
        return cls.from_age_range(age, age, on=on)

    @classmethod
    def from_age_range(cls, youngest: int, oldest: int, *, on: dt.date) -> PartialDate:
        """Birth dates for an age between ``youngest`` and ``oldest`` ("in his 40s": 40, 49)."""
        if not 0 <= youngest <= oldest <= 150:
            raise InputError("an age range runs from a younger to an older age, 0 to 150.")
        latest = _years_before(on, youngest)
        earliest = _years_before(on, oldest + 1) + dt.timedelta(days=1)
        return cls.between(earliest, latest)

    @classmethod
    def parse(cls, text: str, *, today: dt.date) -> PartialDate:
        """Read a date as a volunteer types it; refuse it in one sentence otherwise.

        Accepted: 2018-04-12, 12.04.2018, 2018-04, 04.2018, 2018, ranges 2017..2018,
        2017-2018, 2017/2018 and 2017–2018 (either end may be a day or month), each
        optionally after ~, c., ca., circa, около, примерно or шамамен for "about";
        Chinese 2018年4月12日, 2018年4月, 2018年, and year first 2018.04.12 or
        2018/04/12; the word for "year" after a date (1990 г.р., 1990 г., 1990 ж.,
        1990 жылы); a time of day after a date (12.04.2018 0:00:00, as spreadsheets
        write a date-time cell), which is left out.
        ``today`` is a parameter so that tests stay fixed; nothing after it is taken.
        """
        if not isinstance(text, str):
            raise InputError("a date must be given as text.")
        if len(text) > _MAX_INPUT:
            raise InputError("this is far too long to be a date.")
        body = _TIME_OF_DAY.sub("", text.strip())
        prefix = _APPROXIMATE.match(body)
        approximate = prefix is not None
        if prefix is not None:
            body = body[prefix.end() :]
        body = re.sub(r"\s+", "", body.replace("–", "..").replace("—", ".."))
        body = _YEAR_WORD.sub("", _CJK.sub(_iso, body))
        if not body:
            raise InputError("the date is empty.")
        if any(ch.isdigit() and not ch.isascii() for ch in body):
            raise InputError("write the date with the digits 0-9.")
        if not body.isascii():
            raise InputError(
                "this is not a date the desk understands; write it as 2018-04-12, 12.04.2018, "
                "2018-04, 04.2018, 2018 or 2017..2018."
            )
        years = _YEAR_RANGE.fullmatch(body)
        if years is not None:
            body = f"{years[1]}..{years[2]}"
        if ".." in body:
            parts = body.split("..")
            if len(parts) != 2:
                raise InputError("a range has one start and one end, as in 2017..2018.")
            start, end = (_single(part, today) for part in parts)
            if start.earliest > end.latest:
                raise InputError("the range ends before it starts; write the earlier date first.")
            return cls.between(start.earliest, end.latest, approximate=approximate)
        single = _single(body, today)
        return cls(single.earliest, single.latest, single.precision, approximate)

    # Reading -----------------------------------------------------------------------

    def to_text(self) -> str:
        """The canonical spelling, which ``parse`` reads back to an equal value."""
        mark = "~" if self.approximate else ""
        first = self.earliest
        if self.precision is Precision.DAY:
            return mark + first.isoformat()
        if self.precision is Precision.MONTH:
            return f"{mark}{first.year:04d}-{first.month:02d}"
        if self.precision is Precision.YEAR:
            return f"{mark}{first.year:04d}"
        return f"{mark}{_start_text(first)}..{_end_text(self.latest)}"

    def __str__(self) -> str:
        return self.to_text()

    def contains(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest

    def overlaps(self, other: PartialDate) -> bool:
        """Whether some day could be both: the two spans share at least one day."""
        return self.earliest <= other.latest and other.earliest <= self.latest

    def years(self) -> tuple[int, int]:
        """First and last calendar year covered, for blocking candidates in record linkage."""
        return self.earliest.year, self.latest.year

    def months_since(self, today: dt.date) -> int:
        """Whole calendar months from ``latest`` to ``today``; 0 if ``latest`` is not past.

        A month ending on a shorter month's last day counts as whole: 2019-01-31 to
        2019-04-30 is three months.
        """
        last = self.latest
        if last >= today:
            return 0
        months = (today.year - last.year) * 12 + today.month - last.month
        month_short = today == _month_end(today.year, today.month)
        if today.day < last.day and not month_short:
            months -= 1
        return months

    def is_recent(self, today: dt.date, months: int = 3) -> bool:
        """Whether it could have happened under ``months`` months ago.

        The UN Working Group on Enforced or Involuntary Disappearances takes cases
        under three months old by its urgent procedure (INTAKE.md); the latest
        possible day decides, so an imprecise date is never wrongly sent the slow way.
        """
        return self.months_since(today) < months

    # Ordering ----------------------------------------------------------------------

    def _key(self) -> tuple[dt.date, dt.date, bool]:
        return self.earliest, self.latest, self.approximate

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() >= other._key()


def _iso(found: re.Match[str]) -> str:
    """A Chinese date (1974年3月15日) as its ISO form (1974-3-15)."""
    return "-".join(part for part in found.groups() if part)


def _single(text: str, today: dt.date) -> PartialDate:
    """One day, month or year in a typed form, checked against 1900 and ``today``."""
    made: PartialDate
    if (match := _DAY_ISO.fullmatch(text)) or (match := _DAY_YEAR_FIRST.fullmatch(text)):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        _check_year(year)
        made = PartialDate.day(year, month, day)
    elif match := _DAY_DOTTED.fullmatch(text):
        year, month, day = int(match[3]), int(match[2]), int(match[1])
        _check_year(year)
        made = PartialDate.day(year, month, day)
    elif match := _MONTH_ISO.fullmatch(text):
        _check_year(int(match[1]))
        made = PartialDate.month(int(match[1]), int(match[2]))
    elif match := _MONTH_DOTTED.fullmatch(text):
        _check_year(int(match[2]))
        made = PartialDate.month(int(match[2]), int(match[1]))
    elif _YEAR.fullmatch(text):
        _check_year(int(text))
        made = PartialDate.year(int(text))
    elif _AMBIGUOUS.fullmatch(text):
        raise InputError(
            "with slashes or dashes it is unclear whether the day or the month comes first; "
            "write it as 2018-05-04 or 04.05.2018."
        )
    elif _SHORT_YEAR.fullmatch(text):
        raise InputError("write the year with four digits, as in 12.04.2018.")
    else:
        raise InputError(
            "this is not a date the desk understands; write it as 2018-04-12, 12.04.2018, "
            "2018-04, 04.2018, 2018 or 2017..2018."
        )
    if made.earliest > today:
        raise InputError(
            "%(date)s is after today; a date cannot be in the future.", date=made.to_text()
        )
    return made


def _check_year(year: int) -> None:
    if year < _FIRST_YEAR:
        raise InputError(
            "the year %(year)d is before %(first)d; check the year.", year=year, first=_FIRST_YEAR
        )


@functools.lru_cache(maxsize=1 << 16)
def stored_date(text: str) -> PartialDate:
    """A date read back from a sealed record (no "today" check: the record was checked
    when it was written). Cached: a projection reads the same few thousand dates a
    hundred thousand times."""
    return PartialDate.parse(text, today=dt.date.max)
