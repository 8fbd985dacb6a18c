"""Typing and copying mistakes for the test population: letters confused, lost, swapped.

Mistakes stay within a script: a Cyrillic typist confuses ә and а, a Latin one k and q,
an Arabic-script one ى and ې, a Chinese clerk picks a character that sounds the same.
"""

from __future__ import annotations

import random

from population_data.hanzi import HOMOPHONES
from population_data.scripts import letter_table

__all__ = ["typo"]

_CONFUSABLE = {
    "Cyrl": letter_table(
        "ә=а а=ә і=и и=і ұ=у у=ұ ү=у қ=к к=қ ғ=г г=ғ ң=н н=ң ө=о о=ө ы=и е=э э=е "
        "ш=щ с=з з=с й=и л=п т=г"
    ),
    "Latn": letter_table(
        "a=e e=a i=y y=i k=q q=k s=z z=s o=u u=o n=m m=n l=i t=d d=t g=q j=y h=kh r=l"
    ),
    "Arab": letter_table("ى=ې ې=ى ە=ا ا=ە ۇ=ۈ ۈ=ۇ ۆ=ۇ ك=ق ق=ك س=ش ش=س غ=ق ج=چ چ=ج ي=ى ز=ژ ت=ن ن=ت"),
}


def typo(text: str, script: str, rng: random.Random) -> str:
    """One typing or copying mistake: a confused letter, a lost one, two swapped."""
    if len(text) < 3:
        return text
    if script == "Hans":
        i = rng.randrange(len(text))
        alternatives = HOMOPHONES.get(text[i], ())
        if alternatives and rng.random() < 0.8:
            return text[:i] + rng.choice(alternatives) + text[i + 1 :]
        if text[i] == "·":
            return text
        return text[:i] + text[i + 1 :]
    # Never the first letter: people rarely get that wrong, and it keeps capitals right.
    i = rng.randrange(1, len(text))
    if text[i] in " -'" or text[i - 1] in " -'":
        return text
    kind = rng.random()
    if kind < 0.45:
        swap = _CONFUSABLE.get(script, {}).get(text[i].lower())
        if swap is None:
            return text[:i] + text[i + 1 :]
        if text[i].isupper():
            swap = swap.upper()
        return text[:i] + swap + text[i + 1 :]
    if kind < 0.7:
        return text[:i] + text[i + 1 :]
    if kind < 0.9 and i >= 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]
