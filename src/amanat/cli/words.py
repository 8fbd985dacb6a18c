"""The command's words in the language of the person at the keyboard.

``amanat --lang kk``, else ``AMANAT_LANG``, else the terminal's own language (``LANG``
and its kin, ``amanat.i18n.from_environment``) chooses it once, when the command
starts; English where a message has no translation yet. The messages are in the same
catalogues as the staff app's, in their ``cli`` part (``docs/guide/languages.md``).

``tr("Sealed %(count)d file(s).", count=2)`` translates first and fills in the values
after, so a value (a path, a name) is never looked up and a translation moves it where
its grammar wants it; a value that is a phrase (``amanat.errors.Words``) or an error is
said in that language too. ``sentence(exc)`` is an error's sentence in that language,
``said_here(line)`` a report's line.
"""

from __future__ import annotations

from amanat.errors import AmanatError
from amanat.i18n import DEFAULT_LOCALE, LOCALES, phrase, said, translated, translator
from amanat.ingest.reasons import Voice
from amanat.web.labels import label

__all__ = [
    "N_",
    "codes_shown",
    "current",
    "ntr",
    "number",
    "said_here",
    "sentence",
    "shown",
    "tr",
    "use",
    "voice",
]

_chosen = {"locale": DEFAULT_LOCALE}


def use(code: str) -> None:
    """Speak ``code`` from now on (one of ``amanat.i18n.LOCALES``, else English)."""
    _chosen["locale"] = code if code in LOCALES else DEFAULT_LOCALE


def current() -> str:
    return _chosen["locale"]


def tr(message: str, **params: object) -> str:
    """``message`` in the chosen language, its ``%(name)s`` placeholders filled in."""
    return _filled(translator(current()).gettext(message), message, params)


def ntr(singular: str, plural: str, count: int, **params: object) -> str:
    """The form of a message for ``count`` (Russian has three), filled in; ``count`` is
    a value too."""
    english = singular if count == 1 else plural
    return _filled(translator(current()).ngettext(singular, plural, count), english,
                   params | {"count": count})  # fmt: skip


# What groups the thousands of a count: Kazakh and Russian write 20 000 (a comma is
# their decimal mark, so 10,679 reads as ten and a bit), English and Chinese 20,000.
_THOUSANDS = {"kk": "\u00a0", "ru": "\u00a0"}


def number(count: int) -> str:
    """A count as the chosen language writes it: 20,000 or 20 000."""
    return f"{count:,}".replace(",", _THOUSANDS.get(current(), ","))


def voice() -> Voice:
    """What puts a list's row reasons (``amanat.ingest.reasons``) into the chosen
    language's words, with its way of writing counts."""
    found = translator(current())
    return Voice(gettext=found.gettext, number=number, ngettext=found.ngettext)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is written; :func:`tr` it where it is
    shown (a progress bar's label, a word chosen from a table)."""
    return message


def codes_shown() -> bool:
    """Whether stored codes are shown as they are (English, and a language whose
    command-line part is not translated yet): see :func:`shown`."""
    return current() == DEFAULT_LOCALE or "cli" not in LOCALES[current()].complete


def shown(kind: str, value: object) -> str:
    """A stored code (``in_camp``, ``spouse``, ``public_named``; ``kind`` as in
    ``amanat.web.labels``) as the staff app names it, in the chosen language. English
    shows the code itself: it is an English word, and what options such as ``--ever``
    take; so does a language whose command-line part is not translated yet (Uyghur,
    Chinese), as the rest of its page is English. A code with no label is shown as
    stored."""
    stored = "" if value is None else str(value)
    if codes_shown():
        return stored
    return translator(current()).gettext(label(kind, stored)) if stored else stored


def sentence(exc: AmanatError) -> str:
    """An error's one sentence, in the chosen language where the catalogue has it (or
    it quotes another error, said in that language), else exactly as it was raised."""
    if translated(current(), exc):
        return said(current(), exc)
    if not any(isinstance(v, AmanatError) for v in exc.params.values()):
        return exc.message
    text = said(current(), exc)  # as raised, what it quotes in the chosen language
    return text[:1].lower() + text[1:] if exc.message[:1].islower() else text


def _filled(text: str, english: str, params: dict[str, object]) -> str:
    if not params:
        return text
    # a phrase (``Words``) or an error among the values is said in the same language
    params = {k: phrase(current(), v) for k, v in params.items()}
    try:
        return text % params
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return english % params


def said_here(value: object) -> str:
    """A report's line (a ``Words`` phrase, an error, or text as it is) in the chosen
    language."""
    return str(phrase(current(), value))
