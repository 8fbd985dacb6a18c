"""Places as the staff app shows them: a gazetteer code (654002, osm:way/...) as the
place's name in the page's language, never as the code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amanat.records.places import Gazetteer, builtin_gazetteer

__all__ = ["PLACE_NAMES", "gazetteer", "place_name", "place_shown"]


def gazetteer() -> Gazetteer:
    return builtin_gazetteer()


# A place's name to show in each interface language, the best first (the gazetteer's
# language tags); else its name in Chinese characters.
PLACE_NAMES: Mapping[str, tuple[str, ...]] = {
    "kk": ("kk", "ru", "en", "ug-Latn"),
    "ru": ("ru", "kk", "en", "ug-Latn"),
    "en": ("en", "ug-Latn"),
    "ug": ("ug-Arab", "kk", "en"),
    "zh": ("zh-Hans", "zh"),
}


def place_name(value: str | None, lang: str) -> str:
    """A hometown as a page shows it: a gazetteer code (654002) as the place's name in
    the interface's language (Құлжа, Кульджа, Ghulja, غۇلجا, 伊宁市); words, or a code
    the gazetteer does not know, as they were given."""
    if not value:
        return ""
    place = gazetteer().get(value)
    if place is None:
        return value
    for tag in PLACE_NAMES.get(lang, ()):
        found = place.name_in(tag)
        if found:
            return found
    if lang != "zh":
        # no name in a script the reader reads (the Ürümqi districts, the newer
        # cities): the pinyin of its short name, then the characters a notice writes
        latin = _pinyin_name(place)
        if latin:
            return f"{latin} ({place.name})"
    return place.name


def _pinyin_name(place: Any) -> str:
    """A place's shortest pinyin name as a name is written (tian shan → Tianshan)."""
    spelled = [n.text for n in place.names if n.lang == "zh-Latn-pinyin" and n.text.strip()]
    if not spelled:
        return ""
    return "".join(min(spelled, key=len).split()).capitalize()


def place_shown(value: Any, lang: str) -> str:
    """A place reference of a record (``{"place": code, "text": as written}``, or a
    bare code) as one line: the place's name, and what was written when it says more."""
    if isinstance(value, Mapping):
        named = place_name(str(value.get("place") or ""), lang)
        written = " ".join(str(value.get("text") or "").split())
        if named and written and written.casefold() != named.casefold():
            return f"{named} ({written})"
        return named or written
    return place_name(str(value) if value is not None else "", lang)
