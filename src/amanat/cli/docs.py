"""Generate ``docs/cli.md`` from the parser's ``--help`` texts, so the docs cannot drift.

``python -m amanat.cli.docs > docs/cli.md``; ``tests/test_docs.py`` fails when the file
is not what this prints.
"""

from __future__ import annotations

import argparse

from amanat.cli import words
from amanat.cli.main import build_parser

__all__ = ["render"]


def _walk(parser: argparse.ArgumentParser, path: list[str]) -> list[tuple[list[str], str]]:
    out = [(path, parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _walk(sub, [*path, name])
    return out


def render() -> str:
    """The reference, in English whatever language was chosen (help pages are
    translated as they are formatted)."""
    chosen = words.current()
    words.use("en")
    try:
        return _render()
    finally:
        words.use(chosen)


def _render() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from `amanat … --help` by `python -m amanat.cli.docs > docs/cli.md`;"
        " do not edit by hand.\n",
        "Exit codes: 0 success; 1 unexpected; 2 usage; 3 home; 4 keys, passphrases and shares;"
        " 5 not found; 6 unreadable input; 7 damaged or unknown format; 8 integrity problem;"
        " 9 vault busy; 10 mirror (see `docs/errors.md`).\n",
    ]
    for path, text in _walk(build_parser(), ["amanat"]):
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
