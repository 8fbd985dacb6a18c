"""A home folder: one place's vault plus the keys that place holds.

::

    HOME/
      amanat-home.json        roles and key ids (public)
      vault/                  the vault (see store.py)
      keys/station.key        station only: its Ed25519 signing seed (base64, mode 0600)
      keys/station.pub        station only: its verifier key, to hand to a desk
      keys/desk-identity.age  desk only: its age identity, passphrase-protected (age scrypt)
      keys/desk-signing.age   desk only: its Ed25519 seed, passphrase-protected the same way

A station home never holds a decryption key. ``keys/desk-identity.age`` opens with the
standard tool: ``age -d -i keys/desk-identity.age FILE`` asks for the passphrase.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amanat.errors import FormatError, HomeError, KeyError_, RoleError, UnsupportedVersion, Words
from amanat.vault import canonical, crypto, durable
from amanat.vault.org import key_id
from amanat.vault.store import Vault

__all__ = ["DeskKeys", "Home", "views_key"]

ROLES = ("desk", "station")


@dataclass(frozen=True)
class DeskKeys:
    """A desk's unlocked keys, held in memory only."""

    identity: str  # AGE-SECRET-KEY-1…
    signing_seed: bytes

    def __repr__(self) -> str:  # never print key material, even in a traceback
        return "DeskKeys(<unlocked>)"


def views_key(keys: DeskKeys) -> bytes:
    """The key of the desk's views database: derived from the desk identity, never stored.

    Whoever can unlock the identity can open the views; a restore that rotates the
    identity leaves the old views unreadable, and they are rebuilt from the vault.
    """
    return crypto.derive_key(keys.identity.encode("ascii"), "amanat views database v1")


class Home:
    """An existing home folder. The constructor refuses a relative or missing path."""

    def __init__(self, path: Path) -> None:
        if not path.is_absolute():
            raise ValueError("a home path must be absolute")
        self.path = path
        try:
            doc = canonical.decode(
                (path / "amanat-home.json").read_bytes().rstrip(b"\n"), what=Words("home file")
            )
        except FileNotFoundError:
            raise HomeError(
                "%(home)s is not an Amanat home; create one with `amanat init` or "
                "`amanat station create`.",
                home=path,
            ) from None
        if not isinstance(doc, dict) or doc.get("format") != "amanat-home":
            raise FormatError(
                "%(file)s is not an Amanat home file.", file=path / "amanat-home.json"
            )
        if doc.get("version") != 1:
            raise UnsupportedVersion("This home was made by a newer Amanat; update the software.")
        self.doc: dict[str, Any] = doc

    @staticmethod
    def write_home_file(path: Path, doc: dict[str, Any]) -> None:
        durable.make_dirs(path)
        durable.write_atomic(
            path / "amanat-home.json",
            canonical.encode({"format": "amanat-home", "version": 1, **doc}) + b"\n",
            path,
        )

    @property
    def roles(self) -> list[str]:
        return [r for r in self.doc.get("roles", []) if r in ROLES]

    @property
    def keys_dir(self) -> Path:
        return self.path / "keys"

    def vault(self) -> Vault:
        return Vault(self.path / "vault")

    @property
    def rekeys_dir(self) -> Path:
        """Rewrapped headers a restored desk reads old objects with (see mirrors.restore)."""
        return self.path / "rekeys"

    def require(self, role: str, refusal: str) -> None:
        """Go on only in a home of ``role``; else ``refusal``, the whole sentence that
        says what this home cannot do (one message for the catalogues: extraction reads
        the second argument of ``require``)."""
        if role not in self.roles:
            raise RoleError(refusal)

    # -- station -----------------------------------------------------------------
    def station_seed(self) -> bytes:
        self.require("station", "This home is not a station, so it cannot seal.")
        try:
            text = (self.keys_dir / "station.key").read_text("ascii").strip()
            seed = base64.b64decode(text, validate=True)
        except FileNotFoundError:
            raise KeyError_(
                "This station's signing key is missing (keys/station.key); "
                "set the station up again."
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise KeyError_("This station's signing key file is damaged.") from None
        if len(seed) != 32:
            raise KeyError_("This station's signing key file is damaged.")
        return seed

    @staticmethod
    def write_station_key(keys_dir: Path, seed: bytes, vkey: str) -> None:
        durable.make_dirs(keys_dir)
        durable.write_atomic(keys_dir / "station.key", base64.b64encode(seed) + b"\n", keys_dir)
        durable.write_atomic(keys_dir / "station.pub", vkey.encode() + b"\n", keys_dir)

    # -- desk --------------------------------------------------------------------
    @staticmethod
    def write_desk_keys(
        keys_dir: Path, identity: str, seed: bytes, passphrase: str, work_factor: int
    ) -> None:
        durable.make_dirs(keys_dir)
        comment = f"# Amanat desk identity, recipient {crypto.recipient_of(identity)}\n"
        sealed_id = crypto.passphrase_encrypt(
            (comment + identity + "\n").encode(), passphrase, work_factor=work_factor
        )
        sealed_seed = crypto.passphrase_encrypt(
            base64.b64encode(seed) + b"\n", passphrase, work_factor=work_factor
        )
        durable.write_atomic(keys_dir / "desk-identity.age", sealed_id, keys_dir)
        durable.write_atomic(keys_dir / "desk-signing.age", sealed_seed, keys_dir)

    def desk_identity(self, passphrase: str) -> str:
        """Unlock the desk's age identity (one scrypt: about a second)."""
        self.require("desk", "This home is not a desk, so it cannot open sealed entries.")
        data = self._read_key("desk-identity.age")
        text = crypto.passphrase_decrypt(data, passphrase).decode("ascii", "replace")
        for line in text.splitlines():
            if line.startswith("AGE-SECRET-KEY-1"):
                return line.strip()
        raise KeyError_("The desk identity file holds no age identity.")

    def desk_keys(self, passphrase: str) -> DeskKeys:
        """Unlock both desk keys (identity and signing key)."""
        identity = self.desk_identity(passphrase)
        data = self._read_key("desk-signing.age")
        raw = crypto.passphrase_decrypt(data, passphrase)
        try:
            seed = base64.b64decode(raw.strip(), validate=True)
        except ValueError:
            raise KeyError_("The desk signing key file is damaged.") from None
        if len(seed) != 32 or key_id(crypto.ed25519_public_key(seed)) != self.doc.get("desk"):
            raise KeyError_("The desk signing key does not belong to this home.")
        return DeskKeys(identity, seed)

    def _read_key(self, name: str) -> bytes:
        try:
            return (self.keys_dir / name).read_bytes()
        except FileNotFoundError:
            raise KeyError_(
                "This desk's key file %(file)s is missing; restore it or set the desk up "
                "again from the trustees' shares.",
                file=f"keys/{name}",
            ) from None


def remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()
