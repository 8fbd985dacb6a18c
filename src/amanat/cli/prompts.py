"""Asking for secrets: from a file, from the environment, or from the person at the keyboard.

Every prompt has a non-interactive equivalent (``--passphrase-file``,
``AMANAT_PASSPHRASE``, ``--shares FILE``), so scripts and tests never need a terminal.
Secrets are never echoed, logged or put on a command line.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from amanat.cli.words import ntr, tr
from amanat.errors import ShareError, UsageError
from amanat.settings import Settings
from amanat.vault.shares import check_share_text, read_share_file, read_share_text

__all__ = ["ask_passphrase", "ask_shares"]


def ask_passphrase(settings: Settings, file: str | None, *, new: bool = False) -> str:
    if file:
        try:
            text = Path(file).read_text("utf-8")
        except FileNotFoundError:
            raise UsageError("Passphrase file not found: %(file)s", file=file) from None
        passphrase = text.rstrip("\r\n")
    elif settings.passphrase:
        passphrase = settings.passphrase
    elif sys.stdin.isatty():
        label = tr("Choose a passphrase for this desk: ") if new else tr("Desk passphrase: ")
        passphrase = getpass.getpass(label)
        if new and getpass.getpass(tr("Type it again: ")) != passphrase:
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


_SHARE_LENGTHS = (20, 33)  # SLIP-39 words in a share of a 128- or 256-bit secret


def ask_shares(files: list[str] | None) -> list[str]:
    """The trustees' shares: from share files (each checked on its own, named by its
    file), or typed at the keyboard, hidden, one share after another."""
    if files:
        shares = []
        for name in files:
            path = Path(name)
            if path.is_dir():
                raise ShareError(
                    "%(name)s is a folder; give the trustees' share files in it.", name=name
                )
            words = read_share_file(path)
            check_share_text(words, path.name)
            shares.append(words)
        return shares
    if not sys.stdin.isatty():
        raise ShareError("Give the trustees' share files with --shares FILE FILE …")
    print(
        tr(
            "Each trustee types their share's words (hidden), on as many lines as they like; "
            "an empty line before a share begins ends the list."
        ),
        file=sys.stderr,
    )
    shares = []
    while True:
        words = _ask_one_share(len(shares) + 1)
        if not words:
            return shares
        shares.append(words)


def _ask_one_share(number: int) -> str:
    """One trustee's words, read line by line until they make a share (checked there
    and then, so a mistyped word is found before the next trustee types)."""
    words: list[str] = []
    while True:
        label = (
            tr("Share %(number)d: ", number=number)
            if not words
            else tr("Share %(number)d, more words: ", number=number)
        )
        line = getpass.getpass(label)
        if not line.strip() and not words:
            return ""
        more = read_share_text(line).split()
        if not more and line.strip():
            continue  # a comment line (# Amanat recovery share ...), pasted with the words
        words += more
        text = " ".join(words)
        if len(words) == min(_SHARE_LENGTHS) and line.strip():
            # a whole short share, or the first 20 words of a long one
            try:
                check_share_text(text, tr("Share %(number)d", number=number))
            except ShareError:
                _so_far(len(words))
                continue
        elif len(words) < max(_SHARE_LENGTHS) and line.strip():
            _so_far(len(words))
            continue
        else:
            check_share_text(text, tr("Share %(number)d", number=number))
        checked = ntr(
            "Share %(number)d: %(count)d word, checked.",
            "Share %(number)d: %(count)d words, checked.",
            len(words),
            number=number,
        )
        print(checked, file=sys.stderr)
        return text


def _so_far(count: int) -> None:
    print("  " + ntr("%(count)d word so far.", "%(count)d words so far.", count), file=sys.stderr)
