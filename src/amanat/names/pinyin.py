"""Turkic names printed as pinyin in Latin letters: "Nuerlan Yeerjiang", "Tuerxun".

Chinese documents and rosters print a Uyghur or Kazakh name as the pinyin of its Chinese
transcription (努尔兰·叶尔江 → Nuerlan Yeerjiang, for Nurlan Erjan). Read as Turkic Latin
such a word never meets the name. ``pinyin_readings`` recognises a Latin word that is
pinyin and reads its syllables the way the Chinese-character path reads the characters
(zh_chars.tsv groups, then zh_pinyin.tsv rules): Nuerlan → nurlan, Tuerxun → tursun.
These readings are only added to the word's Turkic Latin reading, never put in its
place.

A word is taken for pinyin when (docs/format/names.md, "Pinyin in Latin letters"):

1. it is plain ASCII letters and divides entirely into two or more toneless pinyin
   syllables (the inventory is the pinyin column of palladius.tsv); the division with
   the fewest syllables is used; and
2. it has a tell-tale of pinyin that Turkic Latin spelling does not produce (the guard,
   a judgement): a syllable ``er`` after another syllable (nu-er, ye-er), a syllable
   with initial x, q or c, a final -iang or -iong, or an epenthetic syllable (ke ge ti
   te de si shi zi le fu bu mu pu, Chinese's vowel after a Turkic consonant) at the
   end of the word or before a syllable that starts with a consonant (sai-li-ke-jiang).

Ordinary Latin names that divide into pinyin (Ali, Dana, Madina, Aliya, Aruzhan,
Halima) have no tell-tale and are read only as Turkic Latin.

A Han or Hui name in pinyin (Tuo Xiuying, Su Yongxiang) is another matter: read as
Turkic Latin its x, q and c become kh, k and k, and it no longer meets the characters,
the Palladius Cyrillic or the Uyghur letters, which all read as the pinyin itself.
``han_pinyin_name`` recognises one (two or three words of one or two syllables, a
one-syllable Han or Hui surname at one end, as ``palladius_name`` does) and gives its
words as pinyin, which the name gets as a further form.
"""

from __future__ import annotations

import functools

from amanat.names.chinese import SURNAME_PINYIN, pinyin_syllables_readings
from amanat.names.palladius import PINYIN_SYLLABLES
from amanat.names.transliterate import tidy

__all__ = ["MAX_PINYIN_READINGS", "han_pinyin_name", "pinyin_readings", "pinyin_syllables"]

MAX_PINYIN_READINGS = 3
MAX_LETTERS = 40  # a longer run of letters is not one transcribed name
_LONGEST = max(len(s) for s in PINYIN_SYLLABLES)
_EPENTHETIC = frozenset(
    ("ke", "ge", "ti", "te", "de", "si", "shi", "zi", "le", "fu", "bu", "mu", "pu")
)
_VOWELS = frozenset("aeiouv")


@functools.lru_cache(maxsize=1 << 16)
def pinyin_syllables(word: str) -> tuple[str, ...] | None:
    """``word`` (lowercase ASCII) divided into the fewest pinyin syllables, or None."""
    if not word or len(word) > MAX_LETTERS or not (word.isascii() and word.isalpha()):
        return None
    best: list[tuple[str, ...] | None] = [None] * len(word) + [()]
    for start in range(len(word) - 1, -1, -1):
        for size in range(min(_LONGEST, len(word) - start), 0, -1):
            rest = best[start + size]
            if rest is not None and word[start : start + size] in PINYIN_SYLLABLES:
                parse = (word[start : start + size], *rest)
                current = best[start]
                if current is None or len(parse) < len(current):
                    best[start] = parse
    return best[0]


def _tell_tale(syllables: tuple[str, ...]) -> bool:
    """Whether a division into pinyin syllables shows pinyin spelling (the guard)."""
    for index, syllable in enumerate(syllables):
        following = syllables[index + 1] if index + 1 < len(syllables) else None
        if syllable == "er" and index > 0:
            return True
        if syllable[0] in "xqc" or syllable.endswith(("iang", "iong")):
            return True
        before_consonant = following is None or following[0] not in _VOWELS
        if syllable in _EPENTHETIC and before_consonant and (index > 0 or following):
            return True
    return False


@functools.lru_cache(maxsize=1 << 16)
def pinyin_readings(word: str) -> tuple[str, ...]:
    """Turkic Latin readings of a Latin word that is pinyin (at most MAX_PINYIN_READINGS),
    or () when the word is not taken for pinyin."""
    syllables = pinyin_syllables(word.lower())
    if syllables is None or len(syllables) < 2 or not _tell_tale(syllables):
        return ()
    plain = "".join(syllables)
    readings = [r for r in pinyin_syllables_readings(syllables) if r != plain]
    return tuple(readings[:MAX_PINYIN_READINGS])


_SURNAMES = frozenset(SURNAME_PINYIN.values())


def han_pinyin_name(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """Each word as run-together pinyin (``tidy``) when the Latin name reads as a Han or
    Hui name in pinyin (two or three words of one or two syllables, a one-syllable
    surname at one end), else None."""
    if not 2 <= len(words) <= 3:
        return None
    plain = [w.lower().replace("-", "").replace("'", "") for w in words]
    parses = [pinyin_syllables(w) for w in plain]
    if any(p is None or len(p) > 2 for p in parses):
        return None
    ends = (parses[0], parses[-1])
    if not any(p is not None and len(p) == 1 and p[0] in _SURNAMES for p in ends):
        return None
    return tuple(tidy(w) for w in plain)
