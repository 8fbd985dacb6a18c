"""Who may write to a vault: only keys the organisation trusts, and only while trusted.

Covers: a log by a key the organisation never trusted; sealing with such a key; a
revoked station (records below ``keep_until`` stay valid, later ones do not, and it can
no longer seal); keyring statements signed without authority; a forged organisation
file; and an entry planted in ``entries/`` that no trusted log names.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from amanat.errors import FormatError, IntegrityError, NotFound, UntrustedKey, UsageError
from amanat.vault import canonical, crypto, durable, enrol
from amanat.vault.log import Envelope, LogWriter
from amanat.vault.opening import open_entry
from amanat.vault.org import OPS, Keyring, OrgFile, key_id, sign_statement
from amanat.vault.seal import FileToSeal, seal_entry, utc_now
from amanat.vault.store import Vault
from amanat.vault.verify import verify_vault
from conftest import Org, make_org

KEYRING_DOMAIN = b"amanat-keyring-v1\n"  # docs/format/vault.md, "Keyring"


# -- helpers ------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def station_kid(org: Org) -> str:
    return key_id(crypto.ed25519_public_key(org.station_seed))


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a folder)."""
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


def put_entry(vault: Vault, content: dict[str, Any]) -> tuple[str, int]:
    """Seal ``content`` to the vault's recipients and place it under its hash."""
    ring = vault.read_keyring()
    ciphertext = crypto.age_encrypt_bytes(canonical.encode(content), ring.recipients())
    entry_id = hashlib.sha256(ciphertext).hexdigest()
    durable.make_dirs(vault.object_path("entries", entry_id).parent)
    durable.write_atomic(vault.object_path("entries", entry_id), ciphertext, vault.tmp_dir)
    return entry_id, len(ciphertext)


def entry_content(vault: Vault, station: str, note: str) -> dict[str, Any]:
    return {
        "v": 1,
        "type": "note",
        "org": vault.read_org().org_id,
        "station": station,
        "created": utc_now(),
        "note": note,
        "files": [],
        "data": {},
    }


def write_log(vault: Vault, seed: bytes, count: int) -> tuple[str, list[str]]:
    """A well-formed log by ``seed``: real entries, signed records and checkpoint."""
    kid = key_id(crypto.ed25519_public_key(seed))
    writer = LogWriter(vault.log(kid), vault.read_org().org_id, seed)
    writer.recover()
    entries = []
    for n in range(count):
        entry_id, size = put_entry(vault, entry_content(vault, kid, f"record {n}"))
        writer.append(
            Envelope.make(
                seed, seq=writer.size, time=utc_now(), entry=entry_id, entry_size=size, blobs=()
            )
        )
        entries.append(entry_id)
    return kid, entries


def revoke(vault: Vault, org: Org, station_seed: bytes, keep_until: int) -> None:
    """The admin desk revokes a station, trusting its log below ``keep_until``."""
    ring = vault.read_keyring()
    body = ring.next_body(
        "revoke-station",
        utc_now(),
        key=b64(crypto.ed25519_public_key(station_seed)),
        keep_until=keep_until,
    )
    line = sign_statement(body, org.desk_keys.signing_seed)
    ring.apply(line)
    vault.append_keyring(line)


def another_org() -> tuple[OrgFile, bytes]:
    """A second, unrelated organisation file and its root seed."""
    seed = crypto.new_signing_seed()
    org = OrgFile(
        name="Test group",
        root_key=crypto.ed25519_public_key(seed),
        recovery=crypto.recipient_of(crypto.x25519_new_identity()),
        created=utc_now(),
    ).signed(seed)
    return org, seed


# -- (a) a log written by a key the organisation never trusted -----------------------------


def test_log_by_a_never_trusted_key_is_reported(org: Org) -> None:
    """Given a vault with one sealed entry by its trusted station,
    when a log with real entries, properly signed records and a signed checkpoint is
    written by a fresh key the organisation never trusted,
    then verify reports that log (and nothing about the trusted one)."""
    vault = org.station.vault()
    seal_entry(vault, org.station_seed, note="genuine")
    kid, _ = write_log(vault, crypto.new_signing_seed(), 3)

    report = verify_vault(vault.root)

    assert report.problems[0].where == f"logs/{kid}"
    assert "never trusted" in report.problems[0].what
    # and the rogue's entries are named by no trusted record
    assert all(p.where.startswith("entries/") for p in report.problems[1:])
    assert [s.log for s in report.logs] == [station_kid(org)]


