"""Fictional things for the demo: names in four scripts, ID numbers, pictures.

Names are composed from syllables (``Qaitanbek Boldosuly``), not taken from any list of
real people, and spelled in Latin letters, Kazakh Cyrillic, Chinese characters and the
Arabic script Uyghur and Xinjiang Kazakh are written in. A demo needs plausible
spellings, not a transliteration standard; a native speaker would spell some of them
otherwise.

Resident ID numbers are valid (a desk refuses anything else) on real county codes, but
their sequence codes are 996-999, which registration offices are commonly said to keep
for people aged over 100 (a practice cited with GB 11643-1999, not written in it);
nobody in the demo is that old, so the numbers should belong to no one. Kazakh IINs
are valid by their check digit only. Pictures have the word DEMO drawn into them.
Standard library and this package only.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from amanat.records.dates import PartialDate
from amanat.records.ids import KazakhIin, ResidentId, iin_check_digit, ric_check_character

__all__ = [
    "MARKER",
    "FictionalName",
    "cyrillic",
    "demo_png",
    "folded",
    "given_name",
    "hui_name",
    "kazakh_iin",
    "resident_id",
    "said_birth",
    "turkic_name",
]

MARKER = "DEMO"

# Syllables in Latin letters and as Chinese transcriptions use them.
_START = (
    ("Ar", "阿尔"), ("Bol", "波力"), ("Dau", "道"), ("Er", "叶尔"), ("Qai", "凯"),
    ("Nur", "努尔"), ("Sai", "赛"), ("Tal", "塔力"), ("Zhan", "加恩"), ("Ai", "艾"),
    ("Ku", "库"), ("Ba", "巴"), ("Me", "买"), ("Ya", "亚"), ("Ser", "赛尔"),
)  # fmt: skip
_MIDDLE = (
    ("san", "桑"), ("mur", "木尔"), ("tan", "坦"), ("dos", "多斯"), ("lan", "兰"),
    ("gen", "根"), ("ras", "热斯"), ("tol", "托力"), ("ken", "肯"), ("bar", "巴尔"),
)  # fmt: skip
_MALE_END = (("bek", "别克"), ("khan", "汗"), ("jan", "江"), ("", ""))
_FEMALE_END = (("gul", "古丽"), ("nur", "努尔"), ("ai", "艾"), ("sha", "莎"))
_HUI_SURNAME = (
    ("Ma", "马", "Ма"), ("Yang", "杨", "Ян"), ("Han", "韩", "Хань"), ("Su", "苏", "Су"),
    ("Ding", "丁", "Дин"), ("Bai", "白", "Бай"), ("Na", "纳", "На"), ("Hu", "虎", "Ху"),
)  # fmt: skip
_HUI_GIVEN = (
    ("wen", "文", "вэнь"), ("jun", "军", "цзюнь"), ("hai", "海", "хай"), ("ling", "玲", "лин"),
    ("xue", "雪", "сюэ"), ("ming", "明", "мин"), ("fang", "芳", "фан"), ("cheng", "成", "чэн"),
)  # fmt: skip

# Letters of the syllables above, longest first, in Kazakh Cyrillic and in the Arabic
# script Uyghur and Xinjiang Kazakh are written in. A demo needs plausible spellings,
# not a transliteration standard.
_CYRILLIC = (
    ("ai", "ай"), ("kh", "х"), ("zh", "ж"), ("sh", "ш"), ("ch", "ч"), ("a", "а"), ("b", "б"),
    ("d", "д"), ("e", "е"), ("g", "г"), ("i", "и"), ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("q", "қ"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("y", "й"),
)  # fmt: skip
_ARABIC = (
    ("ai", "اي"), ("kh", "خ"), ("zh", "ژ"), ("sh", "ش"), ("ch", "چ"), ("a", "ا"), ("b", "ب"),
    ("d", "د"), ("e", "ە"), ("g", "گ"), ("i", "ى"), ("j", "ج"), ("k", "ك"), ("l", "ل"), ("m", "م"),
    ("n", "ن"), ("o", "و"), ("q", "ق"), ("r", "ر"), ("s", "س"), ("t", "ت"), ("u", "ۇ"),
    ("y", "ي"),
)  # fmt: skip
_VOWELS = "aeiou"


def folded(word: str) -> str:
    """A word as name search compares it: without case and accents."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return bare.casefold()


def cyrillic(latin: str) -> str:
    """A made-up name (``given_name``) in Cyrillic letters, as ``turkic_name`` spells it."""
    return _spell(latin, _CYRILLIC)


def _spell(latin: str, table: tuple[tuple[str, str], ...], *, arabic: bool = False) -> str:
    out: list[str] = []
    for word in latin.split():
        text, i = word.lower(), 0
        letters = ["ئ"] if arabic and text[:1] in _VOWELS else []
        while i < len(text):
            for src, dst in table:
                if text.startswith(src, i):
                    letters.append(dst)
                    i += len(src)
                    break
            else:
                letters.append(text[i])
                i += 1
        spelled = "".join(letters)
        out.append(spelled if arabic else spelled[:1].upper() + spelled[1:])
    return " ".join(out)


