"""Amanat's languages: which exist, which to use, and their translations.

One set of gettext catalogues (``amanat/locale``) serves every interface: the staff
web app and the ``amanat`` command. Five languages ship with the package
(``docs/guide/languages.md``):

======  ================  =========  =================================================
 code    native name       direction  complete parts
======  ================  =========  =================================================
 en      English           ltr        all (the source language)
 kk      Қазақша           ltr        all (Kazakh in Cyrillic, as Kazakhstan reads it)
 ru      Русский           ltr        all
 ug      ئۇيغۇرچە          rtl        public, intake (Uyghur in Arabic script)
 zh      简体中文          ltr        public, intake (Simplified Chinese)
======  ================  =========  =================================================

A message belongs to a *part*, written as an extracted comment (``#. part: intake``)
beside it in ``locale/messages.pot``: ``public`` (login, errors, statuses, grades,
consent levels), ``intake`` (the wizard and its uploads), ``cli`` (the ``amanat``
command's words and the error sentences it prints), or none (staff-only screens). A
locale that is complete for a part translates every message of that part; a message
it does not translate is shown in English.

This module reads no environment and imports no web framework, so the command line
loads it for the price of one catalogue file.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from amanat.errors import AmanatError, Words

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_DIR",
    "PARTS",
    "LocaleInfo",
    "from_environment",
    "match",
    "negotiate",
    "phrase",
    "said",
    "translated",
    "translator",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
PARTS = ("public", "intake", "cli", "staff")

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class LocaleInfo:
    """One interface language.

    ``code`` is the catalogue's folder name and the cookie value; ``html_lang`` goes
    into ``<html lang>`` (``zh-Hans`` so that browsers pick Simplified Chinese glyphs);
    ``direction`` into ``<html dir>``; ``complete`` names the parts translated in full.
    """

    code: str
    native_name: str
    english_name: str
    html_lang: str
    direction: Direction
    complete: frozenset[str]

    @property
    def partial(self) -> bool:
        """True when some part of the interface falls back to English."""
        return not self.complete >= set(PARTS)


_ALL = frozenset(PARTS)
_PUBLIC_INTAKE = frozenset({"public", "intake"})

LOCALES: Mapping[str, LocaleInfo] = {
    info.code: info
    for info in (
        LocaleInfo("en", "English", "English", "en", "ltr", _ALL),
        LocaleInfo("kk", "Қазақша", "Kazakh", "kk", "ltr", _ALL),
        LocaleInfo("ru", "Русский", "Russian", "ru", "ltr", _ALL),
        LocaleInfo("ug", "ئۇيغۇرچە", "Uyghur", "ug", "rtl", _PUBLIC_INTAKE),
        LocaleInfo("zh", "简体中文", "Chinese (Simplified)", "zh-Hans", "ltr", _PUBLIC_INTAKE),
    )
}

# Language tags that mean one of ours though they do not start with its code.
_ALIASES = {"kz": "kk", "uy": "ug", "uig": "ug", "kaz": "kk", "rus": "ru", "zho": "zh"}


def translator(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``locale``; English for an unknown code.

    Returns a :class:`gettext.GNUTranslations` (a :class:`gettext.NullTranslations`
    subclass) read from the package; cached, and safe to share between threads.
    Messages a partial locale does not translate come back in English.
    """
    return _load(locale if locale in LOCALES else DEFAULT_LOCALE)


@cache
def _load(code: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])


def match(tag: str) -> str | None:
    """'kk-KZ' -> 'kk', 'zh-Hans-CN' -> 'zh', 'ru_RU.UTF-8' -> 'ru', 'fr' -> None."""
    primary = tag.strip().replace("_", "-").lower().split(".")[0].split("@")[0].split("-")[0]
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LOCALES else None


def negotiate(accept_language: str | None, cookie_value: str | None) -> str:
    """The locale to use: the cookie if it names one of ours, else the best match in
    the ``Accept-Language`` header (by q-value, then order), else English.

    >>> negotiate("kk-KZ,ru;q=0.8", None)
    'kk'
    >>> negotiate("fr-FR,de;q=0.5", "ru")
    'ru'
    """
    if cookie_value and cookie_value.strip() in LOCALES:
        return cookie_value.strip()
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:2000].split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = match(tag)
        if code is not None and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


