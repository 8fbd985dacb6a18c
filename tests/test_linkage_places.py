"""Hometowns as lists write them, read into a county and prefecture for linkage.

A Russian-language list writes Кунес where the gazetteer knows Күнес, Künes and كۈنەس;
a Kazakh testimony writes "Алтай, Бурылтоғай" (prefecture, then county). Both must
land on the county the official roster gives as a code, or the two records of one
person share no place at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.linkage.prepare import columns_of, prepare_records
from amanat.records.places import Gazetteer


def _place(hometown: str, code: str = "") -> tuple[str | None, str | None]:
    table = prepare_records(
        columns_of([{"record_id": "r1", "name": "Серікжан Білаш", "hometown": hometown,
                     "county_code": code}])
    )  # fmt: skip
    return table["county"][0].as_py(), table["prefecture"][0].as_py()


@pytest.mark.parametrize(
    ("hometown", "county"),
    [
        ("Кунес уезд", "654025"),  # 新源县, Kazakh Күнес
        ("Кунес", "654025"),
        ("Нылкы уезд", "654028"),  # 尼勒克县, Kazakh Нылқы
        ("Шауешек", "654201"),  # 塔城市, Kazakh Шәуешек
        ("Монголкуре", "654026"),  # 昭苏县, Kazakh Моңғолкүре
        ("Тогызтарау уезд", "654024"),  # 巩留县
        ("Куйтин", "654003"),  # 奎屯市, Russian Куйтун: one letter apart
        ("Шингил", "654325"),  # 青河县, Kazakh Шіңгіл
        ("Monggholküre", "654026"),
        ("Күнес ауданы", "654025"),
    ],
)
def test_a_place_written_in_another_spelling_is_found_by_its_sound(
    hometown: str, county: str
) -> None:
    """Given a hometown in a spelling the gazetteer does not hold (Russian letters for a
    Kazakh name, an administrative word after it), when the records are prepared, then
    the county is the one its sound and spelling name."""
    assert _place(hometown) == (county, county[:4] + "00")


def test_a_short_name_of_the_same_sound_but_another_spelling_is_not_taken() -> None:
    """Given Küytun (奎屯) and Xoten (和田), which both sound "ktn" once vowels are left
    out, when Куйтин and Хотан are read, then each finds its own place, never the
    other's."""
    assert _place("Куйтин")[1] == "654000"
    assert _place("Хотан") == ("653201", "653200")


def test_a_sound_two_counties_share_gives_only_their_prefecture() -> None:
    """Given Кулжа, which sounds like both Ghulja city and Ghulja county, when it is
    read, then only the prefecture they share is kept."""
    assert _place("Кулжа уезд") == (None, "654000")


@pytest.mark.parametrize(
    ("hometown", "county"),
    [
        ("Алтай, Бурылтоғай", "654323"),  # Алтай is a prefecture and a city
        ("Алтай, Шіңгіл", "654325"),
        ("Іле, Құлжа ауданы", "654021"),  # not Құлжа, the city
        ("Іле, Қорғас қаласы", "654004"),
        ("Санжы, Мори", "652328"),  # the prefecture named by its seat
        ("Тарбағатай, Шиху", "654202"),
    ],
)
def test_prefecture_then_county_names_the_county(hometown: str, county: str) -> None:
    """Given a hometown written as "prefecture, county", when it is read, then the
    county is the one the last part names inside the prefecture the first names."""
    assert _place(hometown)[0] == county


def test_a_place_nobody_knows_stays_unknown() -> None:
    """Given a hometown no name or sound of the gazetteer matches, when it is read,
    then neither county nor prefecture is guessed."""
    assert _place("Zzyzx Qqq") == (None, None)


def test_a_county_code_wins_over_the_hometown() -> None:
    """Given a county code and a hometown that names another county, when the record
    is read, then the code decides."""
    assert _place("Кунес", code="654028") == ("654028", "654000")


_KNOWN = {p.id for p in Gazetteer.load_builtin()}
_LETTERS = "КунесҚұлжаKünesكۈنەسغۇلجا新源县石河子市, .-'уездауданыcounty"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(_LETTERS) | st.characters(), max_size=40))
def test_any_hometown_gives_a_known_place_or_none(hometown: str) -> None:
    """Given any hometown text at all (scripts mixed, punctuation, control characters),
    when the record is read, then nothing fails, and the county is one the gazetteer
    knows (or None) with its prefecture (the XPCC cities, 6590xx, under the grouping
    659000, which is not a place of its own)."""
    county, prefecture = _place(hometown)
    assert county is None or county in _KNOWN
    if county is not None:
        assert prefecture is not None and county[:4] == prefecture[:4]
    assert prefecture is None or prefecture in _KNOWN or prefecture == "659000"


def test_an_xpcc_city_has_the_xpcc_grouping_for_prefecture() -> None:
    """Given 石河子市, a city the XPCC runs (no prefecture above it), when it is read,
    then its county is 659001 and its prefecture the grouping 659000."""
    assert _place("石河子市") == ("659001", "659000")
