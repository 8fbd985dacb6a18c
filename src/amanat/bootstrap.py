"""The composition root: settings in, concrete homes and vaults out.

Entry points (the CLI now, the web apps later) call :func:`load_settings` once with
the process environment and pass the result down; everything else takes what it
needs as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from amanat import desk
from amanat.settings import Settings
from amanat.vault.home import Home

__all__ = ["home_path", "load_settings", "open_desk", "open_home"]


def load_settings(environ: Mapping[str, str]) -> Settings:
    return Settings.from_env(environ)


def home_path(given: str | None, settings: Settings) -> Path:
    """The home folder the user named, or the default one, as an absolute path."""
    return Path(given).expanduser().absolute() if given else settings.home


def open_home(given: str | None, settings: Settings) -> Home:
    return Home(home_path(given, settings))


def open_desk(home: Home, passphrase: str, settings: Settings) -> desk.Desk:
    """Unlock a desk's keys and open its views (created or migrated as needed). The
    desk's modules are imported here, on first use: a command that opens no desk does
    not pay for them."""
    return desk.Desk(home, home.desk_keys(passphrase), views_url=settings.views_url)
