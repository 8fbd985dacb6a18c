"""Names across scripts (issue 6): the required examples of docs/format/names.md."""

from __future__ import annotations

from amanat.names import NameKey, analyse, detect_script, name_keys

SERIKJAN = [
    "Серікжан Білаш",  # Kazakh Cyrillic
    "Serikjan Bilash",  # English style
    "Serikzhan Bilash",  # Russian-English style
    "Serikžan Bılaş",  # ISO 9 ž with 2021 ş and ı
    "Серикжан Билаш",  # Russian-style Cyrillic
    "赛力克江·别拉什",  # Chinese with the middle dot
    "سېرىكجان بىلاش",  # Uyghur Arabic script
    "سەرىكجان بىلاش",  # Xinjiang Kazakh Arabic script
]


def _kind(text: str, kind: str) -> set[str]:
    return {k.key for k in name_keys(text) if k.kind == kind}


def test_every_spelling_of_serikjan_bilash_shares_keys() -> None:
    """Given one man's name in eight spellings, when keyed, then all share a phonetic key
    and the given name's ptoken key."""
    for text in SERIKJAN:
        assert "blx slkjn" in _kind(text, "phonetic"), text
        assert "slkjn" in _kind(text, "ptoken"), text


def test_unrelated_names_do_not_share_sorted_or_phonetic_keys() -> None:
    a, b = "Ерлан Серікұлы", "Серікжан Білаш"
    for kind in ("sorted", "phonetic"):
        assert not _kind(a, kind) & _kind(b, kind)


def test_scripts() -> None:
    assert detect_script("Серікжан") == "Cyrl"
    assert detect_script("赛力克江") == "Hani"
    assert detect_script("سېرىكجان") == "Arab"
    assert detect_script("Serikžan") == "Latn"
    assert detect_script("123 ·") == "Zyyy"
    assert analyse("Серікжан Білаш").tokens[0].latin == "serikjan"
    assert NameKey("token", "serikjan") in name_keys("Serikzhan Bilash")
