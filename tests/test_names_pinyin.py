"""Table 1.2: Turkic names printed as pinyin in Latin letters (docs/format/names.md).

Chinese documents and rosters print a Kazakh or Uyghur name as the pinyin of its Chinese
transcription: 努尔兰·叶尔江 is printed "Nuerlan Yeerjiang", for Nurlan Erjan. Such a
word also gets the reading the Chinese characters get; ordinary Latin names keep theirs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.names import analyse, name_keys, query_keys
from amanat.names.phonetic import silent_variants
from amanat.names.pinyin import pinyin_readings, pinyin_syllables


def _keys(text: str, *kinds: str) -> set[tuple[str, str]]:
    return {(k.kind, k.key) for k in name_keys(text) if k.kind in kinds}


@pytest.mark.parametrize(
    "pinyin",
    ["Nuerlan Yeerjiang", "Yeerjiang Nuerlan", "NUERLAN YEERJIANG", "Nuerlan·Yeerjiang"],
)
@pytest.mark.parametrize("other", ["Nurlan Erjan", "Нұрлан Ержан", "努尔兰·叶尔江"])
def test_pinyin_name_meets_the_name(pinyin: str, other: str) -> None:
    """Given a Kazakh name printed as pinyin in a Chinese roster, when it is keyed, then it
    shares a sorted and a phonetic key with the name in Latin, Cyrillic and characters."""
    assert _keys(pinyin, "sorted") & _keys(other, "sorted")
    assert _keys(pinyin, "phonetic") & _keys(other, "phonetic")


@pytest.mark.parametrize(
    ("pinyin", "turkic"),
    [
        ("Tuerxun", "Tursun"),
        ("Tuerxun", "Турсун"),
        ("Maimaiti", "Memet"),
        ("Maimaiti", "Mamat"),
        ("Abudureheman", "Abdurehman"),
        ("Sailikejiang", "Serikjan"),
        ("Sailikejiang", "Серікжан"),
        ("Nuerlan", "Nurlan"),
    ],
)
def test_pinyin_word_meets_the_word(pinyin: str, turkic: str) -> None:
    """Given a one-word name printed as pinyin, when a volunteer searches for the Turkic
    spelling, then the two share a token and a ptoken key."""
    assert _keys(pinyin, "token") & _keys(turkic, "token")
    assert _keys(pinyin, "ptoken") & _keys(turkic, "ptoken")
    assert {(k.kind, k.key) for k in query_keys(turkic)} & _keys(pinyin, "token", "ptoken")


def test_abdurahman_meets_through_the_phonetic_key() -> None:
    """Given Abudureheman (阿不都热合曼), when compared with Abdurahman, then the phonetic
    keys meet (h and kh are one symbol), as for the characters."""
    assert _keys("Abudureheman", "ptoken") & _keys("Abdurahman", "ptoken")


def test_the_turkic_reading_stays_first() -> None:
    """Given a pinyin name, when analysed, then the word's Turkic Latin reading is kept as
    the first form and the pinyin reading is an additional form."""
    analysis = analyse("Nuerlan Yeerjiang")
    assert analysis.forms[0] == "nuerlan yeerjiang"
    assert "nurlan erjan" in analysis.forms
    assert [t.latin for t in analysis.tokens] == ["nuerlan", "yeerjiang"]
    assert ("token", "nuerlan") in _keys("Nuerlan Yeerjiang", "token")


# Ordinary Latin Kazakh and Uyghur names: none may be taken for pinyin. Several divide
# into pinyin syllables (Ali a-li, Dana dan-a, Madina, Aliya, Aruzhan, Halima, Erlan);
# the guard keeps them out.
ORDINARY = [
    "Serik",
    "Nurlan",
    "Aigul",
    "Marat",
    "Ali",
    "Ainur",
    "Bolat",
    "Dana",
    "Madina",
    "Aliya",
    "Aruzhan",
    "Zhansaya",
    "Halima",
    "Aidana",
    "Amina",
    "Medina",
    "Erlan",
    "Asan",
    "Aman",
    "Hasan",
    "Husan",
    "Juma",
    "Guli",
    "Nuri",
    "Lina",
    "Nina",
    "Aisha",
    "Ayan",
    "Ayana",
    "Rena",
    "Zhanna",
    "Tursun",
    "Serikjan",
    "Bilash",
    "Erjan",
    "Yerzhan",
    "Memet",
    "Abdurahman",
    "Askar",
    "Kairat",
    "Dinara",
    "Kanat",
    "Timur",
    "Yusup",
    "Alibek",
    "Zhanibek",
    "Baurzhan",
    "Meruert",
    "Daniyar",
    "Dauren",
    "Samal",
    "Nazym",
    "Gaukhar",
    "Kuanysh",
    "Sanzhar",
    "Ermek",
    "Rustam",
    "Ruslan",
    "Adil",
    "Saltanat",
    "Malika",
    "Aibek",
    "Anar",
    "Asel",
    "Eldos",
    "Gulmira",
    "Adilet",
    "Maksat",
    "Muhammed",
    "Kamila",
    "Yasin",
    "Dilnaz",
    "Anwar",
    "Tahir",
    "Mahmut",
    "Abdulla",
    "Ablimit",
    "Mayinur",
    "Rahile",
    "Sajida",
    "Zulfiya",
    "Zohre",
    "Aygul",
    "Ahmet",
    "Sultan",
    "Ayzhan",
    "Erkin",
    "Ilham",
    "Dilnur",
    "Gulnar",
    "Nurgul",
    "Saule",
    "Bakhyt",
    "Bakyt",
    "Shyngys",
    "Chingiz",
    "Kurmangazy",
    "Almas",
    "Almaz",
    "Batyr",
    "Nurzhan",
    "Zhanar",
    "Zhuldyz",
    "Raushan",
    "Bayan",
    "Beibit",
    "Dariga",
    "Elmira",
    "Gulzhan",
    "Indira",
    "Laura",
    "Mira",
    "Nurila",
    "Perizat",
    "Sabina",
    "Togzhan",
    "Ulan",
    "Zarina",
    "Aziz",
    "Qasim",
    "Xalida",
    "Xasan",
    "Qurban",
    "Tohti",
    "Abla",
    "Muhemmet",
    "Patigul",
    "Reyhan",
    "Hebibulla",
    "Gheyret",
    "Ekber",
    "Mihray",
    "Rozi",
    "Nijat",
    "Obul",
    "Perhat",
    "Qeyser",
    "Memtimin",
    "Ablikim",
    "Ilshat",
    "Zumret",
    "Ayshem",
    "Jenishbek",
    "Kubanychbek",
    "Aida",
    "Aliaskar",
    "Zhasulan",
]


def test_ordinary_latin_names_are_not_read_as_pinyin() -> None:
    """Given ordinary Latin Kazakh, Kyrgyz and Uyghur names (those that divide into pinyin
    syllables among them), when read, then none is taken for pinyin and their keys are
    the Turkic Latin reading's only (with, since table 1.6, that reading without an h
    another script leaves out: Tahir, Tair)."""
    divides = [w for w in ORDINARY if pinyin_syllables(w.lower())]
    assert len(divides) >= 20  # the guard, not the syllables, keeps them out
    assert [w for w in ORDINARY if pinyin_readings(w)] == []
    for word in ORDINARY:
        forms = analyse(word).forms
        assert forms == (forms[0], *silent_variants(forms[0])), word


@pytest.mark.parametrize("name", ["Serik Nurlan", "Aigul Marat", "Ali Ainur", "Bolat Dana"])
def test_ordinary_two_word_names_keep_one_form(name: str) -> None:
    """Given an ordinary two-word Latin name, when keyed, then there is one form only."""
    assert len(analyse(name).forms) == 1


def test_pinyin_with_latin_name_changes_only_the_pinyin_word() -> None:
    """Given a roster line mixing a pinyin word and a Turkic Latin word, when keyed, then
    the Turkic word keeps its reading in the pinyin form."""
    assert "tursun bolat" in analyse("Tuerxun Bolat").forms
    assert _keys("Tuerxun Bolat", "sorted") & _keys("Bolat Tursun", "sorted")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzAEIOU '·-", max_size=60))
def test_pinyin_reading_never_raises(text: str) -> None:
    """Given any string of Latin letters, when read, then nothing raises and the forms
    stay within the cap."""
    assert len(analyse(text).forms) <= 8
    name_keys(text)
    assert all(r.isascii() for r in pinyin_readings(text))
