"""Two person records side by side for a reviewer (``desk.compare``): what agrees, what
is close, what differs, read the way the linkage model reads it. Given / When / Then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from amanat.desk.compare import Row, compare_persons
from amanat.names import is_label
from amanat.records.dates import PartialDate
from amanat.records.ids import ric_check_character
from amanat.views.read import PersonDetail

YINING = {"name_kk": "Құлжа", "name_zh": "伊宁市", "name_ug": "غۇلجا", "name_en": "Yining"}


def _valid_id(first17: str) -> str:
    return first17 + ric_check_character(first17)


def person(
    *names: str,
    birth: str | None = None,
    earliest: str | None = None,
    latest: str | None = None,
    sex: str | None = None,
    ids: tuple[str, ...] = (),
    hometown: str | None = None,
    hometown_text: str | None = None,
    status: tuple[tuple[str, str], ...] = (),
    relatives: tuple[tuple[str, str], ...] = (),
) -> PersonDetail:
    return PersonDetail(
        person={
            "display_name": names[0] if names else "",
            "birth": birth,
            "birth_earliest": earliest or (birth if birth and len(birth) == 10 else None),
            "birth_latest": latest or (birth if birth and len(birth) == 10 else None),
            "sex": sex,
            "hometown_code": hometown,
            "hometown_text": hometown_text,
            "ethnicity": None,
        },
        names=[{"text": n} for n in names],
        identifiers=[{"number": i} for i in ids],
        timeline=[_event(s, d) for s, d in status],
        relatives=[{"relation": r, "name": n} for r, n in relatives],
        hometown=YINING if hometown == "654002" else None,
    )


def _event(status: str, date: str) -> dict[str, Any]:
    when = PartialDate.parse(date, today=dt.date(2026, 1, 1))
    return {
        "status": status,
        "date": date,
        "earliest": when.earliest.isoformat(),
        "latest": when.latest.isoformat(),
    }


def rows(a: PersonDetail, b: PersonDetail) -> dict[str, Row]:
    return {r.field: r for r in compare_persons(a, b)}


def test_names_in_two_scripts_read_the_same_and_show_their_reading() -> None:
    """Given a man written in Chinese characters and in Latin letters, when compared,
    then the names agree as read the same, and the Chinese name shows the Latin reading
    closest to the other side's name."""
    found = rows(person("赛力克江·别拉什"), person("Serikzhan Bilash"))["name"]
    assert (found.verdict, found.note) == ("agree", "sound_alike")
    assert found.a[0].reading == "serikjan bilash"
    assert found.b[0].reading == "serikjan bilash"


def test_different_given_names_differ_and_a_typo_is_close() -> None:
    """Given two names that share only a surname, and two that differ by a letter of
    one word, when compared, then the first differ and the second are at least close."""
    assert rows(person("Сәкен Білаш"), person("Serikzhan Bilash"))["name"].verdict == "differ"
    typo = rows(person("Serikzhan Bilash"), person("Serikzhan Bilosh"))["name"]
    assert typo.verdict in ("agree", "near")


def test_names_that_differ_say_how_many_words_read_the_same() -> None:
    """Given a man under his father's name in one list (Ерсанжан Бамурұлы) and under a
    family name in another (Ersanjan Talmurkhanov), and two names with no word alike,
    when compared, then the first differ yet say one word reads the same (what the
    linkage model weighs as "one word sounds alike"), and the second differ, no more."""
    one = rows(person("Ерсанжан Бамурұлы"), person("Ersanjan Talmurkhanov"))["name"]
    assert (one.verdict, one.note, one.amount) == ("differ", "words_alike", 1)
    none = rows(person("Сәкен Омар"), person("Serikzhan Bilash"))["name"]
    assert (none.verdict, none.note, none.amount) == ("differ", "", 0)


def test_a_label_with_digits_is_listed_but_never_weighed_as_a_name() -> None:
    """Given two persons with different names who each also carry a label with digits
    (the demo's DEMO-13 and DEMO-42, both read "demo"; a case number), when compared,
    then the names still differ: the labels are shown, not weighed."""
    found = rows(person("Серік Білаш", "DEMO-13"), person("Нұрлан Омар", "DEMO-42"))["name"]
    assert found.verdict == "differ"
    assert [v.text for v in found.a] == ["Серік Білаш", "DEMO-13"]
    assert is_label("DEMO-13") and is_label("AJ 2019/114") and not is_label("Серік Білаш")


