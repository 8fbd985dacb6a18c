"""Chinese names written the Russian way: the Palladius Cyrillic transcription.

Russian lists write Han and Hui names syllable by syllable in Palladius' system (Ло
Хайцзюнь for 罗海军 Luo Haijun, Ма Шэнь, Ван Мин, Ли Цзюань). Read as Kazakh or Russian
Cyrillic they never meet the pinyin or the characters. ``palladius_name`` recognises a
name whose every word parses into the syllables of ``data/palladius.tsv`` and which has
a one-syllable word that is a Han or Hui surname (``data/zh_surnames.tsv``), and gives
its pinyin, word by word, as the Chinese path writes a Han name (``tidy`` of the
toneless pinyin).
"""

from __future__ import annotations

import functools

from amanat.names.chinese import SURNAME_PINYIN
from amanat.names.tables import read_table
from amanat.names.transliterate import tidy

__all__ = ["PINYIN_SYLLABLES", "palladius_name", "palladius_word"]

MAX_WORD_SYLLABLES = 2  # a Chinese given name has one or two syllables, a surname one
MAX_NAME_WORDS = 3

_SYLLABLES: dict[str, str] = {
    row["palladius"]: row["pinyin"] for row in read_table("palladius.tsv")
}
_LONGEST = max(len(k) for k in _SYLLABLES)
# every toneless pinyin syllable (ü written v): the pinyin side of palladius.tsv
PINYIN_SYLLABLES = frozenset(_SYLLABLES.values())
_SURNAMES = frozenset(SURNAME_PINYIN.values())
# What is not a Palladius letter but stands for one: ё for е, the syllable separators,
# and the Kazakh letters a Kazakh typist or writer puts for their Russian neighbours
# (Цзяньғо, Цзиньшәнь, Ваң: the two sit on one key's row, or ң is how Kazakh writes ng).
# A judgement (docs/format/names.md, item 8); the Palladius reading is only ever added.
_FOLD = str.maketrans(
    {"ё": "е", "-": None, "'": None, "ъ": None} | dict(zip("әғқңөұүһі", "агкноуухи", strict=True))
)


@functools.lru_cache(maxsize=1 << 16)
def palladius_word(word: str) -> tuple[str, ...] | None:
    """The pinyin syllables of a Cyrillic word read as Palladius (fewest syllables), or None."""
    # ъ, - and ' separate syllables (Чжунъин = zhong ying), nothing more; a Kazakh
    # letter stands for its Russian neighbour (docs/format/names.md, item 8)
    text = word.lower().translate(_FOLD)
    if not text:
        return None
    # best[i]: the shortest parse of text[i:]
    best: list[tuple[str, ...] | None] = [None] * len(text) + [()]
    for start in range(len(text) - 1, -1, -1):
        for size in range(min(_LONGEST, len(text) - start), 0, -1):
            pinyin = _SYLLABLES.get(text[start : start + size])
            rest = best[start + size]
            if pinyin is not None and rest is not None:
                parse = (pinyin, *rest)
                current = best[start]
                if current is None or len(parse) < len(current):
                    best[start] = parse
    return best[0]


def palladius_name(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """Each word's canonical Latin (run-together pinyin) when the whole name reads as a
    Chinese name in Palladius Cyrillic, else None (docs/format/names.md)."""
    if not 2 <= len(words) <= MAX_NAME_WORDS:
        return None
    first, last = palladius_word(words[0]), palladius_word(words[-1])
    if first is None or last is None:
        return None  # the common case, a Kazakh or Russian name: decided in two lookups
    parses = [palladius_word(w) for w in words]
    syllables: list[tuple[str, ...]] = []
    for parse in parses:
        if parse is None or len(parse) > MAX_WORD_SYLLABLES:
            return None
        syllables.append(parse)
    ends = (syllables[0], syllables[-1])
    if not any(len(s) == 1 and s[0] in _SURNAMES for s in ends):
        return None
    return tuple(tidy("".join(s)) for s in syllables)