def test_records_by_another_key_in_a_trusted_log_are_reported(org: Org) -> None:
    """Given a trusted station's log with two sealed entries,
    when an attacker appends a record naming that log but signed by its own key
    (one record past the checkpoint, which an interrupted seal could also leave),
    then verify reports that record's signature."""
    vault = org.station.vault()
    kid = station_kid(org)
    for n in range(2):
        seal_entry(vault, org.station_seed, note=f"genuine {n}")
    attacker = crypto.new_signing_seed()
    entry_id, size = put_entry(vault, entry_content(vault, kid, "planted"))
    unsigned = Envelope(kid, 2, utc_now(), entry_id, size, (), kid)
    forged = Envelope(
        **{**unsigned.__dict__, "sig": crypto.ed25519_sign(attacker, unsigned.signed_message())}
    )
    vault.log(kid).append_record(forged.line())

    report = verify_vault(vault.root)

    assert [(p.where, p.what) for p in report.problems] == [
        (f"logs/{kid}/log.jsonl record 2", "signature is not valid")
    ]


# -- (b) sealing with an untrusted key ---------------------------------------------------


def test_seal_with_an_untrusted_key_raises_and_writes_nothing(org: Org, tmp_path: Path) -> None:
    """Given a vault and a station key the organisation never trusted,
    when that key seals an entry with a file,
    then UntrustedKey is raised and not one byte of the vault changes."""
    vault = org.station.vault()
    seal_entry(vault, org.station_seed, note="genuine")
    before = tree(vault.root)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a photo")

    with pytest.raises(UntrustedKey):
        seal_entry(vault, crypto.new_signing_seed(), [FileToSeal(photo)], note="forged")

    assert tree(vault.root) == before
    assert verify_vault(vault.root).ok


# -- (c) a revoked station -----------------------------------------------------------------


def test_revoked_station_keeps_old_records_loses_later_ones_and_cannot_seal(org: Org) -> None:
    """Given a station that sealed three entries,
    when the admin desk revokes it with keep_until=2 (its key is suspected from then on),
    then records 0 and 1 still verify and open, record 2 is reported and refused at the
    desk, and the station can no longer seal."""
    vault = org.station.vault()
    kid = station_kid(org)
    receipts = [seal_entry(vault, org.station_seed, note=f"n{n}") for n in range(3)]
    revoke(vault, org, org.station_seed, keep_until=2)

    report = verify_vault(vault.root)

    assert [p.where for p in report.problems] == [f"logs/{kid}/log.jsonl record 2"]
    assert "revoked" in report.problems[0].what
    identity = [org.desk_keys.identity]
    assert open_entry(vault, receipts[1].entry_id, identity).content["note"] == "n1"
    with pytest.raises(IntegrityError):
        open_entry(vault, receipts[2].entry_id, identity)
    before = tree(vault.root)
    with pytest.raises(UntrustedKey):
        seal_entry(vault, org.station_seed, note="after revocation")
    assert tree(vault.root) == before


def test_records_written_after_revocation_with_the_stolen_key_are_reported(org: Org) -> None:
    """Given a station revoked with keep_until equal to its log's size,
    when someone holding its key keeps writing (signed records and checkpoint, bypassing
    the seal command's check),
    then verify reports every record from keep_until on, and only those."""
    vault = org.station.vault()
    kid = station_kid(org)
    for n in range(2):
        seal_entry(vault, org.station_seed, note=f"n{n}")
    revoke(vault, org, org.station_seed, keep_until=2)
    assert verify_vault(vault.root).ok
    write_log(vault, org.station_seed, 2)  # appends records 2 and 3

    report = verify_vault(vault.root)

    assert [p.where for p in report.problems] == [
        f"logs/{kid}/log.jsonl record 2",
        f"logs/{kid}/log.jsonl record 3",
    ]


