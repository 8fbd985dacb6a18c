"""The staff application's languages: the shared catalogues (``amanat.i18n``) made
to speak in Jinja2 templates, and the cookie that keeps a reader's choice.

``amanat.i18n`` holds the languages, their parts and the catalogues, for the staff app
and the command line alike; its names are re-exported here for the web code. Templates
translate through Jinja2's i18n extension with new-style gettext (``{{ _("Save") }}``,
``{% trans %}``, values escaped): see :func:`install`.
"""

from __future__ import annotations

import jinja2
import jinja2.ext
from babel.numbers import format_decimal

from amanat.i18n import (
    DEFAULT_LOCALE,
    LOCALE_DIR,
    LOCALES,
    PARTS,
    LocaleInfo,
    negotiate,
    said,
    translator,
)

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
    "said",
    "translator",
]

COOKIE_NAME = "amanat_lang"
LOCALE_VAR = "lang"  # the template variable :func:`install` reads when no locale is fixed


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


@jinja2.pass_context
def _context_decimal(context: jinja2.runtime.Context, value: float, places: int = 2) -> str:
    """``decimal(0.93)``: a number with ``places`` decimals as the page's language writes
    it (0,93 in Russian and Kazakh, 0.93 in English)."""
    locale = str(context.get(LOCALE_VAR, DEFAULT_LOCALE))
    return str(format_decimal(value, format="0." + "0" * places, locale=locale))


@jinja2.pass_context
def _context_count(context: jinja2.runtime.Context, value: int) -> str:
    """``count(3081)``: a whole number as the page's language groups its digits (3 081 in
    Russian and Kazakh, 3,081 in English)."""
    return str(format_decimal(value, locale=str(context.get(LOCALE_VAR, DEFAULT_LOCALE))))


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
    jinja_env.globals["decimal"] = _context_decimal
    jinja_env.globals["count"] = _context_count
    if locale is not None:
        jinja_env.install_gettext_translations(translator(locale), newstyle=True)  # type: ignore[attr-defined]
        return
    jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _context_gettext, _context_ngettext, newstyle=True
    )
