"""Creating an organisation, its desks and stations, and the trustees' shares.

The organisation's **master secret** (32 random bytes) exists only in memory, at
``init`` and during a restore. Two keys are derived from it with HKDF, each for one
purpose: the **recovery identity** (age X25519; every entry and blob is sealed to it)
and the **root signing key** (Ed25519; signs the organisation file and the first
keyring statements). The secret is split with SLIP-39 into one share per trustee;
neither the secret nor the recovery identity is ever written to disk.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amanat.errors import FormatError, HomeError, ShareError, UnsupportedVersion, UsageError, Words
from amanat.vault import canonical, crypto, durable, note
from amanat.vault.home import Home
from amanat.vault.log import checkpoint_origin
from amanat.vault.org import Keyring, OrgFile, key_id, sign_statement
from amanat.vault.seal import utc_now
from amanat.vault.shares import write_share_files
from amanat.vault.store import Vault

__all__ = [
    "InitResult",
    "MasterKeys",
    "create_station",
    "export_org",
    "init_org",
    "keys_from_shares",
    "master_keys",
    "read_org_export",
    "revoke_station",
    "trust_station",
    "update_from_export",
]


@dataclass(frozen=True)
class MasterKeys:
    recovery_identity: str
    root_seed: bytes

    def __repr__(self) -> str:
        return "MasterKeys(<secret>)"


def master_keys(master_secret: bytes) -> MasterKeys:
    """The two keys derived from the master secret (domain-separated HKDF)."""
    recovery = crypto.x25519_identity_from_bytes(
        crypto.derive_key(master_secret, "amanat recovery age-x25519 identity v1")
    )
    root = crypto.derive_key(master_secret, "amanat organisation root ed25519 v1")
    return MasterKeys(recovery, root)


@dataclass
class InitResult:
    home: Path
    org: OrgFile
    desk_key: str
    share_files: list[Path]
    org_export: Path


def _fresh_home(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise HomeError("%(path)s already exists and is not empty; choose a new folder.", path=path)


def init_org(
    home: Path,
    *,
    name: str,
    trustees: int,
    threshold: int,
    passphrase: str,
    shares_dir: Path,
    desk_name: str = "desk-1",
    work_factor: int = crypto.SCRYPT_WORK_FACTOR,
) -> InitResult:
    """Create an organisation, its first (admin) desk in ``home``, and the trustees' shares."""
    _fresh_home(home)
    if shares_dir.resolve().is_relative_to(home.resolve()):
        raise UsageError("Keep the trustees' shares outside the home folder.")
    if not name.strip():
        raise UsageError("Give the organisation a name.")
    secret = crypto.random_bytes(32)
    mnemonics = crypto.split_secret(secret, threshold=threshold, count=trustees)
    keys = master_keys(secret)
    root_public = crypto.ed25519_public_key(keys.root_seed)
    org = OrgFile(
        name=name.strip(),
        root_key=root_public,
        recovery=crypto.recipient_of(keys.recovery_identity),
        created=utc_now(),
    ).signed(keys.root_seed)
    identity = crypto.x25519_new_identity()
    desk_seed = crypto.new_signing_seed()
    desk_public = crypto.ed25519_public_key(desk_seed)
    ring = Keyring(org)
    first = sign_statement(
        ring.next_body(
            "add-desk",
            org.created,
            name=desk_name,
            key=base64.b64encode(desk_public).decode(),
            recipient=crypto.recipient_of(identity),
            admin=True,
        ),
        keys.root_seed,
    )
    ring.apply(first)
    share_files = write_share_files(shares_dir, mnemonics, org=org, threshold=threshold)
    Vault.create(home / "vault", org, ring.lines)
    Home.write_desk_keys(home / "keys", identity, desk_seed, passphrase, work_factor)
    Home.write_home_file(
        home, {"roles": ["desk"], "org": org.org_id, "desk": key_id(desk_public), "name": desk_name}
    )
    export = export_org(Home(home))
    return InitResult(home, org, key_id(desk_public), share_files, export)


# -- the organisation export: how the public org file and keyring travel -------------


def export_org(home: Home, out: Path | None = None) -> Path:
    """Write the organisation file and keyring as one JSON file (public, no secrets)."""
    vault = home.vault()
    ring = vault.read_keyring()
    doc = {
        "format": "amanat-org-export",
        "version": 1,
        "org_file": ring.org.to_bytes().decode(),
        "keyring": b"".join(line + b"\n" for line in ring.lines).decode(),
    }
    target = out or home.path / "org-export.json"
    durable.write_atomic(target, canonical.encode(doc) + b"\n", target.parent)
    return target


# An export holds the organisation file and its keyring, a few hundred bytes a station;
# what is larger, or not a file at all (/dev/zero, a named pipe), is not read into memory.
MAX_ORG_EXPORT_BYTES = 64 << 20


