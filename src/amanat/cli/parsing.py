"""The parser's words in the chosen language: ``--help`` pages and a mistyped command.

The help texts are written in English in ``main.py`` (``docs/cli.md`` is made from
them) and translated when a help page is formatted (:class:`Help`), with argparse's own
words ("usage:", "options", "show this help message and exit"); a command's example
stays as typed, only its heading "Example:" is translated. So ``build_parser()`` holds
no language, and English help is exactly what it was.

A mistyped command line is answered in the language too (:class:`Parser`): argparse
writes its sentence in English, which is matched whole against argparse's sentences
(:data:`MISTYPED`) and said again with the values as typed; a sentence none matches (a
later Python's new wording) is printed as argparse wrote it.

The language has to be known before the command line is parsed, since ``--help`` and a
mistake end the command there: :func:`language_given` reads ``--lang`` first.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from typing import NoReturn

from amanat.cli.words import N_, tr
from amanat.i18n import LOCALES

__all__ = ["EXAMPLE", "MISTYPED", "Help", "Parser", "language_given", "said_again"]

EXAMPLE = N_("Example:")
USAGE = N_("usage: ")
# The words argparse writes into every help page (Python 3.11's): its two headings and
# the help of -h and --version. They reach the formatter in English and are translated
# there, like the texts of main.py.
ARGPARSE_WORDS = (
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
)
# What argparse says of a mistyped command line (Python 3.11's sentences, their %s and
# %r given names), the outer sentence first: its %(problem)s is one of the others.
MISTYPED = (
    N_("argument %(argument)s: %(problem)s"),
    N_("invalid choice: %(value)s (choose from %(choices)s)"),
    N_("invalid int value: %(value)s"),
    N_("invalid float value: %(value)s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %(value)s"),
    N_("the following arguments are required: %(arguments)s"),
    N_("unrecognized arguments: %(arguments)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as a pattern that matches the sentence it makes, its values named."""
    pieces = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    parts = [re.escape(x) if i % 2 == 0 else f"(?P<{x}>.+?)" for i, x in enumerate(pieces)]
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in MISTYPED]


def said_again(message: str) -> str:
    """argparse's English sentence in the chosen language, the values it quotes as they
    are; as it is when it is none of :data:`MISTYPED`."""
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if "problem" in values:
                values["problem"] = said_again(values["problem"])
            return tr(template, **values)
    return message


def language_given(argv: Sequence[str]) -> str | None:
    """The language the top-level ``--lang`` names, read before argparse reads the
    command line: ``--lang kk`` or ``--lang=kk`` (or abbreviated as argparse allows,
    ``--la kk``) among the options before the command; None when none names one of
    ours (argparse then says so, in the environment's language). ``amanat places add
    … --lang kk``, after the command, is that command's option, not this."""
    given = None
    at = 0
    while at < len(argv) and argv[at].startswith("-") and argv[at] != "--":
        name, equals, value = argv[at].partition("=")
        if len(name) > 2 and "--lang".startswith(name):
            if not equals:
                at += 1
                value = argv[at] if at < len(argv) else ""
            given = value if value in LOCALES else given
        at += 1
    return given


class Help(argparse.RawDescriptionHelpFormatter):
    """Help at a fixed width, so docs/cli.md is the same on every terminal, in the
    chosen language (English: as written)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=100, max_help_position=30)

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, tr(USAGE) if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(tr(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        if text and text.startswith(EXAMPLE + "\n"):  # the example itself as typed
            text = tr(EXAMPLE) + text.removeprefix(EXAMPLE)
        elif text and text != argparse.SUPPRESS:
            text = tr(text)
        super().add_text(text)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return tr(action.help) if action.help else action.help


class Parser(argparse.ArgumentParser):
    """An argument parser that says what is mistyped in the chosen language; its
    commands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        said = tr("%(prog)s: error: %(problem)s", prog=self.prog, problem=said_again(message))
        self.exit(2, said + "\n")