@pytest.fixture(scope="module")
def sealed_three(tmp_path_factory: pytest.TempPathFactory) -> Org:
    org = make_org(tmp_path_factory.mktemp("trust-sealed"))
    for n in range(3):
        seal_entry(org.station.vault(), org.station_seed, note=f"n{n}")
    return org


@settings(max_examples=25, deadline=None)
@given(keep_until=st.integers(0, 5))
def test_revocation_cuts_the_log_exactly_at_keep_until(sealed_three: Org, keep_until: int) -> None:
    """Given a station with a three-record log,
    when it is revoked with any keep_until,
    then exactly the records at or above keep_until are reported."""
    org, kid = sealed_three, station_kid(sealed_three)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(org.station.vault().root, root)
        vault = Vault(root)
        revoke(vault, org, org.station_seed, keep_until)
        report = verify_vault(root)
    assert [p.where for p in report.problems] == [
        f"logs/{kid}/log.jsonl record {seq}" for seq in range(keep_until, 3)
    ]


# -- (d) keyring statements without authority ---------------------------------------------


def _statement(ring: Keyring, op: str, seed: bytes, **fields: Any) -> bytes:
    return sign_statement(ring.next_body(op, utc_now(), **fields), seed)


def _trust_new_station(ring: Keyring, signer_seed: bytes) -> bytes:
    public = crypto.ed25519_public_key(crypto.new_signing_seed())
    return _statement(ring, "trust-station", signer_seed, name="rogue", key=b64(public))


def _append_and_verify(vault: Vault, line: bytes) -> list[tuple[str, str]]:
    vault.append_keyring(line)
    return [(p.where, p.what) for p in verify_vault(vault.root).problems]


def test_statement_signed_by_a_station_key_is_rejected(org: Org) -> None:
    """Given a vault whose keyring trusts one station,
    when that station signs a statement trusting another station,
    then Keyring.load refuses it (no authority) and verify reports keyring.jsonl."""
    vault = org.station.vault()
    ring = vault.read_keyring()
    line = _trust_new_station(ring, org.station_seed)

    with pytest.raises(UntrustedKey):
        ring.apply(line)
    problems = _append_and_verify(vault, line)

    assert problems == [
        ("keyring.jsonl", "Keyring statement 2 is signed by a key with no authority.")
    ]


def test_station_cannot_revoke_or_add_desks_either(org: Org) -> None:
    """Given a trusted station,
    when it signs any other keyring operation (add a desk, remove the admin desk, revoke
    itself),
    then every one is refused for lack of authority."""
    ring = org.station.vault().read_keyring()
    desk_kid = org.desk.doc["desk"]
    desk_key = ring.keys[desk_kid].key
    recipient = crypto.recipient_of(crypto.x25519_new_identity())
    public = crypto.ed25519_public_key(org.station_seed)
    lines = [
        _statement(
            ring, "add-desk", org.station_seed, name="d", key=b64(public), recipient=recipient
        ),
        _statement(ring, "remove-desk", org.station_seed, key=b64(desk_key)),
        _statement(ring, "revoke-station", org.station_seed, key=b64(public), keep_until=0),
    ]
    for line in lines:
        with pytest.raises(UntrustedKey):
            Keyring.load(ring.org, b"".join(x + b"\n" for x in [*ring.lines, line]))


def test_statement_signed_by_a_non_admin_desk_is_rejected(org: Org) -> None:
    """Given a keyring where the admin desk added a second, non-admin desk,
    when that desk signs a statement trusting a station,
    then Keyring.load refuses it and verify reports keyring.jsonl."""
    vault = org.station.vault()
    ring = vault.read_keyring()
    clerk_seed = crypto.new_signing_seed()
    add = _statement(
        ring,
        "add-desk",
        org.desk_keys.signing_seed,
        name="clerk",
        key=b64(crypto.ed25519_public_key(clerk_seed)),
        recipient=crypto.recipient_of(crypto.x25519_new_identity()),
        admin=False,
    )
    ring.apply(add)
    vault.append_keyring(add)
    assert verify_vault(vault.root).ok
    line = _trust_new_station(ring, clerk_seed)

    with pytest.raises(UntrustedKey):
        ring.apply(line)
    problems = _append_and_verify(vault, line)

    assert [w for w, _ in problems] == ["keyring.jsonl"]