@dataclass(frozen=True)
class FictionalName:
    latin: str
    cyrillic: str
    chinese: str
    arabic: str | None


def given_name(rng: random.Random, sex: str) -> tuple[str, str]:
    ends = _MALE_END if sex == "male" else _FEMALE_END
    parts = [rng.choice(_START), rng.choice(_MIDDLE), rng.choice(ends)]
    return "".join(p[0] for p in parts).capitalize(), "".join(p[1] for p in parts)


def turkic_name(rng: random.Random, sex: str, ethnicity: str) -> FictionalName:
    given, given_zh = given_name(rng, sex)
    father, father_zh = given_name(rng, "male")
    if ethnicity == "kazakh":
        suffix, suffix_cyr = ("uly", "ұлы") if sex == "male" else ("qyzy", "қызы")
    elif ethnicity == "kyrgyz":
        suffix, suffix_cyr = ("uulu", "уулу") if sex == "male" else ("kyzy", "кызы")
    else:
        suffix, suffix_cyr = "", ""
    cyr = f"{_spell(given, _CYRILLIC)} {_spell(father, _CYRILLIC)}{suffix_cyr}"
    return FictionalName(
        latin=f"{given} {father}{suffix}",
        cyrillic=cyr,
        chinese=f"{given_zh}·{father_zh}",
        arabic=_spell(f"{given} {father}", _ARABIC, arabic=True),
    )


def hui_name(rng: random.Random) -> FictionalName:
    surname = rng.choice(_HUI_SURNAME)
    first, second = rng.choice(_HUI_GIVEN), rng.choice(_HUI_GIVEN)
    return FictionalName(
        latin=f"{surname[0]} {(first[0] + second[0]).capitalize()}",
        cyrillic=f"{surname[2]} {(first[2] + second[2]).capitalize()}",
        chinese=surname[1] + first[1] + second[1],
        arabic=None,
    )


def resident_id(county: str, born: dt.date, sex: str, rng: random.Random) -> ResidentId:
    sequence = rng.choice((997, 999) if sex == "male" else (996, 998))
    first17 = f"{county}{born:%Y%m%d}{sequence}"
    return ResidentId(first17 + ric_check_character(first17))


def kazakh_iin(born: dt.date, sex: str, rng: random.Random) -> KazakhIin:
    century = ("3" if sex == "male" else "4") if born.year < 2000 else "5"
    while True:
        first11 = f"{born:%y%m%d}{century}{rng.randrange(10_000):04d}"
        check = iin_check_digit(first11)
        if check is not None:
            return KazakhIin(f"{first11}{check}")


def said_birth(born: dt.date, rng: random.Random, style: str | None = None) -> PartialDate:
    """A birth date as a relative says it, at a precision the seed picks."""
    style = style or rng.choice(("day", "month", "year", "year", "about", "range"))
    if style == "day":
        return PartialDate.day(born.year, born.month, born.day)
    if style == "month":
        return PartialDate.month(born.year, born.month)
    if style == "about":
        return PartialDate.year(born.year, approximate=True)
    if style == "range":
        return PartialDate.between(dt.date(born.year - 1, 1, 1), dt.date(born.year + 1, 12, 31))
    return PartialDate.year(born.year)


_FONT = {  # 5-row bitmaps of the four letters of "DEMO"
    "D": ("110", "101", "101", "101", "110"),
    "E": ("111", "100", "110", "100", "111"),
    "M": ("10001", "11011", "10101", "10001", "10001"),
    "O": ("111", "101", "101", "101", "111"),
}


def demo_png(rng: random.Random, size: int = 48) -> bytes:
    """A small picture: a grey head-and-shoulders shape and the word DEMO drawn on it."""
    background = (rng.randrange(120, 230), rng.randrange(120, 230), rng.randrange(120, 230))
    ink: set[tuple[int, int]] = set()
    x0 = 4
    for letter in MARKER:
        rows = _FONT[letter]
        for r, row in enumerate(rows):
            for c, bit in enumerate(row):
                if bit == "1":
                    for dy in range(2):
                        for dx in range(2):
                            ink.add((x0 + 2 * c + dx, 3 + 2 * r + dy))
        x0 += 2 * len(rows[0]) + 2
    pixels = bytearray()
    for y in range(size):
        pixels.append(0)  # PNG filter type 0 for each row
        for x in range(size):
            head = (x - size // 2) ** 2 + (y - size // 2) ** 2 < (size // 6) ** 2
            body = y > size * 3 // 4 and abs(x - size // 2) < size // 3
            if (x, y) in ink:
                pixels += bytes((20, 20, 20))
            elif head or body:
                pixels += bytes((90, 90, 90))
            else:
                pixels += bytes(background)

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00DEMO: generated by amanat demo, not a real photograph")
        + chunk(b"IDAT", zlib.compress(bytes(pixels), 9))
        + chunk(b"IEND", b"")
    )