# Where a terminal says its language, in the order gettext reads them (LANGUAGE is a
# list of preferences, "kk:ru"); AMANAT_LANG, Amanat's own, comes first.
ENVIRONMENT_KEYS = ("AMANAT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def from_environment(environ: Mapping[str, str], given: str | None = None) -> str:
    """The command line's language: ``given`` (``--lang``) if it is one of ours, else
    the first of :data:`ENVIRONMENT_KEYS` that names one, else English. A terminal set
    to ``C`` or ``POSIX`` (a server, a script) speaks English.

    >>> from_environment({"LANG": "kk_KZ.UTF-8"})
    'kk'
    >>> from_environment({"LANGUAGE": "de:ru", "LANG": "en_US.UTF-8"})
    'ru'
    """
    if given:
        return match(given) or DEFAULT_LOCALE
    for key in ENVIRONMENT_KEYS:
        value = environ.get(key, "").strip()
        if not value:
            continue
        found = _first(value.split(":") if key == "LANGUAGE" else [value])
        if found:
            return found
        if key in ("AMANAT_LANG", "LC_ALL"):
            return DEFAULT_LOCALE  # these override what follows, even when not ours
    return DEFAULT_LOCALE


def _first(tags: Iterable[str]) -> str | None:
    for tag in tags:
        code = match(tag)
        if code:
            return code
    return None


def _looked_up(locale: str, sentence: str) -> str:
    """``sentence``'s translation, found as written or with its first letter capital (a
    sentence may start with a lowercase option name, "keep-until is…"); else the
    sentence with its first letter capital."""
    catalogue = translator(locale)
    found = catalogue.gettext(sentence)
    if found != sentence:
        return found
    return catalogue.gettext(sentence[:1].upper() + sentence[1:])


def translated(locale: str, exc: AmanatError) -> bool:
    """Whether the catalogue of ``locale`` has ``exc``'s sentence."""
    sentence = exc.template or exc.message
    capital = sentence[:1].upper() + sentence[1:]
    return _looked_up(locale, sentence) != capital


def _capital(sentence: str, text: str) -> str:
    """``text`` (``sentence`` translated) starting with a capital, as a sentence shown by
    itself does, unless the sentence starts with a name typed as it is (an option,
    ``keep-until is…``)."""
    first = sentence.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.isalpha() else text


def _quoted(locale: str, exc: AmanatError) -> str:
    text = said(locale, exc)
    return text[:1].lower() + text[1:] if exc.message[:1].islower() else text


def said(locale: str, exc: AmanatError) -> str:
    """An error's sentence in ``locale``: the catalogue's translation of its sentence
    (first letter capital), with the values it quotes filled in after (``template`` and
    ``params``); the English sentence where the catalogue has none."""
    sentence = exc.template or exc.message
    translated = _capital(sentence, _looked_up(locale, sentence))
    if not exc.template:
        return translated
    # An error quoted by another ("this change cannot be recorded: %(reason)s", the
    # reason an error of its own) is said in the same language, lower case where raised so.
    # A phrase it quotes ("the report", ``Words``) is said in that language too.
    params = {k: phrase(locale, v) for k, v in exc.params.items()}
    try:
        text = translated % params
    except (KeyError, TypeError, ValueError):  # a catalogue that lost a placeholder
        return exc.message[:1].upper() + exc.message[1:]
    # A translation that starts with a phrase ("%(what)s (…) is a folder": "Есеп …")
    # starts with its capital, as the English sentence does.
    first = _FIRST_PLACEHOLDER.match(translated)
    if first and isinstance(exc.params.get(first[1]), Words):
        return _capital(sentence, text)
    return text


_FIRST_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def phrase(locale: str, value: object) -> object:
    """``value`` as a sentence in ``locale`` quotes it: a phrase (``Words``) translated,
    with what it quotes in turn; an error said (lower case where it was raised so); any
    other value (a path, a count) as it is."""
    if isinstance(value, AmanatError):
        return _quoted(locale, value)
    if not isinstance(value, Words):
        return value
    translated = translator(locale).gettext(value.template)
    if not value.params:
        return translated
    try:
        return translated % {k: phrase(locale, v) for k, v in value.params.items()}
    except (KeyError, TypeError, ValueError):  # a catalogue that lost a placeholder
        return str(value)
