"""Small secrets kept on a desk's disk, sealed under a key derived from its identity.

The staff app's TOTP secrets must not sit in plaintext on a desk: a seized, powered-off
desk would hand over every second factor. A ``SecretBox`` seals each one with
ChaCha20-Poly1305 under ``HKDF(identity, purpose)`` (``crypto.secret_seal``), so only
a desk unlocked with its passphrase can read them, like its views database.
"""

from __future__ import annotations

import base64
import binascii

from amanat.errors import FormatError
from amanat.vault import crypto
from amanat.vault.home import DeskKeys

__all__ = ["SecretBox"]


class SecretBox:
    """Seal and open small secrets for one named purpose; the key lives in memory only."""

    def __init__(self, keys: DeskKeys, purpose: str) -> None:
        if not purpose:
            raise ValueError("a secret box needs a purpose")
        self._key = crypto.derive_key(keys.identity.encode("ascii"), f"amanat {purpose} v1")

    def __repr__(self) -> str:
        return "SecretBox(<key>)"

    def seal(self, plaintext: str, context: str) -> str:
        """``plaintext`` sealed and bound to ``context``, as base64 text for a JSON file."""
        raw = crypto.secret_seal(self._key, plaintext.encode("utf-8"), context.encode("utf-8"))
        return base64.b64encode(raw).decode("ascii")

    def open(self, sealed: str, context: str) -> str:
        try:
            raw = base64.b64decode(sealed, validate=True)
        except (binascii.Error, ValueError):
            raise FormatError("A sealed secret is damaged.") from None
        return crypto.secret_open(self._key, raw, context.encode("utf-8")).decode("utf-8")
