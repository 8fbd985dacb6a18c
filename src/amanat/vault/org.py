"""The organisation file and the keyring: who may write to the vault, and to whom it seals.

The **organisation file** (``org.json``) is the trust anchor: the organisation's name,
its root signing key and its recovery recipient, signed by the root key. Its id is
derived from the root key, so a copy cannot be swapped for another organisation's.

The **keyring** (``keyring.jsonl``) is an append-only, hash-chained list of signed
statements: a desk is added or removed, a station is trusted or revoked. The first
statement is signed by the root key (present only at ``init`` and during a restore,
rebuilt from the trustees' shares); later ones by the root key or an *admin* desk.
Statements are public (signed, not sealed): a verifier without keys must be able to
tell which station keys were trusted. Layouts: ``docs/format/vault.md``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from amanat.errors import FormatError, UnsupportedVersion, UntrustedKey, Words
from amanat.vault import canonical, crypto

__all__ = [
    "GENESIS_PREV",
    "KeyState",
    "Keyring",
    "OrgFile",
    "key_id",
    "sign_statement",
]

GENESIS_PREV = "0" * 64
_ORG_DOMAIN = b"amanat-org-v1\n"
_KEYRING_DOMAIN = b"amanat-keyring-v1\n"
OPS = ("add-desk", "remove-desk", "trust-station", "revoke-station")
_COMMON = {"v", "seq", "prev", "time", "op", "key", "signer", "sig"}
_OP_FIELDS = {  # op: (required fields, optional fields) beyond the common ones
    "add-desk": ({"name", "recipient"}, {"admin"}),
    "trust-station": ({"name"}, set()),
    "remove-desk": (set(), {"keep_until"}),
    "revoke-station": (set(), {"keep_until"}),
}


def key_id(public_key: bytes) -> str:
    """Short, stable name of an Ed25519 public key: 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, size: int, what: Words) -> bytes:
    try:
        raw = base64.b64decode(str(text), validate=True)
    except ValueError:
        raise FormatError("The %(what)s is not valid base64.", what=what) from None
    if len(raw) != size:
        raise FormatError("The %(what)s has the wrong length.", what=what)
    if base64.b64encode(raw).decode("ascii") != str(text):
        # one encoding per value
        raise FormatError("The %(what)s is not canonical base64.", what=what)
    return raw


@dataclass(frozen=True)
class OrgFile:
    """The signed public description of an organisation."""

    name: str
    root_key: bytes
    recovery: str
    created: str
    signature: bytes = b""

    @property
    def org_id(self) -> str:
        return hashlib.sha256(b"amanat-org-id\n" + self.root_key).hexdigest()[:32]

    def _body(self) -> dict[str, Any]:
        return {
            "format": "amanat-org",
            "version": 1,
            "org": self.org_id,
            "name": self.name,
            "root_key": b64(self.root_key),
            "recovery": self.recovery,
            "created": self.created,
        }

    def signed(self, root_seed: bytes) -> OrgFile:
        if crypto.ed25519_public_key(root_seed) != self.root_key:
            raise ValueError("root seed does not match the organisation's root key")
        sig = crypto.ed25519_sign(root_seed, _ORG_DOMAIN + canonical.encode(self._body()))
        return OrgFile(self.name, self.root_key, self.recovery, self.created, sig)

    def to_bytes(self) -> bytes:
        return canonical.encode({**self._body(), "sig": b64(self.signature)}) + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> OrgFile:
        """Parse and check the root signature. Raises ``FormatError`` on any fault."""
        if not data.endswith(b"\n"):
            raise FormatError("The organisation file is truncated.")
        doc = canonical.decode(data[:-1], what=Words("organisation file"))
        if not isinstance(doc, dict) or doc.get("format") != "amanat-org":
            raise FormatError("This is not an Amanat organisation file.")
        if doc.get("version") != 1:
            raise UnsupportedVersion(
                "Organisation file version %(version)s is not known to this "
                "Amanat; update the software.",
                version=repr(doc.get("version")),
            )
        expected = {"format", "version", "org", "name", "root_key", "recovery", "created", "sig"}
        if set(doc) != expected:
            raise FormatError("The organisation file has missing or unknown fields.")
        crypto.validate_recipient(str(doc["recovery"]))
        org = cls(
            name=str(doc["name"]),
            root_key=unb64(doc["root_key"], 32, Words("organisation root key")),
            recovery=str(doc["recovery"]),
            created=str(doc["created"]),
            signature=unb64(doc["sig"], 64, Words("organisation signature")),
        )
        if doc["org"] != org.org_id:
            raise FormatError("The organisation id does not match its root key.")
        if not crypto.ed25519_verify(
            org.root_key, _ORG_DOMAIN + canonical.encode(org._body()), org.signature
        ):
            raise FormatError("The organisation file's signature is not valid.")
        return org


def sign_statement(body: dict[str, Any], signer_seed: bytes) -> bytes:
    """Sign one keyring statement; returns its line (canonical JSON, no newline)."""
    unsigned = {**body, "signer": key_id(crypto.ed25519_public_key(signer_seed))}
    sig = crypto.ed25519_sign(signer_seed, _KEYRING_DOMAIN + canonical.encode(unsigned))
    return canonical.encode({**unsigned, "sig": b64(sig)})


