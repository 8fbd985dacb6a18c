"""Docs that cannot drift: every command, setting and error is documented.

Given the parser, the settings table and the error tree, when the docs are read, then
each appears there, and docs/cli.md is exactly what ``python -m amanat.cli.docs`` prints.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from amanat import errors
from amanat.cli import docs
from amanat.cli.main import COMMAND_MODULES, load_command
from amanat.settings import SETTINGS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text("utf-8") == docs.render(), (
        "docs/cli.md is stale: run `python -m amanat.cli.docs > docs/cli.md`"
    )


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text("utf-8")
    for setting in SETTINGS:
        assert f"`{setting.env}`" in text, setting.env
        assert f"| {setting.name} |" in text, setting.name


def test_every_error_is_documented() -> None:
    text = (DOCS / "errors.md").read_text("utf-8")
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, errors.AmanatError):
            row = f"| `{name}` | {cls.exit_code} | {cls.http_status} |"
            assert row in text, row


def test_every_command_has_an_example() -> None:
    for line in docs.render().split("## `")[1:]:
        assert "Example:" in line, line.splitlines()[0]


def test_every_command_has_a_module() -> None:
    """Given the parser's commands, then each one is wired to the module that runs it."""
    names = [line.split("`")[0].removeprefix("amanat ") for line in docs.render().split("## `")[2:]]
    leaves = [n for n in names if not any(o.startswith(n + " ") for o in names)]
    for name in leaves:
        assert name in COMMAND_MODULES, name
        assert callable(load_command(name)), name
