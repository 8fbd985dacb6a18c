"""Local names of Xinjiang's prefectures and counties (places-xinjiang-names.csv).

Relatives name a hometown as they know it: Құлжа, Кульджа, Ghulja, غۇلجا for 伊宁市;
Шәуешек, Чугучак, Chöchek for 塔城市. The names file gives each place its Uyghur
(Arabic and Latin script), Kazakh, Russian and English names, and the gazetteer and
the intake wizard find the place by any of them.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import unicodedata
from collections import Counter

import pytest
from umsc.umsc import UgMultiScriptConverter  # type: ignore[import-untyped]

from amanat.records.places import Gazetteer, _fold
from amanat.web.staff.intake import check_step

DATA = importlib.resources.files("amanat.records").joinpath("data")
COLUMNS = ["place_id", "lang", "name", "source", "licence", "reviewed_by_native_speaker"]
# The script every letter of a name must be in, by language tag.
SCRIPTS = {
    "ug-Arab": "ARABIC",
    "ug-Latn": "LATIN",
    "kk-Cyrl": "CYRILLIC",
    "ru": "CYRILLIC",
    "en": "LATIN",
}


def _rows() -> list[dict[str, str]]:
    text = DATA.joinpath("places-xinjiang-names.csv").read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COLUMNS
    return list(reader)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load_builtin()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _rows()


def test_every_row_names_a_prefecture_or_county_in_an_allowed_language(
    gazetteer: Gazetteer, rows: list[dict[str, str]]
) -> None:
    """Given the names file, then each row names a shipped prefecture or county, in one
    of the allowed languages, with its source, the project's licence and a review flag
    that says no (no native speaker has checked these forms yet)."""
    assert len(rows) > 300
    for row in rows:
        place = gazetteer.get(row["place_id"])
        assert place is not None and place.kind in ("prefecture", "county"), row
        assert row["lang"] in SCRIPTS, row
        assert row["name"] == row["name"].strip() and row["name"], row
        assert unicodedata.is_normalized("NFC", row["name"]), row
        assert row["source"] and row["licence"] == "AGPL-3.0-or-later", row
        assert row["reviewed_by_native_speaker"] == "no", row


def test_every_prefecture_has_uyghur_names(
    gazetteer: Gazetteer, rows: list[dict[str, str]]
) -> None:
    """Given the 14 prefectures, then each has a Uyghur name in both scripts."""
    langs: dict[str, set[str]] = {}
    for row in rows:
        langs.setdefault(row["place_id"], set()).add(row["lang"])
    for place in gazetteer:
        if place.kind == "prefecture":
            assert {"ug-Arab", "ug-Latn"} <= langs.get(place.id, set()), place.label()


def test_each_name_is_written_in_its_languages_script(rows: list[dict[str, str]]) -> None:
    """Given a name tagged ug-Arab, kk-Cyrl/ru or ug-Latn/en, then every letter in it
    is Arabic, Cyrillic or Latin respectively (spaces, hyphens and apostrophes aside)."""
    for row in rows:
        script = SCRIPTS[row["lang"]]
        for char in row["name"]:
            if char in " -'":
                continue
            assert unicodedata.name(char).startswith(script), (row, char)


def test_a_wrong_script_is_caught() -> None:
    """Given Kazakh text tagged as English, then the script check above refuses it (so
    that test can fail)."""
    assert not all(unicodedata.name(c).startswith(SCRIPTS["en"]) for c in "Құлжа")


def test_no_name_is_given_twice(rows: list[dict[str, str]]) -> None:
    """Given the names file, then no place has the same name twice in one language, not
    even in another case or with other accents."""
    keys = Counter((r["place_id"], r["lang"], _fold(r["name"])) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []


def test_uyghur_arabic_and_latin_agree(rows: list[dict[str, str]]) -> None:
    """Given a Uyghur name in Arabic script, then umsc's Uyghur Latin of it is one of
    the place's ug-Latn names (a typo in either script shows up here)."""
    to_latin = UgMultiScriptConverter("UAS", "ULS")
    latin: dict[str, set[str]] = {}
    for row in rows:
        if row["lang"] == "ug-Latn":
            latin.setdefault(row["place_id"], set()).add(_fold(row["name"]))
    arabic = [r for r in rows if r["lang"] == "ug-Arab"]
    assert len(arabic) > 100
    for row in arabic:
        assert _fold(to_latin(row["name"])) in latin.get(row["place_id"], set()), row


