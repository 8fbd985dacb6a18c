"""The phonetic key: a consonant skeleton for Turkic names across scripts.

A key keeps the class of a name's first vowel (a, i or u) and its consonants, merged
where scripts and languages disagree (data/phonetic.tsv, each merge marked as a
judgement): Серікжан, Serikzhan, Serikžan, سېرىكجان and 赛力克江 (read sai-li-ke-jiang)
all give ``slkjn``. Dropping the vowels after the first is what makes Chinese
transcriptions comparable: Chinese adds a vowel after a final consonant (克 ke for k) and
writes vowels by the character's sound, not the name's (买买提 maimaiti for Memet).

Some letters are written in one script and left out in another: ``silent_variants``
gives a word's readings without them (data/phonetic.tsv, ``silent`` rows), which
``amanat.names.analysis`` keeps as further readings, so Rahim (Uyghur Rehim) also
reads Raim and meets Райым and 热依木 (re-yi-mu), and Abdullah reads Abdulla.
"""

from __future__ import annotations

import functools
import re

from amanat.names.tables import read_table

__all__ = ["phonetic_key", "silent_variants"]

_LETTERS: dict[str, str] = {}
_VOWELS: dict[str, str] = {}
_FINAL: dict[str, str] = {}
_SILENT: list[tuple[str, str, str]] = []  # (kind, letter, what may follow it)
_INITIAL: dict[str, str] = {}  # a word's first letter -> the one another language writes
for _row in read_table("phonetic.tsv"):
    if _row["kind"].startswith("silent"):
        _SILENT.append((_row["kind"], _row["from"], _row["to"]))
        continue
    if _row["kind"] == "initial":
        _INITIAL[_row["from"]] = _row["to"]
        continue
    table = {"letters": _LETTERS, "vowel": _VOWELS, "final": _FINAL}
    table[_row["kind"]][_row["from"]] = _row["to"]


_CONSONANTS = "bcdfghjklmnpqrstvwxz"


def _silent_pattern(kind: str, letter: str, following: str) -> str:
    """A silent row as a regular expression: "silent" rows find the letter after a
    vowel, "silent-initial" rows at the start of the word; ``following`` lists the
    letters that may come after it, "$" standing for the end of the word. A
    "silent-prefix" row's ``letter`` is a word's beginning and ``following`` that
    beginning without its silent part, before a consonant (abdul, abdu)."""
    if kind == "silent-prefix":
        assert letter.startswith(following), letter  # the table says so (test_names)
        silent = letter[len(following) :]
        consonants = _CONSONANTS.replace(silent[-1], "")  # Abdulla is not Abdula
        return f"(?<=^{re.escape(following)}){re.escape(silent)}(?=[{consonants}])"
    before = "^" if kind == "silent-initial" else "(?<=[aeiouy])"
    letters = following.replace("$", "")
    after = "|".join(([f"[{letters}]"] if letters else []) + (["$"] if "$" in following else []))
    return f"{before}{re.escape(letter)}(?={after})"


# Every silent letter left out at once, and (the commonest case alone) only those at
# the end of a word: Habibullah also reads Habibulla (Хабибулла), not only Abibulla.
_SILENT_RE = re.compile("|".join(_silent_pattern(*row) for row in _SILENT) or "(?!)")
_SILENT_FINAL_RE = re.compile(
    "|".join(_silent_pattern(*row) for row in _SILENT if row[2] == "$") or "(?!)"
)
_UNITS = re.compile(
    "|".join(re.escape(k) for k in sorted([*_LETTERS, *_VOWELS], key=len, reverse=True))
)
_VOWEL_LETTERS = frozenset("aeiouy")
# an "initial" row applies before these only: ye reads e (Жерлан would read Erlan)
_BACK_VOWELS = frozenset("aou")


@functools.lru_cache(maxsize=1 << 17)
def phonetic_key(latin: str) -> str:
    """The phonetic key of one canonical-Latin word ("" for a word with no letters)."""
    word = latin[1:] if latin.startswith("ye") else latin
    units = _UNITS.findall(word)
    # Which units are vowels: y is a consonant before a vowel; i and u are consonants
    # (y, w) before a vowel when they start the word or follow a vowel (Iusup, Uali,
    # Aliia), and i before a vowel after a consonant too (Maria = Mariya).
    kinds: list[str] = []
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else ""
        before_vowel = following in _VOWEL_LETTERS and following != "y"
        if unit in ("y", "i"):
            kinds.append("y" if before_vowel else "V")
        elif unit == "u":
            after_vowel = index == 0 or kinds[-1] == "V"
            kinds.append("w" if before_vowel and after_vowel else "V")
        elif unit in _VOWELS:
            kinds.append("V")
        else:
            kinds.append(_LETTERS[unit])
    out: list[str] = []
    if kinds and kinds[0] == "V":
        out.append(_VOWELS[units[0]])
    previous = ""
    for index, kind in enumerate(kinds):
        # a y or w glide inside a word is left out: Aliya = Aliia = Ali-ya, Jamilya =
        # Jamila, Zhiyenbek = Zhienbek, 热依拉 re-yi-la = Reyla; Бауыржан (Kazakh у after
        # a vowel, written u) = باۋىرجان Bavirjan = 巴维尔江, Сәуле = Sewle, Куаныш =
        # 库瓦尼西 Kuvanishi; a leading y or w stays (Yusup, Uali = Vali)
        if kind != "V" and kind != previous and (kind not in ("y", "w") or index == 0):
            out.append(kind)
        previous = kind
    if len(out) > 1 or (out and kinds[0] != "V"):
        out[-1] = _FINAL.get(out[-1], out[-1])
    return "".join(out)


@functools.lru_cache(maxsize=1 << 16)
def silent_variants(latin: str, *, letters: bool = True) -> tuple[str, ...]:
    """``latin`` (a canonical-Latin word) without the letters another script may leave
    unwritten (``silent`` rows of data/phonetic.tsv), or () when it has none:
    "abdurehim" gives ("abdureim",), read as Абдурайым and 阿不都热依木 are;
    "habibullah" gives ("abibulla", "habibulla"): all of them left out, and only the
    last; a word whose first letter another language writes otherwise (``initial``
    rows) also reads with that letter: "jakyp" (Жақып) gives ("yakyp",), Yakup.
    ``letters=False``: the initial letter only, no letter left out."""
    variants = [_SILENT_RE.sub("", latin), _SILENT_FINAL_RE.sub("", latin)] if letters else []
    first = _INITIAL.get(latin[:1])
    if first is not None and latin[1:2] in _BACK_VOWELS:
        variants.append(first + latin[1:])  # Жүсіп: jusip, and yusip (Yusuf)
    return tuple(v for v in dict.fromkeys(variants) if v != latin and v)
