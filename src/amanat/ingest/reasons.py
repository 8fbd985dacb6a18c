"""Why a row was refused, and what a reviewer should know of it, in the importer's words.

A list's rows are checked in worker processes (``spreadsheet.py``), and what a check
finds goes to the report, the terminal and ``--json`` in the language of the person who
runs the import. So a check does not write a sentence: it says a catalogue message and
its values (``say``), and the process that writes the report puts it into words
(``Voice``). The messages are in the command line's part of the catalogues
(``scripts/i18n.py`` extracts the first argument of every ``say``).

A value taken from the list's cells (a word, a place as written) is a ``value``
parameter, quoted in the message as ``'%(value)s'``: the report shows it, the terminal
does not (``Voice.terminal``; the terminal is no place for a name or an ID number
typed into the wrong column). A column's header is shown everywhere.

``Voice()`` speaks English, which is what the report said before it had a language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from amanat.errors import AmanatError

__all__ = ["HIDDEN", "Said", "Voice", "said_error", "say"]

# The parameter that holds a value from the list (see the module's docstring).
HIDDEN = "value"


@dataclass(frozen=True)
class Said:
    """One catalogue message with its values; ``columns`` are the headers of the cells
    it is about (shown before it), ``error`` marks an error class's sentence (looked up
    with its first letter capital, as ``amanat.i18n.said`` does)."""

    template: str
    params: tuple[tuple[str, object], ...] = ()
    columns: tuple[str, ...] = ()
    error: bool = False


def say(template: str, **params: object) -> Said:
    """``template`` (a catalogue message with ``%(name)s`` placeholders) and its values."""
    return Said(template, tuple(params.items()))


def said_error(exc: AmanatError) -> Said:
    """What an error of the records layer says, for the importer's language."""
    if exc.template:
        return Said(exc.template, tuple(exc.params.items()), error=True)
    return Said(exc.message, error=True)


def _english_number(count: int) -> str:
    return f"{count:,}"


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


@dataclass(frozen=True)
class Voice:
    """Puts ``Said`` into words: ``gettext`` translates a message, ``ngettext`` the form
    of a message for a count (Russian has three), ``number`` writes a count as the
    language does (20,000 or 20 000)."""

    gettext: Callable[[str], str] = field(default=lambda message: message)
    number: Callable[[int], str] = _english_number
    ngettext: Callable[[str, str, int], str] = _english_plural

    def __call__(self, said: Said, *, terminal: bool = False) -> str:
        """One message in words; ``terminal`` leaves out the values of the list."""
        text = self._filled(said, terminal)
        if not said.columns:
            return text
        names = " + ".join(f"'{_quotable(c)}'" for c in said.columns)
        label = self.gettext("column %(names)s") % {"names": names}
        return f"{label}: {_lower_first(text)}"

    def counted(self, singular: str, plural: str, count: int) -> str:
        """The form of a message for ``count`` (``%(count)d`` in it), filled in; English
        where a catalogue's form lost or broke its placeholder."""
        try:
            return self.ngettext(singular, plural, count) % {"count": count}
        except (KeyError, TypeError, ValueError):
            return _english_plural(singular, plural, count) % {"count": count}

    def rejected(self, reasons: Iterable[Said], *, terminal: bool = False) -> str:
        """Why a row was refused: every problem, "; " between them, one full stop."""
        parts = [self(r, terminal=terminal).rstrip(".") for r in reasons]
        return "; ".join(parts) + "." if parts else ""

    def notes(self, notes: Iterable[Said], *, terminal: bool = False) -> str:
        """Notes for the reviewer of an accepted row: sentences, each said once."""
        out = []
        for n in notes:
            text = self(n, terminal=terminal)
            out.append(text if text.endswith(".") else text + ".")
        return " ".join(dict.fromkeys(out))

    def _filled(self, said: Said, terminal: bool) -> str:
        template = said.template
        if said.error:
            capital = template[:1].upper() + template[1:]
            found = self.gettext(capital)
            translated = found if found != capital else self.gettext(template)
            if translated == capital:
                translated = template
        else:
            translated = self.gettext(template)
        values: dict[str, object] = {}
        for key, value in said.params:
            if terminal and key == HIDDEN:
                values[key] = self.gettext("(value in the report)")
            elif isinstance(value, int) and not isinstance(value, bool):
                values[key] = self.number(value) if f"%({key})s" in translated else value
            else:
                values[key] = value
        if not said.params:
            return translated
        try:
            return translated % values
        except (KeyError, TypeError, ValueError):  # a catalogue that lost a placeholder
            return template % dict(said.params)


def _quotable(text: str) -> str:
    """A header or value as quoted text: its own apostrophes would end the quote."""
    return text.replace("'", "’")


def _lower_first(text: str) -> str:
    """A sentence after a colon: its first letter small, unless the word is all capitals
    (an acronym: IIN, ЖСН)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]