@dataclass
class KeyState:
    """What the keyring says of one key, after replaying every statement."""

    key: bytes
    role: str  # "desk" or "station"
    name: str
    recipient: str = ""
    admin: bool = False
    active: bool = True
    keep_until: int | None = None  # a revoked station's log is trusted below this size


@dataclass
class Keyring:
    """The replayed keyring of one organisation."""

    org: OrgFile
    keys: dict[str, KeyState] = field(default_factory=dict)
    lines: list[bytes] = field(default_factory=list)

    @property
    def head(self) -> str:
        return hashlib.sha256(self.lines[-1]).hexdigest() if self.lines else GENESIS_PREV

    def recipients(self) -> list[str]:
        """Every current desk's recipient plus the recovery recipient, in a stable order."""
        desks = sorted(k.recipient for k in self.keys.values() if k.role == "desk" and k.active)
        return [*desks, self.org.recovery]

    def writer(self, kid: str) -> KeyState:
        """The key that may write log ``kid``, or ``UntrustedKey``."""
        state = self.keys.get(kid)
        if state is None:
            raise UntrustedKey("Key %(key)s was never trusted by this organisation.", key=kid)
        return state

    def may_write(self, kid: str, seq: int) -> bool:
        state = self.keys.get(kid)
        if state is None:
            return False
        if state.active:
            return True
        return state.keep_until is not None and seq < state.keep_until

    def next_body(self, op: str, time: str, **fields: Any) -> dict[str, Any]:
        return {"v": 1, "seq": len(self.lines), "prev": self.head, "time": time, "op": op, **fields}

    def apply(self, line: bytes) -> None:
        """Check one statement against everything before it and apply it."""
        n = len(self.lines)
        doc = canonical.decode(line, what=Words("keyring statement %(n)s", n=n))
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise UnsupportedVersion(
                "Keyring statement %(number)s has an unknown version.", number=n
            )
        if doc.get("seq") != n or doc.get("prev") != self.head:
            raise FormatError(
                "Keyring statement %(number)s is out of order, repeated or missing.", number=n
            )
        signer = str(doc.get("signer", ""))
        signer_key = self._authority(signer)
        if signer_key is None:
            raise UntrustedKey(
                "Keyring statement %(number)s is signed by a key with no authority.", number=n
            )
        sig = unb64(doc.get("sig"), 64, Words("keyring statement %(n)s signature", n=n))
        unsigned = {k: v for k, v in doc.items() if k != "sig"}
        if not crypto.ed25519_verify(signer_key, _KEYRING_DOMAIN + canonical.encode(unsigned), sig):
            raise FormatError("Keyring statement %(number)s has an invalid signature.", number=n)
        self._apply_op(n, doc)
        self.lines.append(line)

    def _authority(self, signer: str) -> bytes | None:
        if signer == key_id(self.org.root_key):
            return self.org.root_key
        state = self.keys.get(signer)
        if state and state.role == "desk" and state.admin and state.active:
            return state.key
        return None

    def _apply_op(self, n: int, doc: dict[str, Any]) -> None:
        op = doc.get("op")
        if op not in OPS:
            raise FormatError("Keyring statement %(number)s has an unknown operation.", number=n)
        required, optional = _OP_FIELDS[op]
        if not _COMMON | required <= set(doc) <= _COMMON | required | optional:
            raise FormatError(
                "Keyring statement %(number)s has missing or unknown fields.", number=n
            )
        if not isinstance(doc["time"], str) or not isinstance(doc.get("name", ""), str):
            raise FormatError("Keyring statement %(number)s has a malformed field.", number=n)
        key = unb64(doc["key"], 32, Words("keyring statement %(n)s key", n=n))
        kid = key_id(key)
        known = self.keys.get(kid)
        if op in ("add-desk", "trust-station"):
            if known is not None:
                raise FormatError(
                    "Keyring statement %(number)s adds a key that was already added.", number=n
                )
            role = "desk" if op == "add-desk" else "station"
            recipient = ""
            if role == "desk":
                admin = doc.get("admin", False)
                if not isinstance(admin, bool) or not isinstance(doc["recipient"], str):
                    raise FormatError(
                        "Keyring statement %(number)s has a malformed field.", number=n
                    )
                recipient = doc["recipient"]
                crypto.validate_recipient(recipient)
            self.keys[kid] = KeyState(
                key=key,
                role=role,
                name=doc["name"],
                recipient=recipient,
                admin=role == "desk" and doc.get("admin") is True,
            )
            return
        role = "desk" if op == "remove-desk" else "station"
        if known is None or known.role != role or not known.active:
            raise FormatError(
                "Keyring statement %(number)s removes a key that is not active.", number=n
            )
        keep = doc.get("keep_until", 0)
        if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
            raise FormatError("Keyring statement %(number)s has an invalid keep_until.", number=n)
        known.active = False
        known.keep_until = keep

    @classmethod
    def load(cls, org: OrgFile, data: bytes) -> Keyring:
        """Replay a whole keyring file. The file must end with a newline."""
        ring = cls(org)
        if data and not data.endswith(b"\n"):
            raise FormatError("The keyring file is truncated.")
        for line in data.split(b"\n")[:-1] if data else []:
            ring.apply(line)
        if not ring.lines:
            raise FormatError("The keyring is empty: no desk or station is trusted.")
        return ring