def test_removed_admin_desk_loses_authority(org: Org) -> None:
    """Given an admin desk that added a second admin desk, which then removed the first,
    when the removed desk signs another statement,
    then it is refused."""
    ring = org.station.vault().read_keyring()
    second_seed = crypto.new_signing_seed()
    first_key = ring.keys[org.desk.doc["desk"]].key
    ring.apply(
        _statement(
            ring,
            "add-desk",
            org.desk_keys.signing_seed,
            name="desk-2",
            key=b64(crypto.ed25519_public_key(second_seed)),
            recipient=crypto.recipient_of(crypto.x25519_new_identity()),
            admin=True,
        )
    )
    ring.apply(_statement(ring, "remove-desk", second_seed, key=b64(first_key)))

    with pytest.raises(UntrustedKey):
        ring.apply(_trust_new_station(ring, org.desk_keys.signing_seed))


@pytest.fixture(scope="module")
def plain_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    yield make_org(tmp_path_factory.mktemp("trust-plain"))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    op=st.sampled_from(OPS),
    claim_admin=st.booleans(),
)
def test_random_signers_never_gain_authority(
    plain_org: Org, seed: bytes, op: str, claim_admin: bool
) -> None:
    """Given the organisation's keyring (root, admin desk, one station),
    when any key other than the root or the admin desk signs any operation, whether it
    names itself as signer or claims to be the admin desk,
    then the statement is refused and the keyring is unchanged."""
    org = plain_org
    ring = org.station.vault().read_keyring()
    desk_kid = org.desk.doc["desk"]
    authorities = {ring.org.root_key, ring.keys[desk_kid].key}
    assume(crypto.ed25519_public_key(seed) not in authorities)
    target = {
        "add-desk": crypto.ed25519_public_key(seed),
        "trust-station": crypto.ed25519_public_key(seed),
        "remove-desk": ring.keys[desk_kid].key,
        "revoke-station": crypto.ed25519_public_key(org.station_seed),
    }[op]
    fields: dict[str, Any] = {"name": "x", "key": b64(target)}
    if op == "add-desk":
        fields.update(recipient=crypto.recipient_of(crypto.x25519_new_identity()), admin=True)
    if op == "revoke-station":
        fields.update(keep_until=0)
    body = ring.next_body(op, utc_now(), **fields)
    if claim_admin:
        unsigned = {**body, "signer": desk_kid}
        sig = crypto.ed25519_sign(seed, KEYRING_DOMAIN + canonical.encode(unsigned))
        line = canonical.encode({**unsigned, "sig": b64(sig)})
    else:
        line = sign_statement(body, seed)
    data = b"".join(x + b"\n" for x in [*ring.lines, line])
    before = (list(ring.lines), {kid: (k.active, k.admin) for kid, k in ring.keys.items()})
    refused = FormatError if claim_admin else UntrustedKey  # bad signature / no authority

    with pytest.raises(refused):
        Keyring.load(ring.org, data)
    with pytest.raises(refused):
        ring.apply(line)
    assert (ring.lines, {kid: (k.active, k.admin) for kid, k in ring.keys.items()}) == before


# -- (e) a forged organisation file --------------------------------------------------------


def test_another_organisations_file_is_rejected(org: Org) -> None:
    """Given a vault with a sealed entry,
    when org.json is replaced by another organisation's (validly self-signed) file,
    then verify reports that the keyring does not chain to it."""
    vault = org.station.vault()
    seal_entry(vault, org.station_seed, note="genuine")
    forged, _ = another_org()
    (vault.root / "org.json").write_bytes(forged.to_bytes())

    report = verify_vault(vault.root)

    assert [p.where for p in report.problems] == ["keyring.jsonl"]
    assert "no authority" in report.problems[0].what


def test_org_file_with_a_swapped_root_key_is_rejected(org: Org) -> None:
    """Given a vault's organisation file,
    when its root key is replaced by another key, keeping the org id, or with the org id
    recomputed to match, both under the original signature,
    then verify reports org.json each time."""
    vault = org.station.vault()
    genuine = vault.read_org()
    other, _ = another_org()
    doc = canonical.decode((vault.root / "org.json").read_bytes()[:-1])
    keep_id = {**doc, "root_key": b64(other.root_key)}
    new_id = {**keep_id, "org": other.org_id}
    for forged in (keep_id, new_id):
        (vault.root / "org.json").write_bytes(canonical.encode(forged) + b"\n")
        problems = verify_vault(vault.root).problems
        assert [p.where for p in problems] == ["org.json"], problems
    assert genuine.org_id != other.org_id


