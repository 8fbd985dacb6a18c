"""The places gazetteer: shipped data, lookups in every script, user places, old codes."""

from __future__ import annotations

import csv
import importlib.resources
import io

import pytest

from amanat.errors import InputError
from amanat.records import places as places_module
from amanat.records.places import (
    Gazetteer,
    Place,
    PlaceName,
    stdnum_xinjiang_codes,
    user_place,
)

DATA = importlib.resources.files("amanat.records").joinpath("data")
# Xinjiang's extent, generously rounded (34.3-49.2 N, 73.5-96.4 E).
LAT = (34.0, 49.5)
LON = (73.0, 97.0)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load_builtin()


def _csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(DATA.joinpath(name).read_text("utf-8"))))


def test_data_files_parse_and_carry_their_licence_notes() -> None:
    """Given the shipped folder, then every data file parses and SOURCES.md and the
    ODbL notice sit beside it, naming each file."""
    sources = DATA.joinpath("SOURCES.md").read_text("utf-8")
    odbl = DATA.joinpath("README-facilities-osm.md").read_text("utf-8")
    for name in ("places-xinjiang.csv", "places-xinjiang-names.csv", "facilities-osm.csv"):
        assert name in sources
        _csv(name)
    assert "© OpenStreetMap contributors" in odbl
    assert "Open Database License" in odbl
    for licence in ("WTFPL", "MIT", "ODbL"):
        assert licence in sources


def test_every_current_county_code_in_stdnum_has_a_row(gazetteer: Gazetteer) -> None:
    """Given python-stdnum's GB/T 2260 table, when a Xinjiang code's last name is still
    in force, then the gazetteer has a place with that code and that name."""
    checked = 0
    for code in stdnum_xinjiang_codes():
        names = places_module._stdnum_names(code)
        name, _start, end = names[-1]
        if end is not None or name in ("市辖区", "自治区直辖县级行政单位") or code == "650000":
            continue
        place = gazetteer.get(code)
        assert place is not None, f"{code} {name} is missing"
        assert place.name == name
        checked += 1
    assert checked == 124


def test_counts_and_hierarchy(gazetteer: Gazetteer) -> None:
    """Given the built-in gazetteer, then it has 14 prefectures, 110 counties and
    110 OSM facilities, and every county but the XPCC cities sits in a prefecture."""
    kinds = [p.kind for p in gazetteer]
    assert kinds.count("prefecture") == 14
    assert kinds.count("county") == 110
    assert kinds.count("facility") == 110
    for place in gazetteer:
        if place.kind == "county" and not place.id.startswith("6590"):
            parent = gazetteer.get(place.parent or "")
            assert parent is not None and parent.kind == "prefecture"
    assert [p.id for p in gazetteer.region_path("654002")] == ["654000", "654002"]
    assert "654021" in [p.id for p in gazetteer.children("654000")]


def test_validity_years_come_from_stdnum(gazetteer: Gazetteer) -> None:
    """Given Turpan, a prefecture-level city since 2015, then its years say so."""
    turpan = gazetteer.get("650400")
    assert turpan is not None and turpan.valid_from == 2015 and turpan.valid_until is None
    hekang = gazetteer.get("653228")
    assert hekang is not None and hekang.name == "和康县" and hekang.valid_from == 2024


@pytest.mark.parametrize(
    "typed",
    ["伊宁市", "Yining Shi", "yi ning shi", "YININGSHI", "Yining City", "Yīníng Shì", "654002"],
)
def test_find_a_county_however_it_is_typed(gazetteer: Gazetteer, typed: str) -> None:
    """Given a county name in characters, pinyin with or without tones and spaces,
    English with a generic word, or the code, then the one county is found."""
    assert [p.id for p in gazetteer.find(typed)] == ["654002"]
    assert gazetteer.resolve(typed, kinds=["county"]).id == "654002"


def test_find_short_names_and_polyphones(gazetteer: Gazetteer) -> None:
    """Given short names and characters with several readings, then the county's own
    reading is the one that matches (莎车 Shache, 尉犁 Yuli, 伽师 Jiashi)."""
    assert gazetteer.resolve("Shache County").id == "653125"
    assert gazetteer.resolve("莎车").id == "653125"
    assert gazetteer.resolve("yuli").id == "652823"
    assert gazetteer.resolve("Jiashi", kinds=["county"]).id == "653129"


def test_ambiguous_names_are_refused_with_the_candidates(gazetteer: Gazetteer) -> None:
    """Given "Yining", which is both 伊宁市 and 伊宁县, when resolved, then InputError
    names both codes and asks for the full name or the code."""
    assert [p.id for p in gazetteer.find("Yining")] == ["654002", "654021"]
    with pytest.raises(InputError) as caught:
        gazetteer.resolve("Yining")
    message = caught.value.message
    assert "654002" in message and "654021" in message and "code" in message


def test_unknown_names_are_refused_without_echoing_long_input(gazetteer: Gazetteer) -> None:
    """Given a name that is nowhere or a whole pasted paragraph, then find returns
    nothing and resolve says so in one sentence that does not repeat the paste."""
    assert gazetteer.find("Atlantis") == ()
    with pytest.raises(InputError, match=r"^unknown county 'Atlantis'"):
        gazetteer.resolve("Atlantis", kinds=["county"])
    pasted = "x" * 5000
    assert gazetteer.find(pasted) == ()
    with pytest.raises(InputError) as caught:
        gazetteer.resolve(pasted)
    assert len(caught.value.message) < 150


