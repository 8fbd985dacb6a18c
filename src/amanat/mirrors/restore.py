"""Restore: a working desk on a fresh machine, from the surviving mirrors.

The first mirror given (``url``) is read for the organisation and keyring; any others
(``also``: mirrors that were never in police hands) are read too: each station is
revoked at the largest log size any of them proves, and the desk pulls from all, so a
testimony that only a later mirror holds is not lost because the first was behind.

With **k trustee shares**, the organisation's master keys are rebuilt in memory only.
The new desk is added to the keyring by the root key, every old desk is removed and
every station revoked at the size the mirror proves (their keys may be in police
hands), and for every sealed object a new header is written that wraps the object's
file key to the new desk (``HOME/rekeys/``), so the new desk reads everything sealed
before the raid while the objects and the log stay untouched. When the function
returns, the recovery identity is gone.

With a surviving **desk identity**, the home reads what was sealed to that desk; it
signs nothing, since it holds no authority.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from amanat.errors import AmanatError, HomeError, KeyError_, MirrorError, UsageError, Words
from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.layout import MirrorSource
from amanat.mirrors.sync import sync_home
from amanat.vault import crypto, durable, enrol, note
from amanat.vault.home import Home
from amanat.vault.log import checkpoint_origin
from amanat.vault.opening import rekey_path
from amanat.vault.org import Keyring, OrgFile, key_id, sign_statement
from amanat.vault.seal import utc_now
from amanat.vault.store import KINDS, Vault

__all__ = ["RestoreReport", "read_identity_file", "rekey_missing", "restore_home"]

Progress = Callable[[int], None]


@dataclass
class RestoreReport:
    home: Path
    org: str
    entries: int = 0
    blobs: int = 0
    records: int = 0
    rotated: list[Words] = field(default_factory=list)
    problems: list[Words] = field(default_factory=list)


def restore_home(
    home: Path,
    *,
    url: str,
    credentials: str | None = None,
    shares: list[str] | None = None,
    identity: str | None = None,
    passphrase: str,
    work_factor: int = crypto.SCRYPT_WORK_FACTOR,
    mirror_name: str = "origin",
    also: list[tuple[str, str | None]] | None = None,
    progress: Progress | None = None,
    announce_total: Callable[[int], None] | None = None,
) -> RestoreReport:
    if (shares is None) == (identity is None):
        raise UsageError("Restore needs either the trustees' shares or a desk identity.")
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise HomeError(
            "%(home)s already exists and is not empty; restore into a new folder.", home=home
        )
    entry = MirrorEntry(mirror_name, url, credentials)
    entries = [entry] + [
        MirrorEntry(f"{mirror_name}-{n}", address, creds)
        for n, (address, creds) in enumerate(also or (), start=2)
    ]
    sources = []
    for given in entries:
        found = MirrorSource(open_store(given))
        problem = found.marker_problem()
        if problem:
            raise MirrorError(problem)
        sources.append(found)
    source = sources[0]
    if announce_total:
        announce_total(sum(source.index.values()))  # for a progress bar's total
    org = OrgFile.from_bytes(source.org_bytes())
    ring = Keyring.load(org, source.keyring_bytes())
    desk_identity = crypto.x25519_new_identity()
    desk_seed = crypto.new_signing_seed()
    report = RestoreReport(home, org.org_id)
    recovery: str | None = None
    if shares is not None:
        keys = enrol.keys_from_shares(org, shares)  # checks they are this organisation's
        recovery = keys.recovery_identity
        _rotate(ring, keys.root_seed, desk_identity, desk_seed, sources, report)
    else:
        assert identity is not None
        desk_identity = identity.strip()
        recipient = crypto.recipient_of(desk_identity)
        if not any(k.recipient == recipient for k in ring.keys.values()):
            raise KeyError_("This identity is not a desk of this organisation.")
    Vault.create(home / "vault", org, ring.lines)
    Home.write_desk_keys(home / "keys", desk_identity, desk_seed, passphrase, work_factor)
    desk_kid = key_id(crypto.ed25519_public_key(desk_seed))
    Home.write_home_file(
        home, {"roles": ["desk"], "org": org.org_id, "desk": desk_kid, "name": "restored-desk"}
    )
    MirrorConfig(mirrors=entries).save(home)
    restored = Home(home)
    synced = sync_home(restored, progress=progress)
    for m in synced.mirrors:
        report.problems += [
            Words("%(mirror)s: %(problem)s", mirror=m.name, problem=p) for p in m.problems
        ]
        report.records += m.pulled_records
    vault = restored.vault()
    for given, found in zip(entries, sources, strict=True):
        for kid in found.log_names():
            readable, _ = found.readable_records(kid)
            taken = len(vault.log(kid).read_records()[0])
            if len(readable) > taken:
                report.problems.append(
                    Words(
                        "%(mirror)s: log %(log)s: %(count)d record(s) after the %(taken)d the "
                        "mirrors prove with a signed checkpoint were not taken (a checkpoint "
                        "file may be missing): they cannot be told from records added with a "
                        "seized key",
                        mirror=given.name,
                        log=kid,
                        count=len(readable) - taken,
                        taken=taken,
                    )
                )
    if recovery is not None:
        _write_rekeys(vault, restored.path / "rekeys", recovery, crypto.recipient_of(desk_identity))
    report.entries = sum(1 for _ in vault.object_ids("entries"))
    report.blobs = sum(1 for _ in vault.object_ids("blobs"))
    enrol.export_org(restored)
    return report


def _proven_size(source: MirrorSource, ring: Keyring, kid: str) -> int:
    """The size of a log that the mirror proves with a valid signed checkpoint."""
    text = source.checkpoint(kid)
    if text is None:
        return 0
    origin = checkpoint_origin(ring.org.org_id, kid)
    try:
        return note.open_checkpoint(text, origin, ring.keys[kid].key, origin).size
    except AmanatError:
        return 0


def _rotate(
    ring: Keyring,
    root_seed: bytes,
    desk_identity: str,
    desk_seed: bytes,
    sources: list[MirrorSource],
    report: RestoreReport,
) -> None:
    """Add the new desk; remove every old desk and revoke every station (seized keys),
    each at the largest size of its log that one of the mirrors proves."""
    now = utc_now()
    old = [(kid, state) for kid, state in ring.keys.items() if state.active]
    ring.apply(
        sign_statement(
            ring.next_body(
                "add-desk",
                now,
                name="restored-desk",
                key=base64.b64encode(crypto.ed25519_public_key(desk_seed)).decode(),
                recipient=crypto.recipient_of(desk_identity),
                admin=True,
            ),
            root_seed,
        )
    )
    for kid, state in old:
        op = "remove-desk" if state.role == "desk" else "revoke-station"
        keep = max(_proven_size(source, ring, kid) for source in sources)
        body = ring.next_body(op, now, key=base64.b64encode(state.key).decode(), keep_until=keep)
        ring.apply(sign_statement(body, root_seed))
        name = state.name or kid
        if op == "remove-desk":  # one sentence each, so a translation may word them apart
            line = Words(
                "desk %(name)s (%(log)s) remove-desk, kept %(count)d",
                name=name,
                log=kid,
                count=keep,
            )
        else:
            line = Words(
                "station %(name)s (%(log)s) revoke-station, kept %(count)d",
                name=name,
                log=kid,
                count=keep,
            )
        report.rotated.append(line)


# An identity file is a few hundred bytes; what is larger, or not a file at all
# (/dev/zero, a named pipe), is not read into memory.
MAX_IDENTITY_BYTES = 1 << 20


def read_identity_file(path: Path, passphrase: str) -> str:
    """An age identity from a plain or passphrase-protected (desk-identity.age) file."""
    data = durable.read_given_file(
        path,
        MAX_IDENTITY_BYTES,
        missing=UsageError("Identity file not found: %(file)s", file=path),
        folder=UsageError(
            "%(file)s is a folder; give the desk identity file in it (desk-identity.age).",
            file=path,
        ),
        not_file=KeyError_("%(file)s holds no age identity.", file=path),
        denied=UsageError("%(file)s cannot be read: this user may not open it.", file=path),
    )
    if data.lstrip().startswith(b"-----BEGIN AGE ENCRYPTED FILE") or data.startswith(b"age-"):
        data = crypto.passphrase_decrypt(data, passphrase)
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-1"):
            return line.strip()
    raise KeyError_("%(file)s holds no age identity.", file=path)


def rekey_missing(home: Home, shares: list[str], passphrase: str) -> int:
    """Give a restored desk rewrapped headers for objects that reached it after the
    restore (from another mirror); the recovery identity is rebuilt in memory from the
    shares and forgotten again. Returns how many objects got a new header."""
    org = home.vault().read_org()
    recovery = enrol.keys_from_shares(org, shares).recovery_identity
    recipient = crypto.recipient_of(home.desk_identity(passphrase))
    return _write_rekeys(home.vault(), home.rekeys_dir, recovery, recipient, only_missing=True)


def _write_rekeys(
    vault: Vault, rekeys: Path, recovery: str, recipient: str, *, only_missing: bool = False
) -> int:
    written = 0
    for kind in KINDS:
        for object_id in vault.object_ids(kind):
            if only_missing and rekey_path(rekeys, object_id).exists():
                continue
            with vault.object_path(kind, object_id).open("rb") as f:
                head = f.read(8192)
            header = head[: crypto.age_header_length(head)]
            target = rekey_path(rekeys, object_id)
            durable.make_dirs(target.parent)
            try:
                data = crypto.age_rewrap_header(header, recovery, [recipient])
            except KeyError_:
                continue  # sealed after the restore, to the new desk: nothing to rewrap
            durable.write_atomic(target, data, target.parent)
            written += 1
    return written
