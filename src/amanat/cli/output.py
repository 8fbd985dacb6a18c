"""How every command prints its result: plain words for people, JSON for scripts."""

from __future__ import annotations

import argparse
import json
import unicodedata
from pathlib import Path
from typing import Any

from amanat.cli.words import ntr, tr

__all__ = ["plain", "print_result", "problem_word", "verdict"]


def plain(text: str, limit: int = 300) -> str:
    """A reason as it may be shown on a terminal: no control or direction characters,
    cut at ``limit``."""
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_result(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print ``data`` as JSON when ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def mapping_kept(args: argparse.Namespace, mapping: Path, command: str, done: str) -> int:
    """A first run without --mapping that finds one already beside the list: it is
    never replaced (someone may be editing it); say which, and the command to run.
    ``done`` names what did not happen ("imported", "linked") in ``--json``."""
    print_result(
        args,
        {"mapping": str(mapping), "written": False, done: False},
        tr(
            "No --mapping was given; one is already beside the list: %(mapping)s\n"
            "Review it, then run: %(command)s",
            mapping=mapping,
            command=command,
        ),
    )
    return 2


def problem_word() -> str:
    return tr("PROBLEM")


def verdict(ok: bool, problems: int) -> str:
    """The last line of a verification: all is well, or how many problems it found."""
    if ok:
        return tr("OK: everything verifies.")
    return ntr("%(count)d problem.", "%(count)d problems.", problems)
