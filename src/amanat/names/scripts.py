"""Which script a name is written in, and the clean-up every name gets first.

``detect_script`` returns the same ISO 15924 codes as ``records.changes.detect_script``
(Latn, Cyrl, Arab, Hani, Zyyy), and Mong for traditional Mongolian (read into Latin
letters by ``anyascii``: ᠪᠠᠲᠤ = batu), but reads more of Unicode: Latin Extended-B, IPA and
Latin Extended-C letters (Uyghur Yengi Yeziq ə, ⱨ), Arabic Extended-A and presentation
forms, Cyrillic Extended, CJK extensions.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["clean", "detect_script", "fold_lookalikes", "script_of", "split_words"]

_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"),
    (0x0250, 0x02AF, "Latn"),
    (0x1E00, 0x1EFF, "Latn"),
    (0x2C60, 0x2C7F, "Latn"),
    (0xA720, 0xA7FF, "Latn"),
    (0xFF21, 0xFF5A, "Latn"),
    (0x0400, 0x052F, "Cyrl"),
    (0x1C80, 0x1C8F, "Cyrl"),
    (0x2DE0, 0x2DFF, "Cyrl"),
    (0xA640, 0xA69F, "Cyrl"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0x2E80, 0x2FDF, "Hani"),
    (0x3005, 0x3007, "Hani"),
    (0x3021, 0x3029, "Hani"),
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xF900, 0xFAFF, "Hani"),
    (0x20000, 0x323AF, "Hani"),
    (0x1820, 0x18AA, "Mong"),  # traditional Mongolian letters (Oirat names: ᠪᠠᠲᠤ Batu)
)
_ORDER = ("Latn", "Cyrl", "Arab", "Hani", "Mong")


@functools.lru_cache(maxsize=1 << 14)
def script_of(char: str) -> str | None:
    """The script of one letter, or None for anything that is not a letter we read."""
    if not char.isalpha():
        return None
    code = ord(char)
    for low, high, script in _RANGES:
        if low <= code <= high:
            return script
    return None


_ASCII_LETTER = re.compile("[A-Za-z]")


def detect_script(text: str) -> str:
    """The ISO 15924 code of the script most letters of ``text`` are in; ``Zyyy`` if none.

    Ties go to the first of Latn, Cyrl, Arab, Hani. Marks, digits, punctuation and
    format characters are not counted.
    """
    if text.isascii():
        return "Latn" if _ASCII_LETTER.search(text) else "Zyyy"
    counts = dict.fromkeys(_ORDER, 0)
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] += 1
    best = max(_ORDER, key=counts.__getitem__)
    return best if counts[best] else "Zyyy"


# Format and control characters (bidi overrides and isolates, zero-width joiners, soft
# hyphen, BOM), Arabic tatweel and harakat: none changes which name is written.
_INVISIBLE = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u0640\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u115f\u1160\u180b-\u180f\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
# Word separators: space, punctuation, and the dots that separate the parts of a
# transcribed name in Chinese (· U+00B7, • U+2022, ‧ U+2027, ・ U+30FB, ∙ U+2219, ⋅ U+22C5,
# ᐧ U+1427, ． U+FF0E, 。 U+3002) and the full stop.
# (a zero-width space, U+200B, divides words as a space does: Нурлан\u200bЕрлан is two)
_CONTROL_SPACE = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u200b\u2028\u2029]")
_NAME_DOTS = "\u00b7\u2022\u2027\u30fb\u2219\u22c5\u1427\uff0e\u3002\uff65."
_APOSTROPHES = re.compile("[\u2019\u02bc\u02bb\u2018`\u00b4\u02b9\u2032\uff07]")
_HYPHENS = re.compile("[\u2010-\u2015\u2212\ufe63\uff0d\u00ad]")


_COMPATIBILITY = re.compile("[\ufb50-\ufeff\uff01-\uff5e]+")
# A word: letters, apostrophes, hyphens and combining marks (Latin, Cyrillic, Arabic,
# and the Indic blocks, whose vowel signs are marks)
_WORD = re.compile(
    "(?:[^\\W\\d_]|['\\-\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
)
_DOTTED = re.compile(f"[^\\W\\d_]\\s*[{re.escape(_NAME_DOTS)}]")


_SPECIAL = re.compile(
    "["
    + "".join(
        p.pattern.strip("+")[1:-1]
        for p in (_INVISIBLE, _CONTROL_SPACE, _APOSTROPHES, _HYPHENS, _COMPATIBILITY)
    )
    + "]"
)
_DOT = re.compile(f"[{re.escape(_NAME_DOTS)}]")


def clean(text: str) -> str:
    """``text`` with invisible characters removed and apostrophes and hyphens unified.

    Arabic presentation forms (U+FB50-U+FEFF) and fullwidth Latin are folded to their
    letters; other compatibility characters (ٵ ٶ ٷ ٸ among them) are kept as written.
    """
    if _SPECIAL.search(text) is None:  # the common case, checked at C speed
        if text.isascii() or unicodedata.is_normalized("NFC", text):
            return text
        return unicodedata.normalize("NFC", text)
    # composed first: a hamza written as a mark (ي + U+0654) is the letter ئ, not a
    # harakat to drop with the others
    out = unicodedata.normalize("NFC", text)
    out = _INVISIBLE.sub("", _CONTROL_SPACE.sub(" ", out))
    out = _COMPATIBILITY.sub(lambda m: unicodedata.normalize("NFKC", m.group()), out)
    folded = _HYPHENS.sub("-", _APOSTROPHES.sub("'", out))
    return unicodedata.normalize("NFC", folded)


def split_words(text: str) -> tuple[list[str], bool]:
    """The words of a cleaned name, and whether a name dot follows any of them.

    Letters, marks, apostrophes and hyphens make up words; hyphens stay inside a word
    (the converters drop them: Nurlan-uly is one word); anything else separates.
    """
    words = text.split()
    dotted = _DOT.search(text) is not None and _DOTTED.search(text) is not None
    if all(word.isalpha() for word in words):  # letters and spaces only: the common case
        return words, dotted
    return _WORD.findall(text), dotted


# Latin and Cyrillic letters that look alike: a word typed on two keyboards, or read
# from paper by OCR, mixes them ("Hурлан" with a Latin H, "CEPИK" with a Cyrillic И).
_LATIN_LOOKS_CYRILLIC = dict(zip("ABCEHKMOPTXYaceopxyiIh", "АВСЕНКМОРТХУасеорхуіІһ", strict=True))
_CYRILLIC_LOOKS_LATIN = {c: latin for latin, c in _LATIN_LOOKS_CYRILLIC.items()}
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKS_CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKS_LATIN)


@functools.lru_cache(maxsize=1 << 14)
def fold_lookalikes(word: str) -> str:
    """``word`` in one script when it mixes Latin and Cyrillic letters that look alike.

    A word with a Cyrillic letter that has no Latin look-alike (и, ж, ұ...) and no Latin
    letter without a Cyrillic one is Cyrillic: its Latin look-alikes become Cyrillic
    ("Hурлан" = Нурлан, "CEPИK" = СЕРИК); the same the other way ("Роlat" with a
    Cyrillic Р = Polat). A word with letters of both kinds that no look-alike explains
    is left as written.
    """
    if word.isascii():
        return word
    latin = cyrillic = False
    only_latin = only_cyrillic = False
    for char in word:
        script = script_of(char)
        if script == "Latn":
            latin = True
            only_latin = only_latin or char not in _LATIN_LOOKS_CYRILLIC
        elif script == "Cyrl":
            cyrillic = True
            only_cyrillic = only_cyrillic or char not in _CYRILLIC_LOOKS_LATIN
    if not (latin and cyrillic) or only_latin == only_cyrillic:
        return word
    return word.translate(_TO_CYRILLIC if only_cyrillic else _TO_LATIN)