def test_a_birth_day_within_a_birth_year_agrees_and_a_year_apart_is_close() -> None:
    """Given 1980-01-01 and 1980, 1980 and 1981, 1980 and 1990, when compared, then the
    first agree (one more precise), the second are a year apart, the third differ."""
    day = person("A", birth="1980-01-01")
    year = person("A", birth="1980", earliest="1980-01-01", latest="1980-12-31")
    later = person("A", birth="1981", earliest="1981-01-01", latest="1981-12-31")
    far = person("A", birth="1990", earliest="1990-01-01", latest="1990-12-31")
    assert rows(day, year)["birth"].verdict == "overlap"
    near = rows(year, later)["birth"]
    assert (near.verdict, near.note, near.amount) == ("near", "years_apart", 1)
    assert rows(year, far)["birth"].verdict == "differ"
    assert rows(day, person("A"))["birth"].verdict == "missing"


def test_an_id_with_one_digit_mistyped_is_close_two_valid_ids_differ() -> None:
    """Given a valid resident ID and the same number with one digit mistyped (the check
    character then fails), when compared, then they are close ("perhaps one number
    mistyped"); two different valid numbers differ; the same number agrees."""
    good = _valid_id("65400219800101001")
    typo = good[:10] + ("9" if good[10] != "9" else "8") + good[11:]
    other = _valid_id("65400219800101002")
    mistyped = rows(person("A", ids=(good,)), person("A", ids=(typo,)))["document"]
    assert (mistyped.verdict, mistyped.note) == ("near", "mistyped")
    assert rows(person("A", ids=(good,)), person("A", ids=(other,)))["document"].verdict == (
        "differ"
    )
    assert rows(person("A", ids=(good,)), person("A", ids=(good,)))["document"].verdict == ("agree")


def test_hometowns_by_code_with_their_names() -> None:
    """Given hometown codes, when compared, then the same county agrees and shows its
    names with the code below; a county and its prefecture agree (one more precise); two
    counties of one prefecture are close; two prefectures differ."""
    same = rows(person("A", hometown="654002"), person("A", hometown="654002"))["hometown"]
    assert same.verdict == "agree"
    assert same.a[0].text == "Құлжа · 伊宁市 · غۇلجا" and same.a[0].reading == "654002"
    assert rows(person("A", hometown="654002"), person("A", hometown="654000"))[
        "hometown"
    ].verdict == ("overlap")
    near = rows(person("A", hometown="654002"), person("A", hometown="654021"))["hometown"]
    assert (near.verdict, near.note) == ("near", "same_prefecture")
    assert rows(person("A", hometown="654002"), person("A", hometown="652301"))[
        "hometown"
    ].verdict == ("differ")
    words = rows(person("A", hometown_text="Құлжа"), person("A", hometown_text="Ghulja"))
    assert words["hometown"].verdict == "compare"


def test_statuses_and_relatives_are_listed_never_a_contradiction() -> None:
    """Given one record saying detained and another saying released, when compared,
    then the reviewer is asked to read both (not told they differ); a relative whose
    name reads the same on both sides agrees."""
    found = rows(
        person("A", status=(("detained", "2017-05"),), relatives=(("spouse", "Гүлнар"),)),
        person("A", status=(("released", "2019"),), relatives=(("spouse", "Gulnar"),)),
    )
    assert found["status"].verdict == "compare"
    assert found["status"].a[0].code == "detained"
    assert found["relative"].verdict == "agree"


