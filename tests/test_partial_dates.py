"""Partial dates: the forms an intake desk accepts, refuses, and what they mean.

Expected ranges are written out by hand, and ages are checked against the plain
"compare month and day" age arithmetic written here, independently of
``amanat.records.dates``.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from amanat.errors import InputError
from amanat.records import PartialDate, Precision

TODAY = dt.date(2026, 1, 1)
D = dt.date

days = st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    approximate = draw(st.booleans())
    kind = draw(st.sampled_from(list(Precision)))
    first = draw(days)
    if kind is Precision.DAY:
        return PartialDate.day(first.year, first.month, first.day, approximate=approximate)
    if kind is Precision.MONTH:
        return PartialDate.month(first.year, first.month, approximate=approximate)
    if kind is Precision.YEAR:
        return PartialDate.year(first.year, approximate=approximate)
    second = draw(days)
    low, high = sorted((first, second))
    return PartialDate.between(low, high, approximate=approximate)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# Parsing what volunteers type -------------------------------------------------------

ACCEPTED = [
    ("2018-04-12", D(2018, 4, 12), D(2018, 4, 12), Precision.DAY, False),
    ("12.04.2018", D(2018, 4, 12), D(2018, 4, 12), Precision.DAY, False),
    ("2.4.2018", D(2018, 4, 2), D(2018, 4, 2), Precision.DAY, False),
    ("29.02.2016", D(2016, 2, 29), D(2016, 2, 29), Precision.DAY, False),
    ("2018-04", D(2018, 4, 1), D(2018, 4, 30), Precision.MONTH, False),
    ("04.2018", D(2018, 4, 1), D(2018, 4, 30), Precision.MONTH, False),
    ("02.2016", D(2016, 2, 1), D(2016, 2, 29), Precision.MONTH, False),
    ("2018", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, False),
    ("  2018 ", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, False),
    ("2017–2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("2017 — 2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("2017-2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("1974年3月15日", D(1974, 3, 15), D(1974, 3, 15), Precision.DAY, False),
    ("1974年3月5号", D(1974, 3, 5), D(1974, 3, 5), Precision.DAY, False),
    ("1974年3月", D(1974, 3, 1), D(1974, 3, 31), Precision.MONTH, False),
    ("1974年", D(1974, 1, 1), D(1974, 12, 31), Precision.YEAR, False),
    ("2017年–2018年", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("1990 г.р.", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, False),
    ("1990г.", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, False),
    ("1990 года", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, False),
    ("1990 ж.", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, False),
    ("1990 жылы", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, False),
    ("12.04.2018 г.", D(2018, 4, 12), D(2018, 4, 12), Precision.DAY, False),
    ("около 1990 г.р.", D(1990, 1, 1), D(1990, 12, 31), Precision.YEAR, True),
    ("1980.04.12", D(1980, 4, 12), D(1980, 4, 12), Precision.DAY, False),
    ("1980/4/12", D(1980, 4, 12), D(1980, 4, 12), Precision.DAY, False),
    ("12.04.1980 0:00:00", D(1980, 4, 12), D(1980, 4, 12), Precision.DAY, False),
    ("2019-03-01T00:00:00", D(2019, 3, 1), D(2019, 3, 1), Precision.DAY, False),
    ("2018-04-12T10:00", D(2018, 4, 12), D(2018, 4, 12), Precision.DAY, False),
    ("2017/2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("2017..2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, False),
    ("2017-03..2018-05", D(2017, 3, 1), D(2018, 5, 31), Precision.RANGE, False),
    ("03.2017..12.05.2018", D(2017, 3, 1), D(2018, 5, 12), Precision.RANGE, False),
    ("2018-04..2018-04", D(2018, 4, 1), D(2018, 4, 30), Precision.MONTH, False),
    ("2018-01..2018-12", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, False),
    ("~2018-04", D(2018, 4, 1), D(2018, 4, 30), Precision.MONTH, True),
    ("c. 2018", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, True),
    ("C.2018", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, True),
    ("ca. 2017-2018", D(2017, 1, 1), D(2018, 12, 31), Precision.RANGE, True),
    ("около 12.04.2018", D(2018, 4, 12), D(2018, 4, 12), Precision.DAY, True),
    ("шамамен 2018", D(2018, 1, 1), D(2018, 12, 31), Precision.YEAR, True),
    ("2025", D(2025, 1, 1), D(2025, 12, 31), Precision.YEAR, False),
    ("2026", D(2026, 1, 1), D(2026, 12, 31), Precision.YEAR, False),
    ("2026-01-01", D(2026, 1, 1), D(2026, 1, 1), Precision.DAY, False),
    ("1900", D(1900, 1, 1), D(1900, 12, 31), Precision.YEAR, False),
]


@pytest.mark.parametrize(("text", "earliest", "latest", "precision", "approx"), ACCEPTED)
def test_accepted_forms_parse_to_the_expected_days(
    text: str, earliest: dt.date, latest: dt.date, precision: Precision, approx: bool
) -> None:
    """Given a form a volunteer types, when it is parsed, then it spans the expected days."""
    parsed = PartialDate.parse(text, today=TODAY)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)
    assert parsed.precision is precision
    assert parsed.approximate is approx


REJECTED = [
    ("31.02.2018", "no day 2018-02-31"),
    ("2018-02-29", "no day 2018-02-29"),
    ("2018-13", "no month 13"),
    ("00.2018", "no month 0"),
    ("2026-01-02", "future"),
    ("2027", "future"),
    ("2020..2027", "future"),
    ("04/05/2018", "write it as 2018-05-04 or 04.05.2018"),
    ("13/05/2018", "write it as 2018-05-04 or 04.05.2018"),
    ("04-05-2018", "write it as 2018-05-04 or 04.05.2018"),
    ("12.04.18", "four digits"),
    ("1899", "before 1900"),
    ("12.04.1850", "before 1900"),
    ("1899..1901", "before 1900"),
    ("2019..2018", "ends before it starts"),
    ("2018-05..2018-03", "ends before it starts"),
    ("2017..2018..2019", "one start and one end"),
    ("", "empty"),
    ("   ", "empty"),
    ("~", "empty"),
    ("yesterday", "not a date"),
    ("April 2018", "not a date"),
    ("2018-04-12T", "not a date"),
    ("10:00", "not a date"),
    ("1980/13/12", "no month 13"),
    ("20180412", "not a date"),
    ("12.04.2018!", "not a date"),
    ("апрель 2018", "not a date"),
    ("1974年13月", "no month 13"),
    ("年", "not a date"),
    ("г.р.", "not a date"),
    ("٢٠١٨", "digits 0-9"),
    ("２０１８", "digits 0-9"),
    ("1" * 65, "far too long"),
    ("2018" + " " * 200, "far too long"),
]


@pytest.mark.parametrize(("text", "says"), REJECTED)
def test_rejected_forms_raise_one_plain_sentence(text: str, says: str) -> None:
    """Given a form the desk must refuse, when it is parsed, then InputError says why
    in one line that does not repeat long input."""
    with pytest.raises(InputError) as caught:
        PartialDate.parse(text, today=TODAY)
    message = caught.value.message
    assert says in message
    assert "\n" not in message
    assert message.endswith(".")
    assert len(message) < 160
    if len(text) > 10:
        assert text.strip() not in message


def test_non_text_is_refused() -> None:
    """Given a number instead of text, when parsed, then it is refused, not crashed on."""
    with pytest.raises(InputError, match="as text"):
        PartialDate.parse(2018, today=TODAY)  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_input_error(text: str) -> None:
    """Given arbitrary text, when parsed, then the result is a value or an InputError."""
    try:
        parsed = PartialDate.parse(text, today=TODAY)
    except InputError as error:
        assert "\n" not in error.message
    else:
        assert parsed.earliest <= TODAY
        assert parsed.earliest.year >= 1900


# Canonical text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (PartialDate.day(2018, 4, 12), "2018-04-12"),
        (PartialDate.month(2018, 4), "2018-04"),
        (PartialDate.month(2018, 4, approximate=True), "~2018-04"),
        (PartialDate.year(2018), "2018"),
        (PartialDate.between(D(2017, 1, 1), D(2018, 12, 31)), "2017..2018"),
        (PartialDate.between(D(2017, 3, 1), D(2018, 5, 31)), "2017-03..2018-05"),
        (PartialDate.between(D(1973, 3, 2), D(1974, 3, 1)), "1973-03-02..1974-03-01"),
    ],
)
def test_canonical_text(value: PartialDate, text: str) -> None:
    """Given a value, when written, then it reads as the canonical form."""
    assert value.to_text() == text
    assert str(value) == text


@given(partial_dates())
def test_to_text_and_parse_round_trip(value: PartialDate) -> None:
    """Given any partial date from 1900 on, when written and read back, then it is equal."""
    assert PartialDate.parse(value.to_text(), today=D(2100, 1, 1)) == value


@given(partial_dates())
def test_parse_accepts_its_own_text_on_the_latest_day(value: PartialDate) -> None:
    """Given a partial date, when read back on its own latest day, then it is not 'future'."""
    assert PartialDate.parse(value.to_text(), today=value.latest) == value


# Constructor refusals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "precision", "says"),
    [
        (D(2018, 5, 1), D(2018, 4, 1), Precision.RANGE, "end before it starts"),
        (D(2018, 4, 1), D(2018, 4, 30), Precision.RANGE, "describe a month"),
        (D(2018, 1, 1), D(2018, 12, 31), Precision.RANGE, "describe a year"),
        (D(2018, 4, 2), D(2018, 4, 30), Precision.MONTH, "describe a range"),
        (D(2018, 4, 1), D(2018, 4, 1), Precision.YEAR, "describe a day"),
        (D(2018, 1, 1), D(2019, 12, 31), Precision.YEAR, "describe a range"),
    ],
)
def test_constructor_refuses_inconsistent_precision(
    earliest: dt.date, latest: dt.date, precision: Precision, says: str
) -> None:
    """Given bounds that do not match the precision, when constructed, then refused."""
    with pytest.raises(InputError, match=says):
        PartialDate(earliest, latest, precision)


def test_constructor_refuses_times_of_day_and_bad_components() -> None:
    """Given a datetime or impossible components, when constructed, then refused."""
    moment = dt.datetime(2018, 4, 12, 10, 0)
    with pytest.raises(InputError, match="calendar dates"):
        PartialDate(moment, moment, Precision.DAY)
    with pytest.raises(InputError, match="no day"):
        PartialDate.day(2018, 2, 30)
    with pytest.raises(InputError, match="no month"):
        PartialDate.month(2018, 0)
    with pytest.raises(InputError, match="end before it starts"):
        PartialDate.between(D(2018, 1, 2), D(2018, 1, 1))


# Ages ------------------------------------------------------------------------------


def test_from_age_example_from_the_intake_desk() -> None:
    """Given 'aged 45 on 2019-03-01', when converted, then born 1973-03-02..1974-03-01."""
    born = PartialDate.from_age(45, on=D(2019, 3, 1))
    assert (born.earliest, born.latest) == (D(1973, 3, 2), D(1974, 3, 1))
    assert born.precision is Precision.RANGE


def test_from_age_on_new_years_eve_is_one_calendar_year() -> None:
    """Given an age stated on 31 December, when converted, then it is exactly one year."""
    assert PartialDate.from_age(45, on=D(2019, 12, 31)) == PartialDate.year(1974)


def test_from_age_on_a_leap_day() -> None:
    """Given an age stated on 29 February, when converted, then the bounds skip to March."""
    born = PartialDate.from_age(45, on=D(2020, 2, 29))
    assert (born.earliest, born.latest) == (D(1974, 3, 1), D(1975, 2, 28))


def test_from_age_range_in_his_forties() -> None:
    """Given 'in his 40s' on 2019-03-01, when converted, then born 1969-03-02..1979-03-01."""
    born = PartialDate.from_age_range(40, 49, on=D(2019, 3, 1))
    assert (born.earliest, born.latest) == (D(1969, 3, 2), D(1979, 3, 1))


@pytest.mark.parametrize(("youngest", "oldest"), [(-1, 5), (50, 40), (0, 151)])
def test_from_age_range_refuses_impossible_ages(youngest: int, oldest: int) -> None:
    """Given a negative, reversed or absurd age range, when converted, then refused."""
    with pytest.raises(InputError, match="age range"):
        PartialDate.from_age_range(youngest, oldest, on=TODAY)


@given(st.integers(0, 110), st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)))
def test_from_age_bounds_are_exactly_the_birth_dates_of_that_age(age: int, on: dt.date) -> None:
    """Given an age on a day, when converted, then both bounds are that age on the day
    (birthday today included) and the days just outside are not."""
    born = PartialDate.from_age(age, on=on)
    assert age_on(born.earliest, on) == age
    assert age_on(born.latest, on) == age
    assert age_on(born.earliest - dt.timedelta(days=1), on) == age + 1
    assert age_on(born.latest + dt.timedelta(days=1), on) == age - 1


@given(st.integers(0, 100), st.dates(min_value=D(2000, 1, 1)), st.integers(0, 400))
def test_every_day_inside_from_age_has_that_age(age: int, on: dt.date, offset: int) -> None:
    """Given an age on a day, when any day inside the range is taken, then it has that age."""
    born = PartialDate.from_age(age, on=on)
    day = born.earliest + dt.timedelta(days=offset)
    assume(day <= born.latest)
    assert age_on(day, on) == age


# Overlaps, containment, years --------------------------------------------------------


@given(partial_dates(), partial_dates(), days)
def test_a_day_inside_both_implies_overlap(a: PartialDate, b: PartialDate, day: dt.date) -> None:
    """Given two partial dates and a day in both, then they overlap (both ways)."""
    if a.contains(day) and b.contains(day):
        assert a.overlaps(b)
        assert b.overlaps(a)


@given(partial_dates(), partial_dates())
def test_overlap_implies_a_shared_day(a: PartialDate, b: PartialDate) -> None:
    """Given two overlapping partial dates, then the later start lies inside both;
    given two that do not overlap, then no bound of one lies inside the other."""
    assert a.overlaps(b) == b.overlaps(a)
    if a.overlaps(b):
        shared = max(a.earliest, b.earliest)
        assert a.contains(shared)
        assert b.contains(shared)
    else:
        for day in (a.earliest, a.latest):
            assert not b.contains(day)


@given(partial_dates())
def test_contains_its_bounds_and_years_cover_them(value: PartialDate) -> None:
    """Given a partial date, then it contains its bounds, not their neighbours, and
    years() gives the calendar years of the bounds."""
    assert value.contains(value.earliest)
    assert value.contains(value.latest)
    assert not value.contains(value.earliest - dt.timedelta(days=1))
    assert not value.contains(value.latest + dt.timedelta(days=1))
    assert value.years() == (value.earliest.year, value.latest.year)
    assert value.overlaps(value)


def test_years_of_a_range() -> None:
    """Given 2017-03..2018-05, then its years are 2017 and 2018."""
    assert PartialDate.parse("2017-03..2018-05", today=TODAY).years() == (2017, 2018)


# Ordering ----------------------------------------------------------------------------


@given(partial_dates(), partial_dates())
def test_ordering_is_total_and_consistent_with_equality(a: PartialDate, b: PartialDate) -> None:
    """Given any two values, then exactly one of <, ==, > holds, and <= agrees."""
    assert [a < b, a == b, a > b].count(True) == 1
    assert (a <= b) == (a < b or a == b)
    assert (a >= b) == (a > b or a == b)
    if a == b:
        assert hash(a) == hash(b)


@given(st.lists(partial_dates(), max_size=20))
def test_sorting_orders_by_earliest_then_latest(values: list[PartialDate]) -> None:
    """Given a timeline of dates, when sorted, then starts and then ends never go back."""
    ordered = sorted(values)
    for before, after in itertools.pairwise(ordered):
        assert before <= after
        assert (before.earliest, before.latest) <= (after.earliest, after.latest)
    assert sorted(reversed(ordered)) == ordered


def test_comparing_with_another_type_is_refused() -> None:
    """Given a partial date and a plain date, when compared, then TypeError, not a guess."""
    with pytest.raises(TypeError):
        _ = PartialDate.year(2018) < D(2018, 1, 1)


# Urgent procedure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "months", "recent"),
    [
        ("2019-01-31", D(2019, 4, 30), 3, False),
        ("2019-01-31", D(2019, 4, 29), 2, True),
        ("2019-01-15", D(2019, 4, 14), 2, True),
        ("2019-01-15", D(2019, 4, 15), 3, False),
        ("2019-01", D(2019, 4, 29), 2, True),
        ("2019-01", D(2019, 4, 30), 3, False),
        ("2019", D(2019, 6, 1), 0, True),
        ("2018", D(2019, 3, 30), 2, True),
        ("2018", D(2019, 3, 31), 3, False),
        ("2017..2018-11", D(2019, 2, 27), 2, True),
        ("2018-11-30", D(2019, 2, 28), 3, False),
    ],
)
def test_months_since_and_urgent_procedure(
    text: str, today: dt.date, months: int, recent: bool
) -> None:
    """Given a date and today, then whole months since its latest day are counted and
    a case under three months old is recent (UN urgent procedure)."""
    value = PartialDate.parse(text, today=today)
    assert value.months_since(today) == months
    assert value.is_recent(today) is recent


@given(partial_dates(), st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)))
def test_months_since_never_negative_and_grows_with_time(
    value: PartialDate, today: dt.date
) -> None:
    """Given any value and day, then months_since is never negative nor decreases later."""
    now = value.months_since(today)
    assert now >= 0
    assert value.months_since(today + dt.timedelta(days=40)) >= now
