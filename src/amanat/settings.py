"""Settings as a table: name, environment variable, default, help.

Read once, at the entry point (``amanat.cli.main``), into a frozen :class:`Settings`
and passed down; nothing below the entry points reads ``os.environ``. Every setting is
documented in ``docs/settings.md`` (``tests/test_docs.py`` fails when one is not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from amanat.errors import UsageError

__all__ = ["SETTINGS", "Setting", "Settings"]


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "AMANAT_HOME", "~/.amanat", "The home folder used when --home is not given."),
    Setting(
        "passphrase",
        "AMANAT_PASSPHRASE",
        "",
        "The desk passphrase, for scripts; people are asked for it instead.",
        secret=True,
    ),
    Setting(
        "scrypt_work_factor",
        "AMANAT_SCRYPT_WORK_FACTOR",
        "18",
        "log2 of scrypt's cost for new desk key files (10-22). Lower it only in tests.",
    ),
    Setting(
        "views_url",
        "AMANAT_VIEWS_URL",
        "",
        "A PostgreSQL URL (postgresql+psycopg://...) for a server's views; "
        "empty: the desk's own encrypted SQLite file.",
        secret=True,
    ),
)


@dataclass(frozen=True)
class Settings:
    home: Path
    passphrase: str
    scrypt_work_factor: int
    views_url: str = ""

    def __repr__(self) -> str:  # the passphrase must never reach a log or traceback
        return f"Settings(home={self.home!s}, scrypt_work_factor={self.scrypt_work_factor})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        raw = {s.name: environ.get(s.env, s.default) for s in SETTINGS}
        try:
            work = int(raw["scrypt_work_factor"])
        except ValueError:
            raise UsageError("AMANAT_SCRYPT_WORK_FACTOR must be a whole number.") from None
        if not 10 <= work <= 22:
            raise UsageError("AMANAT_SCRYPT_WORK_FACTOR must be between 10 and 22.")
        return cls(
            home=Path(raw["home"]).expanduser().absolute(),
            passphrase=raw["passphrase"],
            scrypt_work_factor=work,
            views_url=raw["views_url"].strip(),
        )


assert {f.name for f in fields(Settings)} == {s.name for s in SETTINGS}