def test_when_first_taken_is_compared_as_the_model_compares_it() -> None:
    """Given two records of when a man was taken, when compared, then the same month
    agrees, a day within the other's month overlaps, six weeks apart is close (with the
    months between them), a year apart differs; of several events the first taken one
    counts (detained 3 April before the camp that April), a release never."""

    def taken(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> Row:
        return rows(person("A", status=a), person("A", status=b))["taken"]

    april = (("in_camp", "2018-04"), ("detained", "2018-04-03"), ("released", "2017"))
    assert taken((("detained", "2018-04"),), (("disappeared", "2018-04"),)).verdict == "agree"
    within = taken(april, (("detained", "2018-04"),))
    assert (within.verdict, within.note) == ("overlap", "within")
    assert within.a[0].text == "2018-04-03" and within.a[0].code == "detained"
    near = taken((("detained", "2018-04-03"),), (("detained", "2018-05-20"),))
    assert (near.verdict, near.note, near.amount) == ("near", "months_apart", 2)
    assert taken((("detained", "2018-04"),), (("in_camp", "2019-04"),)).verdict == "differ"
    assert "taken" not in rows(person("A", status=(("released", "2019"),)), person("A"))


def test_dates_apart_are_counted_as_a_reader_counts_them() -> None:
    """Given births 1980 and 1982, 1980 and 1983, and first taken 2018-04 and 2018-06,
    2018-01 and 2018-05, 2018 and 2019, when compared, then the gaps are those a
    reader counts from the dates as written (two and three years; two and four months;
    a year), close up to two years and three months, differing beyond."""

    def year(y: int) -> PersonDetail:
        return person("A", birth=str(y), earliest=f"{y}-01-01", latest=f"{y}-12-31")

    two, three = rows(year(1980), year(1982))["birth"], rows(year(1980), year(1983))["birth"]
    assert (two.verdict, two.note, two.amount) == ("near", "years_apart", 2)
    assert (three.verdict, three.note, three.amount) == ("differ", "years_apart", 3)

    def taken(x: str, y: str) -> Row:
        return rows(person("A", status=(("detained", x),)), person("A", status=(("detained", y),)))[
            "taken"
        ]

    assert (lambda r: (r.verdict, r.amount))(taken("2018-04", "2018-06")) == ("near", 2)
    assert (lambda r: (r.verdict, r.amount))(taken("2018-01", "2018-05")) == ("differ", 4)
    by_year = taken("2018", "2019")
    assert (by_year.verdict, by_year.note, by_year.amount) == ("differ", "years_apart", 1)


def test_a_name_that_is_a_label_is_not_weighed_against_a_name() -> None:
    """Given a record whose only name is "unknown" (Белгісіз) and one with a name, when
    compared, then the names are left to read (no contradiction) and the label shows no
    reading."""
    found = rows(person("Белгісіз"), person("Серікжан Білаш"))["name"]
    assert found.verdict == "compare"
    assert found.a[0].reading == ""


def test_documents_of_different_kinds_are_not_weighed_against_each_other() -> None:
    """Given a Kazakh passport on one record and a Chinese resident ID on the other,
    when compared, then they are read both (two documents, not two persons), each
    with its kind; a shared resident ID agrees even when one side has a passport too."""
    rid = _valid_id("65010219800101003")
    passport = {"kind": "passport", "country": "KZ", "number": "N12345678"}
    resident = {"kind": "cn_resident_id", "country": None, "number": rid}
    a = person("A")
    a.identifiers = [passport]
    b2 = person("A")
    b2.identifiers = [resident]
    found = rows(a, b2)["document"]
    assert found.verdict == "compare"
    assert (found.a[0].code, found.a[0].reading) == ("passport", "KZ")
    assert found.b[0].code == "cn_resident_id"
    both = person("A")
    both.identifiers = [resident, passport]
    assert rows(both, b2)["document"].verdict == "agree"


def test_two_cities_under_the_region_are_not_one_prefecture() -> None:
    """Given Shihezi (659001) and Aral (659002), cities under the region directly, when
    compared, then they differ: they share no prefecture, though their codes begin
    alike."""
    found = rows(person("A", hometown="659001"), person("A", hometown="659002"))["hometown"]
    assert found.verdict == "differ"


def test_fields_neither_side_gives_are_left_out() -> None:
    """Given two records with only names, when compared, then only the names row is
    shown; a field one side gives is shown as one side silent."""
    assert list(rows(person("A"), person("B"))) == ["name"]
    assert rows(person("A", sex="male"), person("B"))["sex"].verdict == "missing"


_FIELD = st.sampled_from(["Nurlan", "Нұрлан", "努尔兰", "Serik", "Сәкен", "Gulnar"])
_BIRTH = st.sampled_from([None, "1980", "1981", "1980-01-01", "1990"])
_CODE = st.sampled_from([None, "654002", "654000", "654021", "652301"])
_STATUS = st.sampled_from(["detained", "in_camp", "disappeared", "released"])
_TAKEN = st.sampled_from(["2018", "2018-04", "2018-04-03", "2018-05-20", "2019-01"])


def _person(draw: Any) -> PersonDetail:
    birth = draw(_BIRTH)
    year = birth[:4] if birth else None
    return person(
        *draw(st.lists(_FIELD, min_size=1, max_size=3)),
        birth=birth,
        earliest=f"{year}-01-01" if birth and len(birth) == 4 else None,
        latest=f"{year}-12-31" if birth and len(birth) == 4 else None,
        sex=draw(st.sampled_from([None, "male", "female"])),
        hometown=draw(_CODE),
        status=tuple(draw(st.lists(st.tuples(_STATUS, _TAKEN), max_size=3))),
    )


@given(st.data())
def test_the_comparison_is_the_same_either_way_round(data: st.DataObject) -> None:
    """Given any two records, when compared a-b and b-a, then every row has the same
    verdict and note, with the two sides swapped."""
    a, b = _person(data.draw), _person(data.draw)
    there, back = compare_persons(a, b), compare_persons(b, a)
    assert [(r.field, r.verdict, r.note, r.amount) for r in there] == [
        (r.field, r.verdict, r.note, r.amount) for r in back
    ]
    assert [[v.text for v in r.a] for r in there] == [[v.text for v in r.b] for r in back]
