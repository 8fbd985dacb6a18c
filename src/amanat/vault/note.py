"""Signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and transparency-log
checkpoints (https://c2sp.org/tlog-checkpoint).

A signed note is a text ending in a newline, a blank line, and one or more lines
``— <key name> base64(key ID || signature)`` (signed-note, "Format"). Keys are named;
the key ID is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` (signed-note,
"Ed25519 signatures"). Verifier keys travel as ``<name>+<hex key ID>+base64(0x01 || key)``,
the encoding of golang.org/x/mod/sumdb/note.

Outcomes a caller can tell apart:

* :class:`~amanat.errors.FormatError`: the note, key or checkpoint does not parse;
* :class:`UnverifiedNoteError`: well formed, but no signature by a trusted key;
* :class:`InvalidSignatureError`: a trusted key's signature does not verify;
* :class:`OriginMismatchError`: a good checkpoint, but from another log.

Deliberately stricter than the Go implementation: base64 must be canonical, a note
with two signature lines for one (name, key ID) is malformed (Go drops the repeats),
a checkpoint root hash is exactly 32 bytes, and notes over 1 MiB or with more than
100 signatures are malformed (the spec asks verifiers to accept at least 16).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from amanat.errors import FormatError, IntegrityError, UsageError, Words
from amanat.vault.crypto import ed25519_public_key, ed25519_sign, ed25519_verify

__all__ = [
    "ALG_ED25519",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Checkpoint",
    "InvalidSignatureError",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "OriginMismatchError",
    "ParsedNote",
    "Signature",
    "UnverifiedNoteError",
    "cosign_note",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_vkey",
    "sign_checkpoint",
    "sign_note",
    "vkey_string",
]

ALG_ED25519 = 0x01  # signed-note, "Signature types"
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_DASH = "\u2014 "  # em dash, space
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_DECIMAL = re.compile("0|[1-9][0-9]*")


class UnverifiedNoteError(IntegrityError):
    """No signature by a trusted key verifies: the note MUST be rejected (signed-note,
    "Signatures")."""


class InvalidSignatureError(IntegrityError):
    """A signature by a trusted key fails to verify (signed-note, "Signatures")."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(
            "The signature by key %(key)s does not verify.", key=f"{name}+{key_id:08x}"
        )
        self.name = name
        self.key_id = key_id


class OriginMismatchError(IntegrityError):
    """A checkpoint verified, but names another log (tlog-checkpoint, "Note text")."""


def _b64decode(text: str, what: Words) -> bytes:
    """Decode canonical standard base64 with padding (RFC 4648 section 4)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError("The %(what)s is not valid base64.", what=what) from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise FormatError("The %(what)s is not canonical base64.", what=what)
    return raw


def _check_name(name: str) -> None:
    """Key names are non-empty, with no Unicode space and no '+' (signed-note, "Format")."""
    if not name or "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise FormatError("%(name)s is not a valid signed-note key name.", name=repr(name))


def key_id(name: str, public_key: bytes) -> int:
    """The 32-bit key ID of an Ed25519 key (signed-note, "Ed25519 signatures")."""
    data = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


def vkey_string(name: str, public_key: bytes) -> str:
    """Encode a verifier key as ``<name>+<8 hex key ID>+base64(0x01 || public key)``."""
    return NoteVerifier(name, public_key).vkey()


def parse_vkey(text: str) -> tuple[str, bytes]:
    """Parse a verifier key into ``(name, public key)``, checking its key ID."""
    name, _, rest = text.partition("+")
    hex_id, _, encoded = rest.partition("+")
    _check_name(name)
    if not re.fullmatch("[0-9a-f]{8}", hex_id):
        raise FormatError("The verifier key for %(name)s has a malformed key ID.", name=name)
    raw = _b64decode(encoded, Words("verifier key for %(name)s", name=name))
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise FormatError("The verifier key for %(name)s is not an Ed25519 key.", name=name)
    if key_id(name, raw[1:]) != int(hex_id, 16):
        raise FormatError("The verifier key for %(name)s does not match its key ID.", name=name)
    return name, raw[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 public key and its name."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise FormatError("An Ed25519 public key must be 32 bytes.")

    @classmethod
    def from_vkey(cls, text: str) -> NoteVerifier:
        return cls(*parse_vkey(text))

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{encoded}"


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 signing seed and its key name."""

    name: str
    seed: bytes = field(repr=False)

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, ed25519_public_key(self.seed))

    def sign(self, text: str) -> str:
        return sign_note(text, self.name, self.seed)