def test_every_name_finds_its_place_first(gazetteer: Gazetteer, rows: list[dict[str, str]]) -> None:
    """Given any name in the file, when it is looked up, then its place comes first
    and alone (prefecture and seat share no bare name: the prefecture's carries its
    generic word, "Kashgar Prefecture", "Qeshqer Wilayiti"; Yéngisheher is 疏勒县, and
    Ürümqi's 新市区 of the same name is stored as "Yéngisheher Rayoni")."""
    for row in rows:
        assert [p.id for p in gazetteer.find(row["name"])] == [row["place_id"]], row


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Құлжа", "654002"),
        ("ҚҰЛЖА", "654002"),
        ("Кульджа", "654002"),
        ("Ghulja", "654002"),
        ("Kulja", "654002"),
        ("kulja", "654002"),
        ("غۇلجا", "654002"),
        ("غ\u0640ۇلجا", "654002"),  # with a tatweel a keyboard put in
        ("Ghulja County", "654021"),
        ("Шәуешек", "654201"),
        ("Чугучак", "654201"),
        ("Chöchek", "654201"),
        ("chochek", "654201"),
        ("CHÖCHEK", "654201"),
        ("Қорғас", "654023"),
        ("Yarkand", "653125"),
        ("يەكەن", "653125"),
        ("Kashgar", "653101"),
        ("Kashgar Prefecture", "653100"),
        ("Khotan", "653201"),
        ("Aksu", "652901"),
        ("Altay", "654301"),
        ("Үрімжі", "650100"),
        ("Ili", "654000"),
    ],
)
def test_local_names_find_the_place(gazetteer: Gazetteer, typed: str, code: str) -> None:
    """Given a name as a relative types it, then the right place comes first."""
    found = gazetteer.find(typed)
    assert found and found[0].id == code, [p.label() for p in found]
    assert gazetteer.resolve(typed).id == code


def test_chinese_and_pinyin_still_find_the_same_places(gazetteer: Gazetteer) -> None:
    """Given the added names, then the Chinese and pinyin lookups are as before: the
    bare pinyin Yining still offers the city and the county, the caller decides."""
    assert [p.id for p in gazetteer.find("伊宁市")] == ["654002"]
    assert [p.id for p in gazetteer.find("Yining Shi")] == ["654002"]
    assert [p.id for p in gazetteer.find("Yining")] == ["654002", "654021"]
    assert gazetteer.find("Kuljaa") == ()


def test_intake_offers_the_place_for_a_kazakh_name() -> None:
    """Given a volunteer who types the hometown as Құлжа in the intake wizard, when the
    person step is checked, then 伊宁市 is the first suggestion."""
    _errors, hints = check_step("person", {"name_1": "Серік", "hometown_words": "Құлжа"})
    assert hints["places"][0] == ("654002", "伊宁市 (654002)")
    _errors, hints = check_step("person", {"name_1": "Серік", "hometown_words": "Чугучак"})
    assert hints["places"][0] == ("654201", "塔城市 (654201)")


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("Кунес", ["654025"]),  # Russian letters for Күнес (新源县)
        ("Кунес уезд", ["654025"]),
        ("Нылкы", ["654028"]),
        ("Шауешек", ["654201"]),
        ("Куйтин", ["654003"]),  # Куйтун, one letter apart
        ("Каба уезд", ["654324"]),  # Қаба (哈巴河县)
        ("Кулжа", ["654002", "654021"]),  # the city and the county: the caller decides
        ("Zzyzx", []),
    ],
)
def test_a_spelling_the_gazetteer_lacks_is_found_by_its_sound(
    gazetteer: Gazetteer, typed: str, codes: list[str]
) -> None:
    """Given a place typed in a spelling no name of the gazetteer has, when it is looked
    up by sound, then the places whose names sound alike and are spelt within a letter
    or two come back, and ``find`` itself stays exact."""
    assert gazetteer.find(typed) == ()
    assert [p.id for p in gazetteer.find_by_sound(typed)] == codes


def test_intake_offers_the_place_for_a_russian_spelling() -> None:
    """Given a volunteer who types the hometown as Кунес (Russian letters), when the
    person step is checked, then 新源县 is offered."""
    _errors, hints = check_step("person", {"name_1": "Серік", "hometown_words": "Кунес"})
    assert hints["places"][0] == ("654025", "新源县 (654025)")