def test_uyghur_and_kazakh_names_are_matched(gazetteer: Gazetteer) -> None:
    """Given a user place with Uyghur Arabic, Uyghur Latin and Kazakh Cyrillic names,
    then each script finds it beside the shipped 伊宁市 of the same names."""
    ghulja = user_place(
        "Ghulja",
        slug="ghulja-old-town",
        lang="ug-Latn",
        parent="654002",
        names=[
            PlaceName("ug-Arab", "غۇلجا", "desk"),
            PlaceName("kk-Cyrl", "Құлжа", "desk"),
        ],
    )
    g = gazetteer.with_user_places([ghulja])
    for typed in ("Ghulja", "ghulja", "غۇلجا", "غ\u0640ۇلجا", "Құлжа", "ҚҰЛЖА"):
        assert [p.id for p in g.find(typed)] == ["654002", "user:ghulja-old-town"]
    assert [p.id for p in g.region_path("user:ghulja-old-town")] == [
        "654000",
        "654002",
        "user:ghulja-old-town",
    ]


def test_user_places(gazetteer: Gazetteer) -> None:
    """Given a desk's own places, then they get user: ids, the built-in gazetteer is
    unchanged, and a place whose id or parent is wrong is refused."""
    village = user_place("Tograk", lat="39.1", lon="75.9")
    assert village.id.startswith("user:") and len(village.id) == len("user:") + 36
    g = gazetteer.with_user_places([village])
    assert village.id in g and village.id not in gazetteer
    with pytest.raises(InputError):
        gazetteer.with_user_places([user_place("A", slug="a"), user_place("B", slug="a")])
    with pytest.raises(InputError):
        gazetteer.with_user_places([user_place("A", slug="a", parent="659999")])
    with pytest.raises(InputError):
        Place("654002", "user", (PlaceName("en", "x"),))
    with pytest.raises(InputError):
        user_place("A", slug="Not Allowed")
    with pytest.raises(InputError):
        gazetteer.with_user_places([gazetteer.get("654002")])  # type: ignore[list-item]


def test_coordinates_are_decimal_strings_both_or_neither() -> None:
    """Given coordinates, then floats, out-of-range values and a lone latitude are refused."""
    name = (PlaceName("en", "x"),)
    with pytest.raises(InputError):
        Place("user:a", "user", name, lat="91.0", lon="80.0")
    with pytest.raises(InputError):
        Place("user:a", "user", name, lat="40.0")
    with pytest.raises(InputError):
        Place("user:a", "user", name, lat="4e1", lon="80.0")
    assert Place("user:a", "user", name, lat="-40.5", lon="80").lat == "-40.5"


def test_facilities_lie_in_xinjiang_and_are_attributed(gazetteer: Gazetteer) -> None:
    """Given the OSM facilities, then each has a point inside Xinjiang's box, a
    source naming the OpenStreetMap contributors, and a known parent if any."""
    facilities = [p for p in gazetteer if p.kind == "facility"]
    assert len(facilities) == 110
    for place in facilities:
        assert place.lat is not None and place.lon is not None
        assert LAT[0] < float(place.lat) < LAT[1], place.id
        assert LON[0] < float(place.lon) < LON[1], place.id
        assert "OpenStreetMap contributors" in place.source
        assert place.id.startswith(("osm:way/", "osm:relation/"))
    camp = gazetteer.get("osm:way/646988930")
    assert camp is not None and camp.name == "疏勒县法制教育转化学校"
    assert [p.id for p in gazetteer.region_path(camp.id)] == ["653100", "653122", camp.id]


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("652100", None, "650400"),  # 吐鲁番地区 until 2015 -> 吐鲁番市
        ("652101", 1990, "650402"),  # county-level 吐鲁番市 -> 高昌区
        ("652201", None, "650502"),  # 哈密市 (county-level) -> 伊州区
        ("654101", 1995, "654002"),  # 伊犁地区's 伊宁市 -> 伊宁市
        ("652523", None, "654202"),  # 乌苏县 -> 乌苏市
        ("652923", 2010, "652902"),  # 库车县 -> 库车市
        ("650401", None, "650400"),  # 市辖区 -> the city
        ("653125", None, "653125"),  # current code
    ],
)
def test_historical_region_codes_map_to_todays_place(
    gazetteer: Gazetteer, code: str, year: int | None, expected: str
) -> None:
    """Given a resident ID's region code, possibly abolished, then the place that
    holds its territory today is returned."""
    place = gazetteer.for_region_code(code, year=year)
    assert place is not None and place.id == expected


def test_every_historical_code_in_stdnum_maps_somewhere(gazetteer: Gazetteer) -> None:
    """Given every Xinjiang code python-stdnum knows, then each but the province and
    the XPCC grouping maps onto a place; unknown codes map to None."""
    unmapped = [c for c in stdnum_xinjiang_codes() if gazetteer.for_region_code(c) is None]
    assert unmapped == ["650000", "659000"]
    assert gazetteer.for_region_code("110101") is None
    assert gazetteer.for_region_code("65") is None