class Signature(NamedTuple):
    """One signature line: key name, key ID, and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


class ParsedNote(NamedTuple):
    """A note split into text and signatures, none verified: do not trust ``text``."""

    text: str
    signatures: tuple[Signature, ...]


class OpenedNote(NamedTuple):
    """The text of a verified note and the names of the trusted keys that signed it."""

    text: str
    verified: tuple[str, ...]


def _decode(note: str | bytes) -> str:
    if len(note) > MAX_NOTE_BYTES:
        raise FormatError("The signed note is larger than 1 MiB.")
    try:
        data = note.encode("utf-8") if isinstance(note, str) else note
        text = data.decode("utf-8")
    except UnicodeError:
        raise FormatError("The signed note is not valid UTF-8.") from None
    if len(data) > MAX_NOTE_BYTES:
        raise FormatError("The signed note is larger than 1 MiB.")
    if _CONTROL.search(text):
        raise FormatError("The signed note contains a control character other than newline.")
    return text


def parse_note(note: str | bytes) -> ParsedNote:
    """Split a note at its last blank line and parse the signature lines (signed-note,
    "Format"); raise :class:`FormatError` on any deviation. Nothing is verified."""
    whole = _decode(note)
    split = whole.rfind("\n\n")
    if split < 0:
        raise FormatError("The signed note has no blank line before its signatures.")
    text, block = whole[: split + 1], whole[split + 2 :]
    if not block.endswith("\n"):
        raise FormatError("The signed note does not end with a signature line and newline.")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(
            "The signed note has more than %(count)s signatures.", count=MAX_SIGNATURES
        )
    signatures: list[Signature] = []
    for line in lines:
        name, space, encoded = line.removeprefix(_DASH).partition(" ")
        if not line.startswith(_DASH) or not space:
            raise FormatError("The signed note has a line that is not a signature line.")
        _check_name(name)
        raw = _b64decode(encoded, Words("signature by %(name)s", name=name))
        if len(raw) < 5:
            raise FormatError("The signature by %(name)s is too short.", name=name)
        sig = Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])
        if any((s.name, s.key_id) == (sig.name, sig.key_id) for s in signatures):
            raise FormatError("The signed note repeats a signature by %(name)s.", name=name)
        signatures.append(sig)
    return ParsedNote(text, tuple(signatures))


def _trusted(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        if other.public_key != v.public_key:
            raise UsageError("Two trusted keys share the name %(name)s and key ID.", name=v.name)
    return known


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Verify a signed note against trusted keys (signed-note, "Signatures").

    Signatures by unknown (name, key ID) pairs are ignored; a failing signature by a
    trusted key rejects the whole note (:class:`InvalidSignatureError`); a note with no
    verified signature is rejected (:class:`UnverifiedNoteError`).
    """
    known = _trusted(verifiers)
    parsed = parse_note(note)
    message = parsed.text.encode("utf-8")
    verified: list[str] = []
    for sig in parsed.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        if not ed25519_verify(v.public_key, message, sig.signature):
            raise InvalidSignatureError(sig.name, sig.key_id)
        verified.append(sig.name)
    if not verified:
        raise UnverifiedNoteError("The signed note has no signature by a trusted key.")
    return OpenedNote(parsed.text, tuple(verified))


def _signature(text: bytes, name: str, seed: bytes) -> Signature:
    _check_name(name)
    return Signature(name, key_id(name, ed25519_public_key(seed)), ed25519_sign(seed, text))


def _assemble(text: str, signatures: Iterable[Signature]) -> str:
    note = text + "\n" + "".join(s.line() for s in signatures)
    parse_note(note)  # size and count limits: never emit what we would refuse to open
    return note


def sign_note(text: str, name: str, seed: bytes) -> str:
    """Sign ``text`` (non-empty, ending in a newline, no control characters but newline)
    with an Ed25519 seed: ``text + "\\n" + "— <name> base64(key ID || signature)\\n"``."""
    if not text.endswith("\n"):
        raise FormatError("A note text must be non-empty and end with a newline.")
    return _assemble(text, [_signature(_decode(text).encode("utf-8"), name, seed)])


def cosign_note(note: str | bytes, name: str, seed: bytes) -> str:
    """Append a signature to a signed note, replacing any earlier one by the same key.

    Existing signatures are not verified here: call :func:`open_note` first.
    """
    parsed = parse_note(note)
    new = _signature(parsed.text.encode("utf-8"), name, seed)
    kept = [s for s in parsed.signatures if (s.name, s.key_id) != (new.name, new.key_id)]
    return _assemble(parsed.text, [*kept, new])


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint body (tlog-checkpoint, "Note text"): origin, tree size, RFC 6962
    root hash, and optional non-empty extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for line in (self.origin, *self.extensions):
            if not line or "\n" in line or _CONTROL.search(line):
                raise FormatError("A checkpoint line is empty or contains a control character.")
        if isinstance(self.size, bool) or not 0 <= self.size < 1 << 64:
            raise FormatError("A checkpoint tree size must be between 0 and 2^64 - 1.")
        if len(self.root_hash) != 32:
            raise FormatError("A checkpoint root hash must be 32 bytes.")

    def to_text(self) -> str:
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "\n".join((self.origin, str(self.size), root, *self.extensions)) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly: at least three lines, each ending in a newline."""
        lines = text.removesuffix("\n").split("\n")
        if not text.endswith("\n") or len(lines) < 3:
            raise FormatError("A checkpoint needs origin, size and root hash lines.")
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size) or len(size) > 20:
            raise FormatError("The checkpoint tree size is not a plain decimal number.")
        return cls(
            origin, int(size), _b64decode(root, Words("checkpoint root hash")), tuple(extensions)
        )


def sign_checkpoint(checkpoint: Checkpoint, name: str, seed: bytes) -> str:
    """Sign a checkpoint as a note; the key name SHOULD be the origin (tlog-checkpoint)."""
    return sign_note(checkpoint.to_text(), name, seed)


def open_checkpoint(
    note: str | bytes, name: str, public_key: bytes, expected_origin: str
) -> Checkpoint:
    """Verify a checkpoint signed by ``name``/``public_key`` and check its origin."""
    opened = open_note(note, [NoteVerifier(name, public_key)])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != expected_origin:
        raise OriginMismatchError(
            "The checkpoint is for log %(log)s, not %(expected)s.",
            log=repr(checkpoint.origin),
            expected=repr(expected_origin),
        )
    return checkpoint
