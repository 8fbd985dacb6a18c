"""The staff application's languages: which exist, which to use, and their translations.

Five interface languages ship with the package (``docs/guide/languages.md``):

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
consent levels), ``intake`` (the wizard and its uploads), or none (staff-only screens).
A locale that is complete for a part translates every message of that part; a message
it does not translate is shown in English.

The compiled catalogues (``locale/<code>/LC_MESSAGES/messages.mo``) are committed beside
their ``.po`` sources; ``tests/test_i18n.py`` fails when one is stale or a message is
missing. Templates translate through Jinja2's i18n extension with new-style gettext
(``{{ _("Save") }}``, ``{% trans %}``, values escaped): see :func:`install`.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
import jinja2.ext

from amanat.errors import AmanatError

__all__ = [
    "COOKIE_NAME",
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_DIR",
    "LOCALE_VAR",
    "PARTS",
    "LocaleInfo",
    "install",
    "negotiate",
    "translator",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
COOKIE_NAME = "amanat_lang"
LOCALE_VAR = "lang"  # the template variable :func:`install` reads when no locale is fixed
PARTS = ("public", "intake", "staff")

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


def _match(tag: str) -> str | None:
    """'kk-KZ' -> 'kk', 'zh-Hans-CN' -> 'zh', 'fr' -> None."""
    primary = tag.strip().replace("_", "-").lower().split("-")[0]
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
        code = _match(tag)
        if code is not None and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


@jinja2.pass_context
def _context_gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translator(str(context.get(LOCALE_VAR, DEFAULT_LOCALE))).gettext(message)


@jinja2.pass_context
def _context_ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    locale = str(context.get(LOCALE_VAR, DEFAULT_LOCALE))
    return translator(locale).ngettext(singular, plural, n)


@jinja2.pass_context
def _context_plain_gettext(context: jinja2.runtime.Context, message: str) -> str:
    """``tr(text)``: the translation of a message made at run time (an error sentence),
    never formatted, so a ``%`` in it (a typed value quoted back) is shown as it is."""
    return translator(str(context.get(LOCALE_VAR, DEFAULT_LOCALE))).gettext(str(message))


def install(jinja_env: jinja2.Environment, locale: str | None) -> None:
    """Make ``jinja_env``'s templates translate, with Jinja2's i18n extension.

    With a ``locale`` the environment speaks that language only (one environment per
    locale). With ``None`` one environment serves every language: each render reads
    the locale from its ``lang`` variable (:data:`LOCALE_VAR`), e.g.
    ``template.render(lang=negotiate(header, cookie), ...)``, English if absent. That is
    the form for a web server, where requests in different languages run at once.

    New-style gettext is used: ``{{ _("Step %(step)d of %(total)d", step=2, total=8) }}``
    formats and escapes its values, and ``{% trans %}`` blocks work as usual.
    """
    if "jinja2.ext.InternationalizationExtension" not in jinja_env.extensions:
        jinja_env.add_extension(jinja2.ext.i18n)
    jinja_env.globals["tr"] = _context_plain_gettext
    if locale is not None:
        jinja_env.install_gettext_translations(translator(locale), newstyle=True)  # type: ignore[attr-defined]
        return
    jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _context_gettext, _context_ngettext, newstyle=True
    )


def said(locale: str, exc: AmanatError) -> str:
    """An error's sentence in ``locale``: the catalogue's translation of its sentence
    (first letter capital), with the values it quotes filled in after (``template`` and
    ``params``); the English sentence where the catalogue has none."""
    sentence = exc.template or exc.message
    translated = translator(locale).gettext(sentence[:1].upper() + sentence[1:])
    if not exc.template:
        return translated
    try:
        return translated % exc.params
    except (KeyError, TypeError, ValueError):  # a catalogue that lost a placeholder
        return exc.message[:1].upper() + exc.message[1:]
