"""Names written in Latin, Cyrillic or Arabic letters, to canonical ASCII Latin.

Canonical Latin is lowercase ASCII, one spelling per name whatever the alphabet it came
in: ә ä á a' → a, ғ ğ ǵ gh → g, қ q → k, ң ñ ń n' → ng, ө ö ó → o, ұ ү ū ü ú → u,
ж zh ž j → j, ш ş š → sh, ч ç č → ch, х x kh → kh, ы → y, і ı → i. The tables in
``data/`` (cyrillic.tsv, latin.tsv, kazakh_arabic.tsv, affixes.tsv) hold every letter rule.
Uyghur in Arabic script is read with ``umsc`` (its Common Turkic Script, then the
table below). Functions work on one word and are cached.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

from anyascii import anyascii
from umsc.umsc import UgMultiScriptConverter  # type: ignore[import-untyped]

from amanat.names.tables import read_table

__all__ = [
    "arabic_language",
    "cyrillic_language",
    "cyrillic_word",
    "kazakh_arabic_word",
    "latin_alphabet",
    "latin_language",
    "latin_word",
    "tidy",
    "uyghur_arabic_word",
    "uyghur_latin_reading",
]


def _replacer(table: Mapping[str, str]) -> re.Pattern[str]:
    keys = sorted(table, key=lambda k: (-len(k), k))
    return re.compile("|".join(re.escape(k) for k in keys))


# ---- Cyrillic ---------------------------------------------------------------------------

_CYRILLIC: dict[str, str] = {}
_CYRILLIC_UG: dict[str, str] = {}
for _row in read_table("cyrillic.tsv"):
    _CYRILLIC[_row["letter"]] = _row["latin"]
    _CYRILLIC_UG[_row["letter"]] = _row["uyghur"] or _row["latin"]
# дж is one sound (Джамиля Jamila, Ахмеджан Ahme-jan): read before the letters
_CYRILLIC["дж"] = _CYRILLIC_UG["дж"] = "j"
_CYRILLIC_RE = _replacer(_CYRILLIC)

# Russian writes Turkic -jan as -джан (Ахмеджан, Ehmetjan / Ahmedjan): after a vowel the
# д is the stem's last consonant, so it is kept as d before the suffix jan, and before
# what may follow it (Ахмеджанов, Ахмеджанұлы), and in its Uzbek and Tajik form -джон
# (Ахмаджон, Ahmadjon).
_CYRILLIC_DJAN = re.compile("(?<=[аеёиоуыэюяәөұүі])дж(?=[ао]н)")
_LATIN_DJAN = re.compile("(?<=[aeiouy])(dzh|dj)(?=[ao]n)")
_KAZAKH_ONLY = frozenset("әғқұһі")
_KYRGYZ_OR_KAZAKH = frozenset("ңөү")


def cyrillic_language(text: str) -> str:
    """ "ky" (уулу), "ug" (җ), "kk" (ә ғ қ ұ һ і), "ky" (only ң ө ү), else "ru"."""
    low = text.lower()
    letters = set(low)
    if "уулу" in low:
        return "ky"
    if "җ" in letters:
        return "ug"
    if letters & _KAZAKH_ONLY:
        return "kk"
    if letters & _KYRGYZ_OR_KAZAKH:
        return "ky"
    return "ru"


@functools.lru_cache(maxsize=1 << 16)
def cyrillic_word(word: str, uyghur: bool = False) -> str:
    table = _CYRILLIC_UG if uyghur else _CYRILLIC
    low = _CYRILLIC_DJAN.sub("д-ж", word.lower())
    out = _CYRILLIC_RE.sub(lambda m: table[m.group()], low)
    return tidy(out)


# ---- Latin -------------------------------------------------------------------------------

_LATIN: dict[str, dict[str, str]] = {"any": {}, "2017": {}, "2018": {}, "2021": {}}
for _row in read_table("latin.tsv"):
    _LATIN[_row["alphabet"]][_row["from"]] = _row["to"]
_LATIN_MERGED = {
    alphabet: {**_LATIN["any"], **rows} for alphabet, rows in _LATIN.items() if alphabet != "any"
}
_LATIN_MERGED["plain"] = dict(_LATIN["any"])
_LATIN_RE = {alphabet: _replacer(rows) for alphabet, rows in _LATIN_MERGED.items()}
_APOSTROPHE_2017 = re.compile("[agionscuy]'")
_ACUTE_2018 = frozenset("áǵńóúý")
_TURKIC_2021 = frozenset("äğşçñū")
_NOT_ASCII_LETTER = re.compile("[^a-z]")


def latin_alphabet(text: str) -> str:
    """Which Latin alphabet a name is in: "2017", "2018", "2021" (or Turkish-like), "plain"."""
    low = text.lower()
    if _APOSTROPHE_2017.search(low):
        return "2017"
    letters = set(low)
    if letters & _ACUTE_2018:
        return "2018"
    if letters & _TURKIC_2021:
        return "2021"
    return "plain"


def latin_language(text: str, alphabet: str) -> str | None:
    if alphabet != "plain":
        return "kk"
    low = text.lower()
    if "uulu" in low:
        return "ky"
    if re.search(r"(ovich|evich|ovna|evna)\b|(ov|ova|ev|eva)\b", low):
        return "ru"
    if re.search(r"(uly|kyzy|uli)\b", low):
        return "kk"
    if re.search(r"[xqé]|gh", low):
        return "ug"
    return None


@functools.lru_cache(maxsize=1 << 16)
def latin_word(word: str, alphabet: str = "plain") -> str:
    table = _LATIN_MERGED[alphabet]
    low = _LATIN_DJAN.sub("d-j", word.lower())
    out = _LATIN_RE[alphabet].sub(lambda m: table[m.group()], low)
    stripped = "".join(c for c in unicodedata.normalize("NFD", out) if not unicodedata.combining(c))
    return tidy(stripped)


# ---- Arabic script: Uyghur and Xinjiang Kazakh ----------------------------------------------

_UMSC = UgMultiScriptConverter("UAS", "CTS")
# umsc's Common Turkic Script to canonical Latin (c is ج, j is ژ, x is خ, é is ې)
_CTS = {
    "c": "j",
    "ç": "ch",
    "x": "kh",
    "ş": "sh",
    "ñ": "ng",
    "ö": "o",
    "ü": "u",
    "é": "e",
    "q": "k",
    "ğ": "g",
    "'": "",
}
_CTS_RE = _replacer(_CTS)
# letters typed from Persian or Arabic keyboards, read as the Uyghur letter they stand for
_UYGHUR_TYPED = str.maketrans({"ی": "ي", "ک": "ك", "ه": "ھ", "ة": "ە", "أ": "ا", "إ": "ا"})

_KAZAKH_BACK: dict[str, str] = {}
_KAZAKH_FRONT: dict[str, str] = {}
for _row in read_table("kazakh_arabic.tsv"):
    _KAZAKH_BACK[_row["letter"]] = _row["back"]
    _KAZAKH_FRONT[_row["letter"]] = _row["front"] or _row["back"]
_FRONT_MARKS = frozenset("ٴٵٶٷٸەكگک")
_KAZAKH_MARKS = frozenset("ٴٵٶٷٸعح")
_UYGHUR_MARKS = frozenset("ئېۈغخ")


def arabic_language(text: str) -> str | None:
    """ "kk" or "ug" when the letters tell (ٴ ٵ ٶ ٷ ٸ ع ح vs ئ ې ۈ غ خ), else None."""
    letters = set(text)
    kazakh = bool(letters & _KAZAKH_MARKS)
    uyghur = bool(letters & _UYGHUR_MARKS)
    if kazakh and not uyghur:
        return "kk"
    if uyghur and not kazakh:
        return "ug"
    return None


# In umsc's script, s, z, c and g followed by h are two letters (س ھ: ئىسھاق Is-haq,
# ئەزھەر Ez-her), which canonical Latin would read as one (sh, zh): the h is written kh
# there, as Russian writes it (Исхак iskhak).
_CTS_APART = re.compile("(?<=[szcg])h")


@functools.lru_cache(maxsize=1 << 16)
def uyghur_arabic_word(word: str) -> str:
    if len(word) > 1 and word.endswith("ه"):
        # typed on a Persian or Arabic keyboard, a word's last ه is the vowel ە
        # (راھىله Rahile), as Uyghur words end in it far more often than in ھ
        word = word[:-1] + "ە"
    cts = str(_UMSC(word.translate(_UYGHUR_TYPED), "UAS", "CTS")).lower()
    return tidy(_CTS_RE.sub(lambda m: _CTS[m.group()], _CTS_APART.sub("kh", cts)))


# Uyghur Latin (ULY) writes an apostrophe between two letters that would otherwise read
# as one (Is'haq, Mes'ud, Es'et), where the 2017 Kazakh alphabet reads s' as ш.
_ULY_APOSTROPHE = re.compile("(?<=[bcdfghjklmnpqrstvwxz])'(?=[aeiouéöüh])")


def uyghur_latin_reading(word: str) -> str | None:
    """The Uyghur Latin reading of a word with an apostrophe between a consonant and a
    vowel or h ("Mes'ud" = mesud, "Is'haq" = iskhak), or None when it has none."""
    low = word.lower()
    if _ULY_APOSTROPHE.search(low) is None:
        return None
    return latin_word(_ULY_APOSTROPHE.sub("", low.replace("'h", "kh")), "plain")


@functools.lru_cache(maxsize=1 << 16)
def kazakh_arabic_word(word: str) -> str:
    table = _KAZAKH_FRONT if set(word) & _FRONT_MARKS else _KAZAKH_BACK
    return tidy("".join(table.get(c, c) for c in word))


# ---- Canonical tidying, for every script ------------------------------------------------------

_JAN: dict[str, str] = {}
for _row in read_table("affixes.tsv"):
    if _row["kind"] == "jan":
        _JAN[_row["form"]] = _row["to"]
_JAN_RE = re.compile("(" + "|".join(sorted(_JAN, key=len, reverse=True)) + ")$")
# i after a vowel and before a consonant is the glide y (Aibek = Aybek), except after a u
# that is itself a glide (Dauit, where u is w and i the vowel)
_GLIDE = re.compile("(?:(?<=[aeo])|(?<=^u)|(?<=[^aeiou]u))i(?=[^aeiouy]|$)")
_INITIAL_DJ = re.compile("^dj(?=[aeiou])")


def tidy(latin: str) -> str:
    """Lowercase ASCII letters only; ai/ei/oi/ui before a consonant as ay/ey/oy/uy; -jon as -jan.

    Letters no table knows (a Cyrillic с typed inside a Latin word, Greek, Armenian…)
    are transliterated by ``anyascii`` as a last resort.
    """
    if not latin.isascii():
        latin = anyascii(latin)
    out = _NOT_ASCII_LETTER.sub("", latin.lower())
    out = _INITIAL_DJ.sub("j", _GLIDE.sub("y", out))
    match = _JAN_RE.search(out)
    if match and match.start() >= 3:
        out = out[: match.start()] + _JAN[match.group()]
    return out
