"""Chinese names written in Uyghur Arabic script, read back as pinyin.

Uyghur lists write Han and Hui names syllable by syllable in Uyghur letters (ياڭ
شيۇيىڭ for 杨秀英 Yang Xiuying, سۇ يۇڭشياڭ for 苏永祥 Su Yongxiang). Read as Uyghur they
never meet the pinyin, the characters or the Palladius Cyrillic: Uyghur writes pinyin x
as ش (sh), q as چ (ch), h as خ (kh). ``uyghur_chinese_name`` recognises a name whose
every word parses into the syllables of ``data/uyghur_pinyin.tsv`` and which has a
one-syllable word at one end that is a Han or Hui surname, and gives its pinyin, word by
word, as the Chinese path writes a Han name (``tidy`` of the toneless pinyin).

A spelling may stand for two syllables (shi: shi or xi; chu: chu or qu): the first
reading takes the x, q, j reading of each such spelling, the second the sh, ch, zh one,
and both are returned when they differ.
"""

from __future__ import annotations

import functools
import itertools

from amanat.names.chinese import SURNAME_PINYIN
from amanat.names.palladius import PINYIN_SYLLABLES
from amanat.names.tables import read_table
from amanat.names.transliterate import tidy

__all__ = ["uyghur_chinese_name", "uyghur_syllables"]

MAX_WORD_SYLLABLES = 2
MAX_NAME_WORDS = 3

_ROWS: dict[str, dict[str, tuple[str, ...]]] = {"initial": {}, "final": {}, "syllable": {}}
for _row in read_table("uyghur_pinyin.tsv"):
    _ROWS[_row["kind"]][_row["pinyin"]] = tuple(_row["uyghur"].split("|"))
_INITIALS = sorted(_ROWS["initial"], key=len, reverse=True)


def _spellings(syllable: str) -> tuple[str, ...]:
    """The Uyghur spellings (canonical Latin) of one toneless pinyin syllable (ü as v)."""
    if syllable in _ROWS["syllable"]:
        return _ROWS["syllable"][syllable]
    initial = next((i for i in _INITIALS if syllable.startswith(i)), "")
    final = syllable[len(initial) :]
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]  # ju, que, xuan are ü syllables
    if not initial or final not in _ROWS["final"]:
        return ()
    return tuple(
        a + b for a, b in itertools.product(_ROWS["initial"][initial], _ROWS["final"][final])
    )


# spelling -> the pinyin syllables it may stand for, those with j q x first
_BY_SPELLING: dict[str, list[str]] = {}
for _syllable in sorted(PINYIN_SYLLABLES, key=lambda s: (s[:1] not in "jqx", s)):
    for _spelling in _spellings(_syllable):
        _BY_SPELLING.setdefault(_spelling, []).append(_syllable)
_LONGEST = max(len(k) for k in _BY_SPELLING)
_SURNAMES = frozenset(SURNAME_PINYIN.values())


@functools.lru_cache(maxsize=1 << 16)
def uyghur_syllables(latin: str) -> tuple[str, ...] | None:
    """A Uyghur word (canonical Latin) cut into spellings of Chinese syllables, the
    fewest, or None when it does not parse."""
    best: list[tuple[str, ...] | None] = [None] * len(latin) + [()]
    for start in range(len(latin) - 1, -1, -1):
        for size in range(min(_LONGEST, len(latin) - start), 0, -1):
            piece = latin[start : start + size]
            rest = best[start + size]
            if piece in _BY_SPELLING and rest is not None:
                parse = (piece, *rest)
                current = best[start]
                if current is None or len(parse) < len(current):
                    best[start] = parse
    return best[0]


def _pinyin(spellings: tuple[str, ...], choice: int) -> tuple[str, ...]:
    out = []
    for spelling in spellings:
        options = _BY_SPELLING[spelling]
        out.append(options[min(choice, len(options) - 1)])
    return tuple(out)


def uyghur_chinese_name(latins: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Each word's canonical Latin (run-together pinyin), in one or two readings, when the
    name (its words' Uyghur readings) reads as a Chinese name; else ()."""
    if not 2 <= len(latins) <= MAX_NAME_WORDS:
        return ()
    parses = [uyghur_syllables(w) for w in latins]
    if any(p is None or len(p) > MAX_WORD_SYLLABLES for p in parses):
        return ()
    words = [p for p in parses if p is not None]
    readings: list[tuple[str, ...]] = []
    for choice in (0, 1):
        syllables = [_pinyin(w, choice) for w in words]
        ends = (syllables[0], syllables[-1])
        if not any(len(s) == 1 and s[0] in _SURNAMES for s in ends):
            continue
        reading = tuple(tidy("".join(s)) for s in syllables)
        if reading not in readings:
            readings.append(reading)
    return tuple(readings)