def test_whole_substitution_of_org_and_keyring_is_caught_by_the_checkpoints(org: Org) -> None:
    """Given a vault with two sealed entries,
    when an attacker replaces org.json with its own and re-signs a keyring that trusts
    the same desk and station keys,
    then the station's checkpoint no longer verifies (its origin names the true org)."""
    vault = org.station.vault()
    kid = station_kid(org)
    for n in range(2):
        seal_entry(vault, org.station_seed, note=f"n{n}")
    true_ring = vault.read_keyring()
    forged, forged_seed = another_org()
    ring = Keyring(forged)
    desk = true_ring.keys[org.desk.doc["desk"]]
    station = true_ring.keys[kid]
    desk_fields = {"name": "desk-1", "key": b64(desk.key), "recipient": desk.recipient}
    for op, fields in (
        ("add-desk", {**desk_fields, "admin": True}),
        ("trust-station", {"name": "office-1", "key": b64(station.key)}),
    ):
        ring.apply(sign_statement(ring.next_body(op, utc_now(), **fields), forged_seed))
    (vault.root / "org.json").write_bytes(forged.to_bytes())
    vault.replace_keyring(b"".join(line + b"\n" for line in ring.lines))

    report = verify_vault(vault.root)

    assert [p.where for p in report.problems] == [f"logs/{kid}/checkpoint"]


def test_home_refuses_a_keyring_export_from_another_org(org: Org, tmp_path: Path) -> None:
    """Given a station home of one organisation,
    when it is offered another organisation's export (org file and keyring),
    then the update is refused and its keyring is unchanged."""
    forged, forged_seed = another_org()
    ring = Keyring(forged)
    public = crypto.ed25519_public_key(org.station_seed)
    ring.apply(
        sign_statement(
            ring.next_body("trust-station", utc_now(), name="office-1", key=b64(public)),
            forged_seed,
        )
    )
    export = tmp_path / "org-export.json"
    doc = {
        "format": "amanat-org-export",
        "version": 1,
        "org_file": forged.to_bytes().decode(),
        "keyring": b"".join(line + b"\n" for line in ring.lines).decode(),
    }
    export.write_bytes(canonical.encode(doc) + b"\n")
    before = (org.station.vault().root / "keyring.jsonl").read_bytes()

    with pytest.raises(UsageError):
        enrol.update_from_export(org.station, export)

    assert (org.station.vault().root / "keyring.jsonl").read_bytes() == before


# -- (f) an entry no trusted log names ----------------------------------------------------


def test_open_refuses_an_entry_planted_in_entries(org: Org) -> None:
    """Given a vault with one genuine sealed entry,
    when an entry sealed to the right recipients, claiming the trusted station, is
    placed in entries/ without any log record,
    then the desk refuses to open it (the genuine one still opens)."""
    vault = org.station.vault()
    genuine = seal_entry(vault, org.station_seed, note="genuine")
    planted, _ = put_entry(vault, entry_content(vault, station_kid(org), "planted"))
    identity = [org.desk_keys.identity]

    with pytest.raises(NotFound, match="in no log"):
        open_entry(vault, planted, identity)
    with pytest.raises(NotFound):
        open_entry(vault, planted[:12], identity)
    assert open_entry(vault, genuine.entry_id, identity).content["note"] == "genuine"


def test_open_refuses_an_entry_named_only_by_an_untrusted_log(org: Org) -> None:
    """Given a log with real entries written by a key the organisation never trusted,
    when the desk opens one of those entries,
    then it is refused as not signed by a trusted key."""
    vault = org.station.vault()
    _, entries = write_log(vault, crypto.new_signing_seed(), 2)

    with pytest.raises(IntegrityError, match="not signed by a trusted key"):
        open_entry(vault, entries[1], [org.desk_keys.identity])
