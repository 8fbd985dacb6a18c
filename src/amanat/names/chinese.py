"""Uyghur and Kazakh names written in Chinese characters, read back as Turkic Latin.

Chinese officials transcribe a Turkic name syllable by syllable with a conventional set
of characters (赛力克江 for Serikjan, 买买提 for Memet, 古丽 for Gül). Reading them back
needs those conventions, not plain pinyin: the characters and groups of characters in
``data/zh_chars.tsv`` carry the readings (with a position: 克 is k at a word's end), and
any other character goes through ``pypinyin`` and the syllable rules of
``data/zh_pinyin.tsv``. Both tables mark their judgement calls and cite their sources
in ``data/SOURCES.md``.

A short name that starts with a common Han surname (马明华, a Hui name) is read the
Chinese way first (surname, given name), with the Turkic reading as a second form; one
that starts with a Hui surname which also opens Turkic transcriptions (海福, but 海拉提
Gayrat) keeps the Turkic reading first and gets the Chinese one as a further form
(``data/zh_surnames.tsv``).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from types import ModuleType

from amanat.names.tables import read_table
from amanat.names.transliterate import tidy

__all__ = [
    "HAN_SURNAMES",
    "HUI_SURNAMES",
    "SURNAME_PINYIN",
    "han_pinyin",
    "han_split_points",
    "han_word_readings",
    "looks_like_han_name",
    "may_be_hui_name",
    "pinyin_syllables_readings",
]

MAX_READINGS = 6


@dataclass(frozen=True)
class _Chunk:
    pinyin: str
    reading: str
    first: str
    last: str
    alternatives: tuple[str, ...]


_CHUNKS: dict[str, _Chunk] = {}
for _row in read_table("zh_chars.tsv"):
    _CHUNKS[_row["hanzi"]] = _Chunk(
        _row["pinyin"],
        _row["reading"],
        _row["first"] or _row["reading"],
        _row["last"] or _row["reading"],
        tuple(a for a in _row["alternatives"].split("|") if a),
    )
_LONGEST = max(len(k) for k in _CHUNKS)

_RULES: dict[str, dict[str, str]] = {
    k: {} for k in ("initial", "final", "final-palatal", "zero", "last")
}
for _row in read_table("zh_pinyin.tsv"):
    _RULES[_row["kind"]][_row["pinyin"]] = _row["reading"]
_INITIALS = sorted(_RULES["initial"], key=len, reverse=True)

# Surnames (data/zh_surnames.tsv): "han" ones make a short name a Han name, read surname
# first; "hui" ones (海 哈 达 苏 …, which also open Turkic transcriptions) add that reading
# as a further form. SURNAME_PINYIN holds every surname's reading (for Palladius names).
_SURNAME_ROWS = read_table("zh_surnames.tsv")
HAN_SURNAMES = frozenset(r["hanzi"] for r in _SURNAME_ROWS if r["kind"] == "han")
HUI_SURNAMES = frozenset(r["hanzi"] for r in _SURNAME_ROWS if r["kind"] == "hui")
SURNAME_PINYIN: dict[str, str] = {r["hanzi"]: r["pinyin"] for r in _SURNAME_ROWS}
MAX_HUI_NAME = 3  # characters: a longer name opening with a "hui" surname is Turkic


@functools.cache
def _pypinyin() -> ModuleType:
    """``pypinyin``, imported when a name first holds a Chinese character: its
    dictionaries take about 0.3 s to load, which a command that reads no Chinese name
    (a desk's list of persons, an import of Cyrillic names) need not wait for."""
    return importlib.import_module("pypinyin")


@functools.lru_cache(maxsize=1 << 14)
def _syllable(char: str) -> str:
    pypinyin = _pypinyin()
    syllables = pypinyin.lazy_pinyin(char, style=pypinyin.Style.NORMAL, errors="ignore")
    return syllables[0] if syllables else ""


def _read_syllable(syllable: str, *, last: bool) -> str:
    if last and syllable in _RULES["last"]:
        return _RULES["last"][syllable]
    if syllable in _RULES["zero"]:
        return _RULES["zero"][syllable]
    for initial in _INITIALS:
        if syllable.startswith(initial):
            rest = syllable[len(initial) :]
            finals = _RULES["final-palatal"] if initial in "jqx" else _RULES["final"]
            return _RULES["initial"][initial] + finals.get(rest, _RULES["final"].get(rest, rest))
    return _RULES["final"].get(syllable, syllable)


def han_pinyin(word: str) -> str:
    """Plain toneless pinyin of a word, syllables run together (赛力克江 → sailikejiang)."""
    return "".join(_CHUNKS[c].pinyin if c in _CHUNKS else _syllable(c) for c in word)


def _segments(word: str) -> list[str]:
    """``word`` split into the longest groups of zh_chars.tsv, single characters between."""
    pieces: list[str] = []
    index = 0
    while index < len(word):
        size = next(
            (
                n
                for n in range(min(_LONGEST, len(word) - index), 1, -1)
                if word[index : index + n] in _CHUNKS
            ),
            1,
        )
        pieces.append(word[index : index + size])
        index += size
    return pieces


Options = tuple[tuple[str, ...], ...]  # per group: its readings, the likeliest first


def _combine(options: Options, plain: str) -> tuple[str, ...]:
    """Whole-word readings from each group's options (see han_word_readings)."""
    primary = [choice[0] for choice in options]
    readings = [tidy("".join(primary))]
    for position, choice in enumerate(options):
        for alternative in choice[1:]:
            variant = [*primary[:position], alternative, *primary[position + 1 :]]
            readings.append(tidy("".join(variant)))
    readings.append(tidy(plain))
    unique = [r for r in dict.fromkeys(readings) if r]
    return tuple(unique[: MAX_READINGS - 1] + unique[-1:] if len(unique) > MAX_READINGS else unique)


def _chunk_options(chunk: _Chunk, *, first: bool, last: bool) -> tuple[str, ...]:
    chosen = chunk.first if first else chunk.last if last else chunk.reading
    return (chosen, *(a for a in chunk.alternatives if a != chosen))


@functools.lru_cache(maxsize=1 << 16)
def han_word_readings(word: str) -> tuple[str, ...]:
    """Turkic Latin readings of one Chinese word, most likely first (at most MAX_READINGS).

    The first reading takes each group's primary reading; the next ones change one group
    to one of its alternatives, in order; the last is plain pinyin.
    """
    options: list[tuple[str, ...]] = []
    index = 0
    for piece in _segments(word):
        first = index == 0
        last = index + len(piece) == len(word)
        chunk = _CHUNKS.get(piece)
        if chunk is not None:
            options.append(_chunk_options(chunk, first=first, last=last))
        else:
            options.append((_read_syllable(_syllable(piece), last=last and not first),))
        index += len(piece)
    return _combine(tuple(options), han_pinyin(word))


# zh_chars.tsv by the pinyin of each group, the first row of a pinyin winning (买买提, not
# 麦麦提, for maimaiti): how pinyin printed in Latin letters is read (names/pinyin.py)
_BY_PINYIN: dict[str, _Chunk] = {}
for _chunk in _CHUNKS.values():
    _BY_PINYIN.setdefault(_chunk.pinyin, _chunk)
_LONGEST_PINYIN = max(len(k) for k in _BY_PINYIN)


def pinyin_syllables_readings(syllables: tuple[str, ...]) -> tuple[str, ...]:
    """Turkic Latin readings of a word given as toneless pinyin syllables (Nu-er-lan), the
    way han_word_readings reads the characters they stand for: the longest run of
    syllables that is the pinyin of a group of zh_chars.tsv is read as that group, any
    other syllable by the rules of zh_pinyin.tsv."""
    options: list[tuple[str, ...]] = []
    index = 0
    count = len(syllables)
    while index < count:
        size, chunk = 1, None
        for end in range(count, index, -1):
            joined = "".join(syllables[index:end])
            if len(joined) <= _LONGEST_PINYIN and joined in _BY_PINYIN:
                size, chunk = end - index, _BY_PINYIN[joined]
                break
        first = index == 0
        last = index + size == count
        if chunk is not None:
            options.append(_chunk_options(chunk, first=first, last=last))
        else:
            options.append((_read_syllable(syllables[index], last=last and not first),))
        index += size
    return _combine(tuple(options), "".join(syllables))


_NAME_ENDS = frozenset(row["hanzi"] for row in read_table("zh_name_ends.tsv"))
MAX_SPLITS = 3
# a word of fewer characters is one given name, not two names without their dot: 古丽娜尔
# Gulnar divided as gul nar would meet 努尔古丽 Nurgul (1.7); every full name written
# without its dot seen has six characters or more
MIN_UNDOTTED = 5


@functools.lru_cache(maxsize=1 << 14)
def han_split_points(word: str) -> tuple[int, ...]:
    """Where a transcribed name written without its dot (赛力克江别拉什) may divide into
    given name and father's name: after a group that often ends a given name
    (zh_name_ends.tsv), leaving at least two characters each side, in a word of
    ``MIN_UNDOTTED`` characters or more; the (at most three) points nearest the middle,
    in order."""
    points: list[int] = []
    if len(word) < MIN_UNDOTTED:
        return ()
    index = 0
    for piece in _segments(word):
        index += len(piece)
        if (piece in _NAME_ENDS or piece[-1] in _NAME_ENDS) and 2 <= index <= len(word) - 2:
            points.append(index)
    nearest = sorted(points, key=lambda p: (abs(2 * p - len(word)), p))[:MAX_SPLITS]
    return tuple(sorted(nearest))


def looks_like_han_name(text: str) -> bool:
    """Two to four characters, no separator, opening with a common Han surname."""
    return 2 <= len(text) <= 4 and text[0] in HAN_SURNAMES


def may_be_hui_name(text: str) -> bool:
    """Two or three characters, no separator, opening with a surname common among the Hui
    that also opens Turkic transcriptions (海福 Hai Fu, but 海拉提 Gayrat)."""
    return 2 <= len(text) <= MAX_HUI_NAME and text[0] in HUI_SURNAMES
