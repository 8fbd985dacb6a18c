"""Make tests/vectors/vault_vectors.json and the vault-v1 test vault, once.

Run from the repository root: ``python tests/vectors/make_vault_vectors.py --force``.
The output is committed; the tests read it and never run this script.

Why a separate, hand-written implementation: a vector computed by the code it tests
proves nothing. Everything here that Amanat signs or hashes (canonical JSON, the
organisation file, keyring statements, log records, Merkle roots and proofs, signed
checkpoints, key ids, bech32 keys, HKDF derivations) is written out again from
``docs/format/vault.md`` using only the standard library and ``cryptography``'s raw
Ed25519/X25519/HKDF primitives; no ``amanat`` function builds any of it.

Two exceptions, on purpose: the sealed entries and blob are written by Amanat's own age
writer (``amanat.vault.crypto.age_encrypt_bytes``), because the point of those vectors
is that the Debian ``age`` tool opens what Amanat writes; and the trustee shares come
from ``shamir_mnemonic``, the SLIP-39 reference implementation. age and SLIP-39 use
fresh randomness, so re-running this script changes every entry id, blob id and share:
do it only when the format changes, and commit the result as a whole.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import shamir_mnemonic
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from amanat.vault.crypto import age_encrypt_bytes

HERE = Path(__file__).resolve().parent
VAULT = HERE / "vault-v1"
IDENTITY_FILE = HERE / "vault-v1-identity.txt"
PROOF_FILE = HERE / "vault-v1-proof.json"
OUT = HERE / "vault_vectors.json"

# --------------------------------------------------------------------------- by hand


def cj(value: Any) -> str:
    """Canonical JSON, from the rules in docs/format/vault.md (not json.dumps)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        assert abs(value) <= 2**53 - 1
        return str(value)
    if isinstance(value, str):
        return _jstr(value)
    if isinstance(value, list):
        return "[" + ",".join(cj(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_jstr(k) + ":" + cj(value[k]) for k in sorted(value)) + "}"
    raise TypeError(type(value))


_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jstr(text: str) -> str:
    out = []
    for c in text:
        if c in _SHORT:
            out.append(_SHORT[c])
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            assert not 0xD800 <= ord(c) <= 0xDFFF
            out.append(c)
    return '"' + "".join(out) + '"'


def cjb(value: Any) -> bytes:
    return cj(value).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def pub_of(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def kid(public: bytes) -> str:
    return sha(public).hex()[:16]


# BIP 173 (Bech32, not Bech32m), as age uses it.
_CS = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def bech32(hrp: str, data: bytes) -> str:
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    five = [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(expanded + five + [0] * 6) ^ 1
    return hrp + "1" + "".join(_CS[d] for d in five + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def age_identity(scalar: bytes) -> str:
    return bech32("age-secret-key-", scalar).upper()


def age_recipient(scalar: bytes) -> str:
    public = X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes_raw()
    return bech32("age", public)


def hkdf(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(master)


def leaf(data: bytes) -> bytes:
    return sha(b"\x00" + data)


def node(left: bytes, right: bytes) -> bytes:
    return sha(b"\x01" + left + right)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, recursively, over leaf *data*."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaf(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def note_key_id(name: str, public: bytes) -> bytes:
    return sha(name.encode() + b"\n" + b"\x01" + public)[:4]


def checkpoint_note(origin: str, records: list[bytes], seed: bytes) -> dict[str, str]:
    text = f"{origin}\n{len(records)}\n{b64(mth(records))}\n"
    sig = sign(seed, text.encode())
    key_id = note_key_id(origin, pub_of(seed))
    return {
        "text": text,
        "note_key_id": key_id.hex(),
        "signature_b64": b64(sig),
        "note": text + "\n" + "\u2014 " + origin + " " + b64(key_id + sig) + "\n",
        "vkey": origin + "+" + key_id.hex() + "+" + b64(b"\x01" + pub_of(seed)),
    }


def envelope(seed: bytes, **fields: Any) -> dict[str, Any]:
    k = kid(pub_of(seed))
    body = {"v": 1, "log": k, "key": k, **fields}
    message = b"amanat-envelope-v1\n" + cjb(body)
    sig = sign(seed, message)
    line = cjb({**body, "sig": b64(sig)})
    return {
        "body": body,
        "signed_message_utf8": message.decode(),
        "signature_b64": b64(sig),
        "line_utf8": line.decode(),
        "leaf_hash_hex": leaf(line).hex(),
    }


def statement(body: dict[str, Any], seed: bytes) -> str:
    unsigned = {**body, "signer": kid(pub_of(seed))}
    sig = sign(seed, b"amanat-keyring-v1\n" + cjb(unsigned))
    return cj({**unsigned, "sig": b64(sig)})


# --------------------------------------------------------------------------- the vectors

ENVELOPE_SEED = bytes(range(32))
MASTER = bytes(range(0x20, 0x40))
DESK_SEED = bytes(range(0x40, 0x60))
DESK_X25519 = bytes(range(0x60, 0x80))
STATION_SEED = bytes(range(0x80, 0xA0))
DESK2_SEED = bytes(range(0xA0, 0xC0))
DESK2_X25519 = bytes(range(0xC0, 0xE0))
CREATED = "2026-01-01T00:00:00Z"
RECOVERY_INFO = "amanat recovery age-x25519 identity v1"
ROOT_INFO = "amanat organisation root ed25519 v1"


def canonical_vectors() -> list[dict[str, Any]]:
    """Hand-written: the input text, what a reader does, and the canonical bytes."""
    v: list[dict[str, Any]] = []

    def ok(name: str, text: str) -> None:
        v.append({"name": name, "input": text, "expect": "canonical"})

    def reencode(name: str, text: str, canonical: str) -> None:
        assert cj(json.loads(text)) == canonical, name
        v.append({"name": name, "input": text, "expect": "refuse", "canonical": canonical})

    def refuse(name: str, text: str, why: str) -> None:
        v.append({"name": name, "input": text, "expect": "refuse", "why": why})

    ok("empty object", "{}")
    ok("keys sorted by code point, no spaces", '{"a":[true,false,null],"b":1,"c":"x"}')
    ok(
        "nested objects sorted at every level",
        '{"a":{"x":1,"y":{"m":[],"n":{}}},"b":[{"a":0,"b":-1}]}',
    )
    ok("largest safe integer", "[9007199254740991,-9007199254740991,0]")
    ok("non-ASCII stays raw UTF-8", '{"name":"Нұрсұлтан ئەخمەت 努尔"}')
    ok("astral character raw", '"\U0001f600"')
    ok("short escapes", '"\\"\\\\\\b\\f\\n\\r\\t"')
    ok("other controls as lowercase \\u00xx", '"\\u0000\\u0001\\u001f"')
    ok("DEL, U+2028 and U+2029 stay raw", '"\x7f\u2028\u2029"')
    ok("uppercase sorts before lowercase", '{"B":1,"a":2}')
    ok("code point order, not UTF-16 order (RFC 8785 differs)", '{"\uff61":1,"\U0001f600":2}')
    ok("a bare string is a canonical value", '"x"')
    reencode("spaces after separators", '{"a": 1, "b": [1, 2]}', '{"a":1,"b":[1,2]}')
    reencode("keys out of order", '{"b":1,"a":2}', '{"a":2,"b":1}')
    reencode("pretty-printed", '{\n  "a": 1\n}', '{"a":1}')
    reencode("trailing newline", '{"a":1}\n', '{"a":1}')
    reencode("leading space", ' {"a":1}', '{"a":1}')
    reencode("escaped non-ASCII", '"\\u00e9"', '"é"')
    reencode("escaped ASCII letter", '"\\u0041"', '"A"')
    reencode("escaped solidus", '"\\/"', '"/"')
    reencode("uppercase hex escape", '"\\u001F"', '"\\u001f"')
    reencode("control as \\u escape where a short one exists", '"\\u000a"', '"\\n"')
    reencode("surrogate pair escape", '"\\ud83d\\ude00"', '"\U0001f600"')
    reencode("negative zero", "-0", "0")
    reencode("UTF-16 key order", '{"\U0001f600":2,"\uff61":1}', '{"\uff61":1,"\U0001f600":2}')
    refuse("float", '{"a":1.5}', "no fractional numbers")
    refuse("integral float", "1.0", "no fractional numbers")
    refuse("exponent", "1e3", "no fractional numbers")
    refuse("NaN", "NaN", "not JSON")
    refuse("Infinity", "[Infinity]", "not JSON")
    refuse("integer above 2^53-1", "9007199254740992", "too large")
    refuse("integer below -(2^53-1)", "[-9007199254740992]", "too large")
    refuse("duplicate key", '{"a":1,"a":1}', "repeated key")
    refuse("duplicate key, nested", '{"x":{"a":1,"a":2}}', "repeated key")
    refuse("lone high surrogate", '"\\ud800"', "not Unicode")
    refuse("lone low surrogate in a key", '{"\\udc00":1}', "not Unicode")
    refuse("leading zero", "01", "not JSON")
    refuse("raw control character in a string", '"a\tb"', "not JSON")
    refuse("single quotes", "{'a':1}", "not JSON")
    refuse("trailing comma", "[1,]", "not JSON")
    refuse("empty input", "", "not JSON")
    refuse("byte order mark", "\ufeff{}", "not JSON")
    v.append(
        {
            "name": "invalid UTF-8 (a lone continuation byte)",
            "input_hex": "22ff22",
            "expect": "refuse",
            "why": "not UTF-8",
        }
    )
    v.append(
        {
            "name": "UTF-8-encoded surrogate (CESU-8)",
            "input_hex": "22eda08022",
            "expect": "refuse",
            "why": "not UTF-8",
        }
    )
    v.append(
        {
            "name": "overlong UTF-8 for '/'",
            "input_hex": "22c0af22",
            "expect": "refuse",
            "why": "not UTF-8",
        }
    )
    for item in v:  # sanity: every "canonical" input is what the hand encoder writes
        if item["expect"] == "canonical":
            assert cj(json.loads(item["input"])) == item["input"], item["name"]
    return v


def envelope_vector() -> dict[str, Any]:
    fields = {
        "seq": 7,
        "time": "2026-01-02T03:04:05Z",
        "entry": sha(b"amanat test vector: entry ciphertext").hex(),
        "entry_size": 1234,
        "blobs": [
            {"id": sha(b"amanat test vector: blob 1").hex(), "size": 65_552},
            {"id": sha(b"amanat test vector: blob 2").hex(), "size": 217},
        ],
    }
    env = envelope(ENVELOPE_SEED, **fields)
    line = env["line_utf8"]
    body = env["body"]
    bad_sig = b64(bytes(64))

    def variant(name: str, doc: dict[str, Any], expect: str) -> dict[str, str]:
        return {"name": name, "line_utf8": cj(doc), "expect": expect}

    full = json.loads(line)
    sig_b64 = env["signature_b64"]
    noncanon_sig = sig_b64[:-3] + _next_b64_digit(sig_b64[-3]) + "=="
    parse_refused = [
        variant("unknown field", {**full, "note": "x"}, "FormatError"),
        variant("missing field", {k: v for k, v in full.items() if k != "time"}, "FormatError"),
        variant("version 2", {**full, "v": 2}, "UnsupportedVersion"),
        variant("signature of 63 bytes", {**full, "sig": b64(bytes(63))}, "FormatError"),
        variant("signature not base64", {**full, "sig": "!" * 88}, "FormatError"),
        variant(
            "non-canonical base64 (unused bits set)", {**full, "sig": noncanon_sig}, "FormatError"
        ),
        variant("negative seq", {**full, "seq": -1}, "FormatError"),
        variant("boolean seq", {**full, "seq": True}, "FormatError"),
        variant("seq as text", {**full, "seq": "7"}, "FormatError"),
        variant("entry in uppercase hex", {**full, "entry": full["entry"].upper()}, "FormatError"),
        variant("entry too short", {**full, "entry": full["entry"][:63]}, "FormatError"),
        variant(
            "blob reference with an extra field",
            {**full, "blobs": [{**full["blobs"][0], "name": "x"}]},
            "FormatError",
        ),
        variant("blobs not a list", {**full, "blobs": {}}, "FormatError"),
        variant("not an object", [full], "FormatError"),
        {
            "name": "a space after a colon",
            "line_utf8": line.replace('"v":1', '"v": 1'),
            "expect": "FormatError",
        },
        {
            "name": "trailing newline (the newline is not part of the record)",
            "line_utf8": line + "\n",
            "expect": "FormatError",
        },
    ]
    signature_fails = [
        variant("time changed after signing", {**full, "time": "2026-01-02T03:04:06Z"}, "bad"),
        variant("blob dropped after signing", {**full, "blobs": full["blobs"][:1]}, "bad"),
        variant("all-zero signature", {**full, "sig": bad_sig}, "bad"),
    ]
    return {
        "seed_hex": ENVELOPE_SEED.hex(),
        "public_key_b64": b64(pub_of(ENVELOPE_SEED)),
        "key_id": kid(pub_of(ENVELOPE_SEED)),
        "fields": fields,
        "canonical_body_utf8": cj(body),
        **env,
        "parse_refused": parse_refused,
        "signature_fails": signature_fails,
        "hand_recipe": "signed message = 'amanat-envelope-v1\\n' || the record line with its "
        '"sig":"…", member deleted',
    }


def _next_b64_digit(char: str) -> str:
    """The base64 digit after ``char``: same decoded bytes when only unused bits change."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return alphabet[alphabet.index(char) + 1]


def small_log_vector(org_id: str) -> dict[str, Any]:
    """Three records by the envelope key, their Merkle tree, proofs and checkpoint."""
    k = kid(pub_of(ENVELOPE_SEED))
    records = []
    for seq in range(3):
        env = envelope(
            ENVELOPE_SEED,
            seq=seq,
            time=f"2026-01-0{seq + 2}T00:00:00Z",
            entry=sha(f"entry {seq}".encode()).hex(),
            entry_size=500 + seq,
            blobs=[],
        )
        records.append(env["line_utf8"].encode())
    lh = [leaf(r) for r in records]
    origin = f"amanat/{org_id}/{k}"
    return {
        "key_seed_hex": ENVELOPE_SEED.hex(),
        "origin": origin,
        "records_utf8": [r.decode() for r in records],
        "leaf_hashes_hex": [h.hex() for h in lh],
        "roots_hex": {str(n): mth(records[:n]).hex() for n in range(4)},
        "inclusion": [
            {"index": 0, "size": 3, "proof_hex": [lh[1].hex(), lh[2].hex()]},
            {"index": 1, "size": 3, "proof_hex": [lh[0].hex(), lh[2].hex()]},
            {"index": 2, "size": 3, "proof_hex": [node(lh[0], lh[1]).hex()]},
            {"index": 0, "size": 1, "proof_hex": []},
        ],
        "consistency": [
            {"old": 1, "new": 3, "proof_hex": [lh[1].hex(), lh[2].hex()]},
            {"old": 2, "new": 3, "proof_hex": [lh[2].hex()]},
            {"old": 1, "new": 2, "proof_hex": [lh[1].hex()]},
        ],
        "checkpoint": checkpoint_note(origin, records, ENVELOPE_SEED),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite the committed vectors")
    if not parser.parse_args().force and OUT.exists():
        sys.exit("vectors exist; re-run with --force only when the format changes")

    # -- keys ------------------------------------------------------------------------
    recovery_scalar = hkdf(MASTER, RECOVERY_INFO)
    root_seed = hkdf(MASTER, ROOT_INFO)
    root_pub = pub_of(root_seed)
    recovery = age_recipient(recovery_scalar)
    desk_pub, station_pub, desk2_pub = pub_of(DESK_SEED), pub_of(STATION_SEED), pub_of(DESK2_SEED)
    desk_identity = age_identity(DESK_X25519)
    desk_recipient = age_recipient(DESK_X25519)
    for identity, recipient in (
        (desk_identity, desk_recipient),
        (age_identity(recovery_scalar), recovery),
    ):
        got = subprocess.run(
            ["age-keygen", "-y"], input=identity + "\n", capture_output=True, text=True, check=True
        ).stdout.strip()
        assert got == recipient, "bech32 by hand disagrees with age-keygen"
    station_kid = kid(station_pub)

    # -- organisation file -----------------------------------------------------------
    org_id = sha(b"amanat-org-id\n" + root_pub).hex()[:32]
    org_body = {
        "format": "amanat-org",
        "version": 1,
        "org": org_id,
        "name": "Test vector organisation \u2014 Тест",
        "root_key": b64(root_pub),
        "recovery": recovery,
        "created": CREATED,
    }
    org_message = b"amanat-org-v1\n" + cjb(org_body)
    org_sig = sign(root_seed, org_message)
    org_file = cj({**org_body, "sig": b64(org_sig)}) + "\n"

    # -- keyring ---------------------------------------------------------------------
    lines: list[str] = []

    def add(op: str, time: str, seed: bytes, **fields: Any) -> None:
        prev = sha(lines[-1].encode()).hex() if lines else "0" * 64
        body = {"v": 1, "seq": len(lines), "prev": prev, "time": time, "op": op, **fields}
        lines.append(statement(body, seed))

    add(
        "add-desk",
        CREATED,
        root_seed,
        name="desk-1",
        key=b64(desk_pub),
        recipient=desk_recipient,
        admin=True,
    )
    add("trust-station", "2026-01-01T00:05:00Z", DESK_SEED, name="office-1", key=b64(station_pub))
    vault_keyring = list(lines)
    add(
        "add-desk",
        "2026-01-03T00:00:00Z",
        DESK_SEED,
        name="desk-2",
        key=b64(desk2_pub),
        recipient=age_recipient(DESK2_X25519),
        admin=False,
    )
    add("revoke-station", "2026-01-04T00:00:00Z", root_seed, key=b64(station_pub), keep_until=1)
    add("remove-desk", "2026-01-05T00:00:00Z", DESK_SEED, key=b64(desk2_pub))
    long_keyring = list(lines)

    def signed_variant(
        label: str, op: str, seed: bytes, expect: str, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "v": 1,
            "seq": 2,
            "prev": sha(vault_keyring[-1].encode()).hex(),
            "time": "2026-01-03T00:00:00Z",
            "op": op,
            **fields,
        }
        return {"name": label, "line_utf8": statement(body, seed), "expect": expect}

    bad_statements = [
        signed_variant(
            "signed by a station (no authority)",
            "add-desk",
            STATION_SEED,
            "UntrustedKey",
            name="x",
            key=b64(desk2_pub),
            recipient=age_recipient(DESK2_X25519),
            admin=True,
        ),
        signed_variant(
            "signed by an unknown key",
            "trust-station",
            DESK2_SEED,
            "UntrustedKey",
            name="x",
            key=b64(desk2_pub),
        ),
        signed_variant(
            "unknown operation", "promote-desk", root_seed, "FormatError", key=b64(desk_pub)
        ),
        signed_variant(
            "adds a key already present",
            "trust-station",
            root_seed,
            "FormatError",
            name="again",
            key=b64(station_pub),
        ),
        signed_variant(
            "removes a key never added", "remove-desk", root_seed, "FormatError", key=b64(desk2_pub)
        ),
        signed_variant(
            "desk without a valid recipient",
            "add-desk",
            root_seed,
            "KeyError_",
            name="x",
            key=b64(desk2_pub),
            recipient="age1notarecipient",
        ),
        signed_variant(
            "negative keep_until",
            "revoke-station",
            root_seed,
            "FormatError",
            key=b64(station_pub),
            keep_until=-1,
        ),
        {
            "name": "wrong prev (chain broken)",
            "expect": "FormatError",
            "line_utf8": statement(
                {
                    "v": 1,
                    "seq": 2,
                    "prev": "1" * 64,
                    "time": CREATED,
                    "op": "trust-station",
                    "name": "x",
                    "key": b64(desk2_pub),
                },
                root_seed,
            ),
        },
        {
            "name": "wrong seq",
            "expect": "FormatError",
            "line_utf8": statement(
                {
                    "v": 1,
                    "seq": 3,
                    "prev": sha(vault_keyring[-1].encode()).hex(),
                    "time": CREATED,
                    "op": "trust-station",
                    "name": "x",
                    "key": b64(desk2_pub),
                },
                root_seed,
            ),
        },
        {
            "name": "version 2",
            "expect": "UnsupportedVersion",
            "line_utf8": statement(
                {
                    "v": 2,
                    "seq": 2,
                    "prev": sha(vault_keyring[-1].encode()).hex(),
                    "time": CREATED,
                    "op": "trust-station",
                    "name": "x",
                    "key": b64(desk2_pub),
                },
                root_seed,
            ),
        },
    ]
    tampered = json.loads(long_keyring[2])
    tampered["name"] = "desk-3"
    bad_statements.append(
        {"name": "field changed after signing", "expect": "FormatError", "line_utf8": cj(tampered)}
    )

    # -- sealed entries, blob, log, checkpoints ---------------------------------------
    recipients = [desk_recipient, recovery]  # sorted active desk recipients, then recovery
    blob_plain = b"Test vector testimony. Not real data; not a real person.\n"
    blob_ct = age_encrypt_bytes(blob_plain, recipients)
    blob_id = sha(blob_ct).hex()
    entries_plain = [
        cjb(
            {
                "v": 1,
                "type": "intake",
                "org": org_id,
                "station": station_kid,
                "created": "2026-01-02T10:00:00Z",
                "note": "Test vector entry: not a real testimony.",
                "files": [
                    {
                        "blob": blob_id,
                        "sha256": sha(blob_plain).hex(),
                        "size": len(blob_plain),
                        "name": "testimony.txt",
                        "media_type": "text/plain",
                        "received": "2026-01-02T09:59:58Z",
                    }
                ],
                "data": {"person": {"name_latin": "Test Person", "name_native": "Тест Адам"}},
            }
        ),
        cjb(
            {
                "v": 1,
                "type": "note",
                "org": org_id,
                "station": station_kid,
                "created": "2026-01-02T10:05:00Z",
                "note": "Second test entry.",
                "files": [],
                "data": {},
            }
        ),
    ]
    entries_ct = [age_encrypt_bytes(p, recipients) for p in entries_plain]
    entry_ids = [sha(c).hex() for c in entries_ct]
    envs = [
        envelope(
            STATION_SEED,
            seq=0,
            time="2026-01-02T10:00:00Z",
            entry=entry_ids[0],
            entry_size=len(entries_ct[0]),
            blobs=[{"id": blob_id, "size": len(blob_ct)}],
        ),
        envelope(
            STATION_SEED,
            seq=1,
            time="2026-01-02T10:05:00Z",
            entry=entry_ids[1],
            entry_size=len(entries_ct[1]),
            blobs=[],
        ),
    ]
    records = [e["line_utf8"].encode() for e in envs]
    origin = f"amanat/{org_id}/{station_kid}"
    cp2 = checkpoint_note(origin, records, STATION_SEED)
    cp1 = checkpoint_note(origin, records[:1], STATION_SEED)

    if VAULT.exists():
        shutil.rmtree(VAULT)
    files: dict[str, bytes] = {
        "AMANAT-VAULT": b"amanat-vault 1\n",
        "org.json": org_file.encode(),
        "keyring.jsonl": "".join(line + "\n" for line in vault_keyring).encode(),
        f"entries/{entry_ids[0][:2]}/{entry_ids[0]}": entries_ct[0],
        f"entries/{entry_ids[1][:2]}/{entry_ids[1]}": entries_ct[1],
        f"blobs/{blob_id[:2]}/{blob_id}": blob_ct,
        f"logs/{station_kid}/log.jsonl": b"".join(r + b"\n" for r in records),
        f"logs/{station_kid}/checkpoint": cp2["note"].encode(),
    }
    for rel, data in files.items():
        (VAULT / rel).parent.mkdir(parents=True, exist_ok=True)
        (VAULT / rel).write_bytes(data)
    IDENTITY_FILE.write_text(
        "# TEST VECTOR ONLY. This desk identity is published on purpose so that anyone can\n"
        "# decrypt tests/vectors/vault-v1. Never seal real data to it.\n"
        f"# public key: {desk_recipient}\n{desk_identity}\n",
        "ascii",
    )

    # -- proof bundle for entry 0, by hand --------------------------------------------
    bundle = {
        "format": "amanat-proof",
        "version": 1,
        "entry": entry_ids[0],
        "org_file": org_file,
        "keyring": "".join(line + "\n" for line in vault_keyring),
        "log": station_kid,
        "record": records[0].decode(),
        "leaf_index": 0,
        "tree_size": 2,
        "inclusion_proof": [leaf(records[1]).hex()],
        "checkpoint": cp2["note"],
        "entry_ciphertext": b64(entries_ct[0]),
    }
    PROOF_FILE.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", "utf-8")

    # -- trustee shares ----------------------------------------------------------------
    shares = shamir_mnemonic.generate_mnemonics(1, [(3, 5)], MASTER)[0]

    ek, sk = f"entries/{entry_ids[0][:2]}/{entry_ids[0]}", f"entries/{entry_ids[1][:2]}/"
    bk = f"blobs/{blob_id[:2]}/{blob_id}"
    log = f"logs/{station_kid}"
    stray = b"a sealed object that no record names\n"
    stray_id = sha(stray).hex()

    def m(
        name: str,
        ops: list[dict[str, Any]],
        outcome: str,
        where: list[str],
        note: str = "",
        why: str = "",
        optional: list[str] | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "ops": ops, "outcome": outcome, "where": where}
        if optional:
            out["where_optional"] = optional
        if note:
            out["notes_contain"] = note
        if why:
            out["why"] = why
        return out

    sig_b64 = cp2["note"].rsplit(" ", 1)[1].strip()
    flipped_org = json.loads(org_file)
    flipped_org["name"] = "Another organisation"
    mutations = [
        m("unchanged", [], "valid", []),
        m(
            "one byte of the blob flipped",
            [{"op": "flip", "path": bk, "offset": 200}],
            "invalid",
            [bk],
        ),
        m(
            "one byte of an entry flipped",
            [{"op": "flip", "path": ek, "offset": 300}],
            "invalid",
            [ek],
        ),
        m(
            "entry truncated by one byte",
            [{"op": "truncate", "path": ek, "size": len(entries_ct[0]) - 1}],
            "invalid",
            [ek],
        ),
        m("blob deleted", [{"op": "delete", "path": bk}], "invalid", [bk]),
        m("entry deleted", [{"op": "delete", "path": ek}], "invalid", [ek]),
        m(
            "unexpected file among the entries",
            [{"op": "write", "path": sk + "notes.txt", "utf8": "hello\n"}],
            "invalid",
            [sk + "notes.txt"],
        ),
        m(
            "object whose content does not match its name",
            [{"op": "write", "path": f"blobs/{stray_id[:2]}/{stray_id}", "utf8": "other\n"}],
            "invalid",
            [f"blobs/{stray_id[:2]}/{stray_id}"],
        ),
        m(
            "unreferenced but intact object (left by an interrupted seal)",
            [{"op": "write", "path": f"blobs/{stray_id[:2]}/{stray_id}", "utf8": stray.decode()}],
            "valid",
            [],
            note="named by no record",
        ),
        m(
            "torn tail after the last record (interrupted append)",
            [{"op": "append", "path": f"{log}/log.jsonl", "utf8": '{"v":1,"log":'}],
            "valid",
            [],
            note="interrupted write",
        ),
        m(
            "a tmp/*.part leftover",
            [{"op": "write", "path": "tmp/1-2-3.part", "utf8": "x"}],
            "valid",
            [],
        ),
        m(
            "a field of record 0 changed",
            [
                {
                    "op": "replace",
                    "path": f"{log}/log.jsonl",
                    "old": "2026-01-02T10:00:00Z",
                    "new": "2026-01-02T11:00:00Z",
                }
            ],
            "invalid",
            [f"{log}/log.jsonl record 0", f"{log}/log.jsonl"],
            optional=[ek],
        ),
        m(
            "record 0 re-encoded non-canonically",
            [{"op": "replace", "path": f"{log}/log.jsonl", "old": '"seq":0', "new": '"seq": 0'}],
            "invalid",
            [f"{log}/log.jsonl record 0", f"{log}/log.jsonl"],
            optional=[ek],
        ),
        m(
            "last record deleted",
            [{"op": "keep_lines", "path": f"{log}/log.jsonl", "lines": [0]}],
            "invalid",
            [f"{log}/log.jsonl"],
            optional=[sk + entry_ids[1]],
        ),
        m(
            "records swapped",
            [{"op": "keep_lines", "path": f"{log}/log.jsonl", "lines": [1, 0]}],
            "invalid",
            [f"{log}/log.jsonl record 0", f"{log}/log.jsonl record 1", f"{log}/log.jsonl"],
            optional=[ek, sk + entry_ids[1]],
        ),
        m(
            "record 0 replayed as record 2",
            [{"op": "keep_lines", "path": f"{log}/log.jsonl", "lines": [0, 1, 0]}],
            "invalid",
            [f"{log}/log.jsonl record 2"],
        ),
        m(
            "checkpoint deleted",
            [{"op": "delete", "path": f"{log}/checkpoint"}],
            "invalid",
            [f"{log}/checkpoint"],
        ),
        m(
            "one base64 digit of the checkpoint signature changed",
            [
                {
                    "op": "replace",
                    "path": f"{log}/checkpoint",
                    "old": sig_b64,
                    "new": sig_b64[:40] + ("B" if sig_b64[40] != "B" else "C") + sig_b64[41:],
                }
            ],
            "invalid",
            [f"{log}/checkpoint"],
        ),
        m(
            "checkpoint rolled back by one (older signed checkpoint put back)",
            [{"op": "write", "path": f"{log}/checkpoint", "utf8": cp1["note"]}],
            "valid",
            [],
            note="interrupted seal",
            why="UNDETECTABLE from a single copy: it reads exactly as an interrupted seal",
        ),
        m(
            "last record and checkpoint rolled back (a whole consistent older copy)",
            [
                {"op": "keep_lines", "path": f"{log}/log.jsonl", "lines": [0]},
                {"op": "write", "path": f"{log}/checkpoint", "utf8": cp1["note"]},
                {"op": "delete", "path": sk + entry_ids[1]},
            ],
            "valid",
            [],
            why="UNDETECTABLE from a single copy: it is a valid older vault",
        ),
        m(
            "a station's whole log deleted, with its objects",
            [
                {"op": "delete", "path": f"{log}/log.jsonl"},
                {"op": "delete", "path": f"{log}/checkpoint"},
                {"op": "delete", "path": ek},
                {"op": "delete", "path": sk + entry_ids[1]},
                {"op": "delete", "path": bk},
            ],
            "valid",
            [],
            why="UNDETECTABLE from a single copy: a trusted station may not have sealed yet",
        ),
        m(
            "a log with two records beyond its checkpoint",
            [
                {"op": "write", "path": f"{log}/checkpoint", "utf8": cp1["note"]},
                {"op": "append", "path": f"{log}/log.jsonl", "utf8": records[0].decode() + "\n"},
            ],
            "invalid",
            [f"{log}/checkpoint", f"{log}/log.jsonl record 2"],
        ),
        m(
            "unexpected file in logs/",
            [{"op": "write", "path": "logs/README", "utf8": "x"}],
            "invalid",
            ["logs/README"],
        ),
        m(
            "a log by a key the organisation never trusted",
            [{"op": "write", "path": "logs/0123456789abcdef/log.jsonl", "utf8": "{}\n"}],
            "invalid",
            ["logs/0123456789abcdef"],
        ),
        m(
            "organisation name changed",
            [{"op": "write", "path": "org.json", "utf8": cj(flipped_org) + "\n"}],
            "invalid",
            ["org.json"],
        ),
        m(
            "organisation file re-encoded non-canonically",
            [{"op": "replace", "path": "org.json", "old": '"version":1', "new": '"version": 1'}],
            "invalid",
            ["org.json"],
        ),
        m(
            "organisation file's recovery recipient damaged",
            [{"op": "replace", "path": "org.json", "old": recovery, "new": "age1damaged"}],
            "invalid",
            ["org.json"],
        ),
        m(
            "organisation file without its final newline",
            [{"op": "truncate", "path": "org.json", "size": len(org_file.encode()) - 1}],
            "invalid",
            ["org.json"],
        ),
        m(
            "keyring statement changed after signing",
            [{"op": "replace", "path": "keyring.jsonl", "old": '"office-1"', "new": '"office-2"'}],
            "invalid",
            ["keyring.jsonl"],
        ),
        m(
            "keyring statements swapped",
            [{"op": "keep_lines", "path": "keyring.jsonl", "lines": [1, 0]}],
            "invalid",
            ["keyring.jsonl"],
        ),
        m(
            "keyring without its final newline",
            [
                {
                    "op": "truncate",
                    "path": "keyring.jsonl",
                    "size": sum(len(x) + 1 for x in vault_keyring) - 1,
                }
            ],
            "invalid",
            ["keyring.jsonl"],
        ),
        m(
            "the station's trust statement removed (keyring truncated)",
            [{"op": "keep_lines", "path": "keyring.jsonl", "lines": [0]}],
            "invalid",
            [log],
            optional=[ek, sk + entry_ids[1]],
            why="detected only because this log exists; truncating a keyring is otherwise "
            "undetectable from a single copy",
        ),
        m(
            "vault marker of a newer version",
            [{"op": "write", "path": "AMANAT-VAULT", "utf8": "amanat-vault 2\n"}],
            "invalid",
            ["AMANAT-VAULT"],
        ),
        m(
            "vault marker missing",
            [{"op": "delete", "path": "AMANAT-VAULT"}],
            "invalid",
            ["AMANAT-VAULT"],
        ),
        m(
            "organisation file missing",
            [{"op": "delete", "path": "org.json"}],
            "invalid",
            ["org.json"],
        ),
    ]

    doc = {
        "description": (
            "Amanat vault format v1 test vectors (docs/format/vault.md). Every expected value "
            "was computed once by tests/vectors/make_vault_vectors.py, an implementation "
            "written by hand from the spec with the standard library and cryptography's raw "
            "primitives, not by amanat; tests/test_vault_vectors.py checks amanat against "
            "them. All keys here are TEST KEYS, published on purpose: never use them."
        ),
        "canonical_json": {
            "expect_values": {
                "canonical": "decode accepts it and encode(decode(input)) == input",
                "refuse": "decode raises FormatError; if 'canonical' is given, it is the "
                "canonical encoding of the same value",
            },
            "vectors": canonical_vectors(),
        },
        "envelope": envelope_vector(),
        "keys": {
            "master_secret_hex": MASTER.hex(),
            "hkdf": {
                "hash": "SHA-256",
                "salt": "none (RFC 5869: 32 zero bytes)",
                "recovery_info": RECOVERY_INFO,
                "root_info": ROOT_INFO,
            },
            "recovery_scalar_hex": recovery_scalar.hex(),
            "recovery_identity": age_identity(recovery_scalar),
            "recovery_recipient": recovery,
            "root_seed_hex": root_seed.hex(),
            "root_public_key_b64": b64(root_pub),
            "root_key_id": kid(root_pub),
            "desk_seed_hex": DESK_SEED.hex(),
            "desk_key_id": kid(desk_pub),
            "desk_x25519_hex": DESK_X25519.hex(),
            "desk_identity": desk_identity,
            "desk_recipient": desk_recipient,
            "station_seed_hex": STATION_SEED.hex(),
            "station_key_id": station_kid,
            "station_vkey": cp2["vkey"],
            "desk2_seed_hex": DESK2_SEED.hex(),
            "desk2_key_id": kid(desk2_pub),
            "desk2_x25519_hex": DESK2_X25519.hex(),
            "desk2_recipient": age_recipient(DESK2_X25519),
            "trustee_shares": {
                "threshold": 3,
                "count": 5,
                "mnemonics": list(shares),
                "note": "SLIP-39, one group, extendable, iteration exponent 1, empty passphrase",
            },
        },
        "org": {
            "org_id": org_id,
            "body_utf8": cj(org_body),
            "signed_message_utf8": org_message.decode(),
            "signature_b64": b64(org_sig),
            "file_utf8": org_file,
        },
        "keyring": {
            "statements_utf8": long_keyring,
            "heads_hex": [sha(line.encode()).hex() for line in long_keyring],
            "vault_prefix": len(vault_keyring),
            "after_all": {
                "recipients": [desk_recipient, recovery],
                "keys": {
                    kid(desk_pub): {
                        "role": "desk",
                        "name": "desk-1",
                        "admin": True,
                        "active": True,
                        "keep_until": None,
                    },
                    station_kid: {
                        "role": "station",
                        "name": "office-1",
                        "admin": False,
                        "active": False,
                        "keep_until": 1,
                    },
                    kid(desk2_pub): {
                        "role": "desk",
                        "name": "desk-2",
                        "admin": False,
                        "active": False,
                        "keep_until": 0,
                    },
                },
                "may_write": [
                    [station_kid, 0, True],
                    [station_kid, 1, False],
                    [kid(desk_pub), 5, True],
                    ["0123456789abcdef", 0, False],
                ],
            },
            "after_vault_prefix": {"recipients": [desk_recipient, recovery]},
            "bad_third_statement": bad_statements,
        },
        "log": small_log_vector(org_id),
        "vault": {
            "path": "vault-v1",
            "identity_file": "vault-v1-identity.txt",
            "proof_file": "vault-v1-proof.json",
            "where_optional_means": (
                "entries that no valid record names: a verifier MAY report them when there "
                "are more than interrupted seals can leave (at most one per writer)"
            ),
            "note": "git keeps no empty folders: a checkout has no tmp/; copy and add it to seal",
            "expected": {
                "outcome": "valid",
                "entries": 2,
                "blobs": 1,
                "logs": [
                    {
                        "log": station_kid,
                        "name": "office-1",
                        "size": 2,
                        "root": mth(records).hex(),
                        "pending": 0,
                    }
                ],
            },
            "entry_ids": entry_ids,
            "blob_id": blob_id,
            "entries_plaintext_utf8": [p.decode() for p in entries_plain],
            "blob_plaintext_utf8": blob_plain.decode(),
            "records_utf8": [r.decode() for r in records],
            "checkpoint_size_1": cp1["note"],
            "checkpoint_size_2": cp2["note"],
            "mutation_ops": {
                "flip": "XOR the byte at offset with 0x01",
                "truncate": "cut the file to size bytes",
                "delete": "remove the file",
                "write": "create or replace the file with the UTF-8 text",
                "append": "append the UTF-8 text",
                "replace": "replace the first occurrence of old by new (UTF-8)",
                "keep_lines": "keep these newline-terminated lines, in this order",
            },
            "mutations": mutations,
        },
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {OUT} and {VAULT}")


if __name__ == "__main__":
    main()
