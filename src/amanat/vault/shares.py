"""Trustee share files: SLIP-39 words, one file per trustee, and a printable page each.

A share file is plain UTF-8 text: comment lines starting with ``#`` say whose share it
is and how many are needed; the remaining words are the SLIP-39 mnemonic. Reading
accepts the words with any spacing, line breaks or capitals, numbered as the printed
page numbers them ("1. academic 2. acid" or "1 academic"), with a byte-order mark
(Windows Notepad), and each word by its first four letters or more (SLIP-39 words are
told apart by their first four), so a trustee can type them back from paper. Words
copied through a messenger or a word processor come back as typed: invisible
characters (a zero-width space, a direction mark) are left out, and full-width letters
(a Chinese input method) read as the plain ones.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from amanat.errors import ShareError
from amanat.vault import crypto, durable
from amanat.vault.org import OrgFile

__all__ = ["check_share_text", "read_share_file", "read_share_text", "write_share_files"]


def check_share_text(words: str, named: str) -> None:
    """One share's words checked on their own (spelling, length, checksum): ShareError
    naming it as ``named`` ("Share 2", "share-3.txt") otherwise."""
    crypto.check_share(words, named)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Amanat recovery share {number} of {count}</title>
<style>
body {{ font-family: sans-serif; margin: 2cm; }}
ol {{ columns: 3; font-size: 14pt; font-family: monospace; }}
li {{ margin: 0.3em 0; }}
.warn {{ border: 2px solid #a00; padding: 0.5em; }}
</style></head><body>
<h1>Amanat recovery share {number} of {count}</h1>
<p>Organisation: <b>{org}</b> (id {org_id}). Any <b>{threshold}</b> of the {count}
trustees together can rebuild the archive after a raid.</p>
<p class="warn">Keep this page secret and safe. Do not photograph it or store it on a phone.
Хранить в тайне. Фотосуретке түсірмеңіз.</p>
<ol>{words}</ol>
<p>To restore: <code>amanat restore --shares FILE …</code> or type the words when asked.</p>
</body></html>
"""


def write_share_files(
    directory: Path, mnemonics: Sequence[str], *, org: OrgFile, threshold: int
) -> list[Path]:
    """Write ``share-N.txt`` and ``share-N.html`` for each trustee; returns the text files."""
    durable.make_dirs(directory)
    count = len(mnemonics)
    out: list[Path] = []
    for number, words in enumerate(mnemonics, start=1):
        text = (
            f"# Amanat recovery share {number} of {count} ({threshold} needed)\n"
            f"# Organisation: {org.name} ({org.org_id})\n"
            "# Keep secret. Give to one trustee, then delete this copy.\n"
            f"{words}\n"
        )
        target = directory / f"share-{number}.txt"
        if target.exists():
            raise ShareError(
                "%(file)s already exists; choose an empty folder for the shares.", file=target
            )
        durable.write_atomic(target, text.encode(), directory)
        page = _PAGE.format(
            number=number,
            count=count,
            org=html.escape(org.name),
            org_id=org.org_id,
            threshold=threshold,
            words="".join(f"<li>{html.escape(w)}</li>" for w in words.split()),
        )
        durable.write_atomic(directory / f"share-{number}.html", page.encode(), directory)
        out.append(target)
    return out


_NUMBER = re.compile(r"^\(?\d+[.):]?\)?")


def read_share_text(text: str) -> str:
    """The share's words from text as a trustee has it: comment lines (#) left out,
    numbers of a numbered list left out, any spacing and capitals."""
    words = []
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for raw in line.split():
            token = _NUMBER.sub("", raw.lower()).strip(".,;:")
            if token:
                words.append(crypto.share_word(token))
    return " ".join(words)


# A share file is a few hundred bytes and its printable page a few thousand; what is
# larger, or not a file at all (/dev/zero, a named pipe), is not read into memory.
MAX_SHARE_BYTES = 64 << 10


def read_share_file(path: Path) -> str:
    raw = durable.read_given_file(
        path,
        MAX_SHARE_BYTES,
        missing=ShareError("Share file not found: %(file)s", file=path),
        folder=ShareError("%(name)s is a folder; give the trustees' share files in it.", name=path),
        not_file=ShareError(
            "%(file)s is not a share file: a share file is a short text file.", file=path
        ),
        denied=ShareError("%(file)s cannot be read: this user may not open it.", file=path),
    )
    try:
        return read_share_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ShareError("%(file)s is not a share file (it is not text).", file=path) from None
