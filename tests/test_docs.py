"""Docs that cannot drift: every command, setting and error is documented.

Given the parser, the settings table and the error tree, when the docs are read, then
each appears there, and docs/cli.md is exactly what ``python -m amanat.cli.docs`` prints.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from amanat import errors
from amanat.cli import docs
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
