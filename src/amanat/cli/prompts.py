"""Asking for secrets: from a file, from the environment, or from the person at the keyboard.

Every prompt has a non-interactive equivalent (``--passphrase-file``,
``AMANAT_PASSPHRASE``, ``--shares FILE``), so scripts and tests never need a terminal.
Secrets are never echoed, logged or put on a command line.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from amanat.errors import ShareError, UsageError
from amanat.settings import Settings
from amanat.vault.shares import read_share_file, read_share_text

__all__ = ["ask_passphrase", "ask_shares"]


def ask_passphrase(settings: Settings, file: str | None, *, new: bool = False) -> str:
    if file:
        try:
            text = Path(file).read_text("utf-8")
        except FileNotFoundError:
            raise UsageError(f"Passphrase file not found: {file}") from None
        passphrase = text.rstrip("\r\n")
    elif settings.passphrase:
        passphrase = settings.passphrase
    elif sys.stdin.isatty():
        label = "Choose a passphrase for this desk: " if new else "Desk passphrase: "
        passphrase = getpass.getpass(label)
        if new and getpass.getpass("Type it again: ") != passphrase:
            raise UsageError("The two passphrases differ; nothing was changed.")
    else:
        raise UsageError(
            "A desk passphrase is needed: give --passphrase-file FILE or set AMANAT_PASSPHRASE."
        )
    if not passphrase:
        raise UsageError("The passphrase is empty.")
    if new and len(passphrase) < 8:
        raise UsageError("Choose a passphrase of at least 8 characters (several words is best).")
    return passphrase


def ask_shares(files: list[str] | None) -> list[str]:
    if files:
        return [read_share_file(Path(f)) for f in files]
    if not sys.stdin.isatty():
        raise ShareError("Give the trustees' share files with --shares FILE FILE …")
    shares: list[str] = []
    print("Type each trustee's share words; an empty line when done.", file=sys.stderr)
    while True:
        words = read_share_text(getpass.getpass(f"Share {len(shares) + 1}: "))
        if not words:
            return shares
        shares.append(words)