def read_org_export(path: Path) -> tuple[OrgFile, Keyring]:
    raw = durable.read_given_file(
        path,
        MAX_ORG_EXPORT_BYTES,
        missing=UsageError("Organisation file not found: %(path)s", path=path),
        folder=UsageError(
            "%(path)s is a folder; give the organisation file in it (org-export.json).",
            path=path,
        ),
        not_file=FormatError(
            "%(path)s is not an Amanat organisation export (org-export.json).", path=path
        ),
        denied=UsageError("%(path)s cannot be read: this user may not open it.", path=path),
    )
    doc: Any = canonical.decode(raw.rstrip(b"\n"), what=Words("organisation export"))
    if not isinstance(doc, dict) or doc.get("format") != "amanat-org-export":
        raise FormatError(
            "%(path)s is not an Amanat organisation export (org-export.json).", path=path
        )
    if doc.get("version") != 1:
        raise UnsupportedVersion(
            "%(path)s was made by a newer Amanat; update the software.", path=path
        )
    if set(doc) != {"format", "version", "org_file", "keyring"}:
        raise FormatError("%(path)s has missing or unknown fields.", path=path)
    org = OrgFile.from_bytes(str(doc["org_file"]).encode())
    return org, Keyring.load(org, str(doc["keyring"]).encode())


def update_from_export(home: Home, path: Path) -> int:
    """Adopt a newer keyring from an export; returns how many statements were new."""
    org, incoming = read_org_export(path)
    vault = home.vault()
    with vault.lock():
        current = vault.read_keyring()
        if org.org_id != current.org.org_id:
            raise UsageError("That file belongs to another organisation.")
        if incoming.lines[: len(current.lines)] != current.lines:
            raise FormatError(
                "That keyring disagrees with this home's (a fork): someone changed history."
            )
        new = len(incoming.lines) - len(current.lines)
        if new > 0:
            vault.replace_keyring(b"".join(line + b"\n" for line in incoming.lines))
        return max(new, 0)


# -- stations ------------------------------------------------------------------------


def create_station(home: Path, org_export: Path, *, name: str) -> tuple[Home, str]:
    """Make a station home (or add the station role to an existing desk home).

    Returns the home and the station's verifier key (``name+id+key``) that a desk must
    trust before the station can seal.
    """
    org, ring = read_org_export(org_export)
    seed = crypto.new_signing_seed()
    kid = key_id(crypto.ed25519_public_key(seed))
    vkey = note.vkey_string(checkpoint_origin(org.org_id, kid), crypto.ed25519_public_key(seed))
    if (home / "amanat-home.json").exists():
        existing = Home(home)
        if existing.doc.get("org") != org.org_id:
            raise UsageError("That home belongs to another organisation.")
        if "station" in existing.roles:
            raise UsageError("That home is already a station.")
        doc = {k: v for k, v in existing.doc.items() if k not in ("format", "version")}
        Home.write_station_key(home / "keys", seed, vkey)
        doc.update(roles=[*existing.roles, "station"], station=kid, station_name=name)
        Home.write_home_file(home, doc)
        return Home(home), vkey
    _fresh_home(home)
    Vault.create(home / "vault", org, ring.lines)
    Home.write_station_key(home / "keys", seed, vkey)
    Home.write_home_file(
        home, {"roles": ["station"], "org": org.org_id, "station": kid, "station_name": name}
    )
    return Home(home), vkey


def trust_station(desk: Home, vkey: str, desk_seed: bytes, *, name: str) -> str:
    """Sign a keyring statement that trusts a station key; returns its key id."""
    key_name, public = note.parse_vkey(vkey.strip())
    kid = key_id(public)
    vault = desk.vault()
    with vault.lock():
        ring = vault.read_keyring()
        if key_name != checkpoint_origin(ring.org.org_id, kid):
            raise UsageError("That station key was made for another organisation.")
        if kid in ring.keys:
            raise UsageError("Key %(kid)s is already in the keyring.", kid=kid)
        line = sign_statement(
            ring.next_body(
                "trust-station", utc_now(), name=name, key=base64.b64encode(public).decode()
            ),
            desk_seed,
        )
        ring.apply(line)  # refuses a desk that is not an admin
        vault.append_keyring(line)
    export_org(desk)
    return kid


def revoke_station(desk: Home, kid: str, desk_seed: bytes, *, keep_until: int | None = None) -> int:
    """Revoke a station key (a laptop seized or lost). Its records below ``keep_until``
    stay trusted; by default that is the size of its log this desk holds under a valid
    checkpoint, so nothing signed after the desk last heard from it is believed.
    Returns ``keep_until``."""
    vault = desk.vault()
    with vault.lock():
        ring = vault.read_keyring()
        state = ring.keys.get(kid)
        if state is None or state.role != "station" or not state.active:
            raise UsageError("%(kid)s is not an active station of this organisation.", kid=kid)
        if keep_until is None:
            keep_until = 0
            text = vault.log(kid).read_checkpoint()
            if text is not None:
                origin = checkpoint_origin(ring.org.org_id, kid)
                keep_until = note.open_checkpoint(text, origin, state.key, origin).size
        if keep_until < 0:
            raise UsageError("keep-until is a number of records, 0 or more.")
        line = sign_statement(
            ring.next_body(
                "revoke-station",
                utc_now(),
                key=base64.b64encode(state.key).decode(),
                keep_until=keep_until,
            ),
            desk_seed,
        )
        ring.apply(line)  # refuses a desk that is not an admin
        vault.append_keyring(line)
    export_org(desk)
    return keep_until


def keys_from_shares(org: OrgFile, mnemonics: list[str]) -> MasterKeys:
    """Rebuild the master keys from k shares and check they are this organisation's."""
    keys = master_keys(crypto.combine_shares(mnemonics))
    if crypto.ed25519_public_key(keys.root_seed) != org.root_key:
        raise ShareError("These shares belong to another organisation (or another key generation).")
    return keys
