"""Signed notes and checkpoints: published vectors, negative cases, properties.

Vectors live in ``tests/vectors/signed_note.json``; every expected output there is
copied from a published source (see its ``sources``), never produced by our code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.errors import FormatError, IntegrityError, UsageError
from amanat.vault.crypto import ed25519_public_key
from amanat.vault.note import (
    MAX_SIGNATURES,
    Checkpoint,
    InvalidSignatureError,
    NoteSigner,
    NoteVerifier,
    OriginMismatchError,
    UnverifiedNoteError,
    cosign_note,
    key_id,
    open_checkpoint,
    open_note,
    parse_note,
    parse_vkey,
    sign_checkpoint,
    sign_note,
    vkey_string,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "signed_note.json").read_text(encoding="utf-8")
)
KEYS: dict[str, dict[str, str]] = VECTORS["keys"]
PETER = KEYS["PeterNeumann"]
OUTCOME = {
    "malformed": FormatError,
    "unverified": UnverifiedNoteError,
    "bad_signature": InvalidSignatureError,
    "origin_mismatch": OriginMismatchError,
}


def seed_of(skey: str) -> bytes:
    """The Ed25519 seed in a Go ``PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)`` key."""
    raw = base64.b64decode(skey.split("+", 4)[4])
    assert raw[0] == 0x01 and len(raw) == 33
    return raw[1:]


def verifier(name: str) -> NoteVerifier:
    return NoteVerifier.from_vkey(KEYS[name]["vkey"])


def note_bytes(case: dict[str, Any]) -> bytes:
    prefix: str = case.get("prefix_hex", "")
    note: str = case["note"]
    return bytes.fromhex(prefix) + note.encode("utf-8")


def labels(section: str) -> list[Any]:
    return [pytest.param(c, id=c["label"]) for c in VECTORS[section]]


# ------------------------------------------------------------------------------ vectors


def test_vector_file_names_a_source_and_licence_for_every_case() -> None:
    sources = VECTORS["sources"]
    assert all({"repo", "file", "licence"} <= set(s) for s in sources.values())
    cases = [*KEYS.values()]
    for section in ("bad_vkeys", "sign", "open", "checkpoints", "signed_checkpoints"):
        cases += VECTORS[section]
    assert all(c["source"] in sources for c in cases)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_published_verifier_keys_parse_and_reencode(name: str) -> None:
    # Given a published verifier key
    vkey = KEYS[name]["vkey"]
    # When it is parsed and encoded again
    parsed_name, public_key = parse_vkey(vkey)
    # Then the name matches and the encoding (including the key ID) is identical
    assert parsed_name == name
    assert vkey_string(parsed_name, public_key) == vkey


@pytest.mark.parametrize("name", sorted(n for n in KEYS if "skey" in KEYS[n]))
def test_published_private_key_derives_its_published_verifier_key(name: str) -> None:
    # Given a published private key and its published verifier key
    seed = seed_of(KEYS[name]["skey"])
    # When we derive the public key and compute the key ID ourselves
    derived = vkey_string(name, ed25519_public_key(seed))
    # Then both the key ID (in the private key too) and the encoding match
    assert derived == KEYS[name]["vkey"]
    assert KEYS[name]["skey"].split("+")[3] == f"{key_id(name, ed25519_public_key(seed)):08x}"


@pytest.mark.parametrize("case", labels("bad_vkeys"))
def test_published_bad_verifier_keys_are_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        parse_vkey(case["vkey"])


def test_every_substring_and_incremented_byte_of_a_vkey_is_rejected() -> None:
    # Given the published PeterNeumann key (mirrors Go's TestNewVerifier manglings)
    vkey = PETER["vkey"]
    manglings = [vkey[i:j] for i in range(len(vkey) + 1) for j in range(i + 1, len(vkey) + 1)]
    manglings.remove(vkey)
    manglings += [vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :] for i in range(len(vkey))]
    # When / Then each mangled form fails to parse
    for bad in manglings:
        with pytest.raises(FormatError):
            parse_vkey(bad)


@pytest.mark.parametrize("case", labels("sign"))
def test_signing_reproduces_the_published_note_byte_for_byte(case: dict[str, Any]) -> None:
    # Given the published private key and text
    seed = seed_of(KEYS[case["signer"]]["skey"])
    # When we sign (Ed25519 is deterministic)
    note = sign_note(case["text"], case["signer"], seed)
    # Then the output is exactly the published signed note
    assert note == case["expect_note"]
    assert NoteSigner(case["signer"], seed).sign(case["text"]) == case["expect_note"]


@pytest.mark.parametrize("case", labels("open"))
def test_published_notes_open_as_labelled(case: dict[str, Any]) -> None:
    # Given a published note and the labelled set of trusted keys
    note = note_bytes(case)
    trusted = [verifier(n) for n in case["verifiers"]]
    # When it is opened / Then the outcome is the labelled one
    if case["expect"] == "valid":
        opened = open_note(note, trusted)
        assert opened.text == case["expect_text"]
        assert list(opened.verified) == case["expect_verified"]
        assert open_note(note.decode("utf-8"), trusted) == opened
    else:
        with pytest.raises(OUTCOME[case["expect"]]):
            open_note(note, trusted)
    if "expect_parsed_text" in case:
        parsed = parse_note(note)
        assert parsed.text == case["expect_parsed_text"]
        assert [s.name for s in parsed.signatures] == case["expect_parsed_names"]


@pytest.mark.parametrize("case", labels("checkpoints"))
def test_published_checkpoint_bodies_parse_as_labelled(case: dict[str, Any]) -> None:
    if case["expect"] != "valid":
        with pytest.raises(FormatError):
            Checkpoint.parse(case["text"])
        return
    # Given a published valid checkpoint body / When parsed
    cp = Checkpoint.parse(case["text"])
    # Then the fields match and it serialises back to the same text
    assert (cp.origin, cp.size) == (case["origin"], case["size"])
    assert cp.root_hash == base64.b64decode(case["root_b64"])
    assert list(cp.extensions) == case["extensions"]
    assert cp.to_text() == case["text"]
    if "root_is" in case:  # Go's RecordHash("hello world"): RFC 6962 leaf hash
        assert cp.root_hash == hashlib.sha256(b"\x00hello world").digest()


@pytest.mark.parametrize("case", labels("signed_checkpoints"))
def test_published_signed_checkpoints_open_as_labelled(case: dict[str, Any]) -> None:
    v = verifier(case["key"])
    if case["expect"] != "valid":
        with pytest.raises(OUTCOME[case["expect"]]):
            open_checkpoint(case["note"], v.name, v.public_key, case["expected_origin"])
        return
    cp = open_checkpoint(case["note"], v.name, v.public_key, case["expected_origin"])
    assert (cp.origin, cp.size) == (case["expect_origin"], case["expect_size"])
    assert cp.root_hash == base64.b64decode(case["expect_root_b64"])


# ------------------------------------------------------------------------------ negatives

PETER_SEED = seed_of(PETER["skey"])
TEXT = VECTORS["sign"][0]["text"]
SIGNED = VECTORS["sign"][0]["expect_note"]


def test_a_flipped_bit_anywhere_in_a_published_note_is_rejected() -> None:
    # Given the published PeterNeumann note
    data = SIGNED.encode("utf-8")
    trusted = [verifier("PeterNeumann")]
    for i in range(len(data)):
        # When any one bit of any byte is flipped
        for bit in (0x01, 0x20, 0x80):
            mutated = data[:i] + bytes([data[i] ^ bit]) + data[i + 1 :]
            # Then the note no longer opens
            with pytest.raises((FormatError, IntegrityError)):
                open_note(mutated, trusted)


def test_a_signature_by_an_unknown_key_is_not_enough() -> None:
    # Given a note signed by a key the reader does not trust
    note = sign_note(TEXT, "Stranger", bytes(range(32)))
    # When it is opened with only PeterNeumann trusted / Then it is unverified
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [verifier("PeterNeumann")])


def test_the_right_key_under_the_wrong_name_is_not_trusted() -> None:
    # Given PeterNeumann's seed used under another name
    note = sign_note(TEXT, "PeterNeumann2", PETER_SEED)
    # When / Then the (name, key ID) pair is unknown
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [verifier("PeterNeumann")])


@pytest.mark.parametrize(
    "bad",
    [
        SIGNED.replace("\n\n", "\n"),  # missing blank line
        SIGNED + "garbage",  # trailing garbage, no newline
        SIGNED + "garbage\n",  # trailing line that is not a signature
        SIGNED + "\n",  # trailing blank line
        SIGNED.replace("\u2014", "-"),  # hyphen instead of em dash
        SIGNED.replace("\u2014 ", "\u2014"),  # no space after the dash
        SIGNED.replace(" x08go", "  x08go"),  # double space
        SIGNED.replace("=\n", "\n"),  # unpadded base64
        SIGNED.replace("\n", "\r\n"),  # CRLF
        SIGNED.replace("PeterNeumann", "Peter+Neumann"),  # '+' in key name
        SIGNED.replace("PeterNeumann", "Peter\u00a0Neumann"),  # Unicode space in key name
        SIGNED.replace("PeterNeumann x08go/ZJkuBS9", "PeterNeumann x08go/ZJkuBS9\t"),
        "",
        "\n\n",
    ],
)
def test_malformed_notes_are_format_errors(bad: str) -> None:
    with pytest.raises(FormatError):
        open_note(bad, [verifier("PeterNeumann")])


def test_non_utf8_and_lone_surrogates_are_format_errors() -> None:
    trusted = [verifier("PeterNeumann")]
    with pytest.raises(FormatError):
        open_note(SIGNED.encode("utf-8").replace(b"cryptography", b"crypt\xc3ography"), trusted)
    with pytest.raises(FormatError):
        open_note("\ud800" + SIGNED, trusted)
    with pytest.raises(FormatError):
        sign_note("\ud800\n", "PeterNeumann", PETER_SEED)


def test_size_and_signature_count_limits() -> None:
    # Given a note with 100 distinct unknown signatures plus one more
    lines = "".join(
        sign_note(TEXT, f"w{i}", hashlib.sha256(bytes([i])).digest()).removeprefix(TEXT + "\n")
        for i in range(MAX_SIGNATURES + 1)
    )
    # Then 101 lines are malformed and 100 are within the limit
    with pytest.raises(FormatError):
        parse_note(TEXT + "\n" + lines)
    assert len(parse_note(TEXT + "\n" + lines.split("\n", 1)[1]).signatures) == MAX_SIGNATURES
    with pytest.raises(FormatError):
        sign_note("a" * (1 << 20) + "\n", "PeterNeumann", PETER_SEED)


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n", "bell\x07\n"])
def test_sign_note_refuses_texts_the_spec_forbids(text: str) -> None:
    with pytest.raises(FormatError):
        sign_note(text, "PeterNeumann", PETER_SEED)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u2003b", "a\nb"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(FormatError):
        sign_note(TEXT, name, PETER_SEED)


def test_cosigning_appends_and_replaces_only_the_same_key() -> None:
    # Given the published PeterNeumann note and a second key
    other = NoteSigner("example.org/witness", hashlib.sha256(b"witness").digest())
    # When the second key co-signs, twice
    twice = cosign_note(cosign_note(SIGNED, other.name, other.seed), other.name, other.seed)
    # Then Peter's line is kept first, one witness line follows, and both verify
    assert twice.startswith(SIGNED)
    assert twice.count("\u2014 ") == 2
    opened = open_note(twice, [verifier("PeterNeumann"), other.verifier()])
    assert opened == (TEXT, ("PeterNeumann", "example.org/witness"))
    # And re-signing by Peter reproduces the published line after the witness line
    again = cosign_note(twice, "PeterNeumann", PETER_SEED)
    assert again.endswith(SIGNED.removeprefix(TEXT + "\n"))


def test_conflicting_trusted_keys_are_a_usage_error() -> None:
    # Given the same trusted key twice: it is merged
    v = verifier("PeterNeumann")
    assert open_note(SIGNED, [v, v]).verified == ("PeterNeumann",)
    # Given two different keys with one name and a colliding 32-bit key ID (birthday search)
    seen: dict[int, bytes] = {}
    counter = 0
    while True:
        candidate = hashlib.sha256(counter.to_bytes(8, "big")).digest()
        other = seen.setdefault(key_id("Mallory", candidate), candidate)
        if other != candidate:
            break
        counter += 1
    clash = [NoteVerifier("Mallory", other), NoteVerifier("Mallory", candidate)]
    # When both are trusted / Then the trust list itself is refused
    with pytest.raises(UsageError):
        open_note(SIGNED, [v, *clash])


# ------------------------------------------------------------------------------ checkpoints

ROOT = hashlib.sha256(b"root").digest()


def test_checkpoint_round_trip_with_published_log_key() -> None:
    # Given a checkpoint and the published transparency-dev "Log" key
    cp = Checkpoint("example.com/log", 42, ROOT, ("ext one",))
    seed = seed_of(KEYS["Log"]["skey"])
    log = verifier("Log")
    # When signed and opened
    note = sign_checkpoint(cp, "Log", seed)
    # Then the same checkpoint comes back, and another origin is refused
    assert open_checkpoint(note, log.name, log.public_key, "example.com/log") == cp
    with pytest.raises(OriginMismatchError):
        open_checkpoint(note, log.name, log.public_key, "example.com/other")
    with pytest.raises(UnverifiedNoteError):
        k = verifier("Known")
        open_checkpoint(note, k.name, k.public_key, "example.com/log")


@pytest.mark.parametrize(
    "text",
    [
        "o\n01\n" + base64.b64encode(ROOT).decode() + "\n",  # leading zero
        "o\n+1\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n1 \n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n\u0661\n" + base64.b64encode(ROOT).decode() + "\n",  # Arabic-Indic digit one
        "o\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n",  # 2^64
        "o\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",  # no padding
        "o\n1\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n",  # URL alphabet
        "o\n1\n" + base64.b64encode(ROOT).decode() + "\n\nx\n",  # empty extension line
        "o\n1\n" + base64.b64encode(ROOT).decode() + "\nx\r\n",
    ],
)
def test_checkpoint_parse_is_strict(text: str) -> None:
    with pytest.raises(FormatError):
        Checkpoint.parse(text)


def test_checkpoint_size_bounds() -> None:
    top = Checkpoint("o", (1 << 64) - 1, ROOT)
    assert Checkpoint.parse(top.to_text()) == top
    assert Checkpoint.parse(Checkpoint("o", 0, ROOT).to_text()).size == 0
    for bad in (-1, 1 << 64):
        with pytest.raises(FormatError):
            Checkpoint("o", bad, ROOT)


# ------------------------------------------------------------------------------ properties

_TEXT_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters=[chr(c) for c in range(32) if c != 10]
)
note_texts = st.text(_TEXT_CHARS, max_size=200).map(lambda s: s + "\n")
PROP_SIGNER = NoteSigner("example.org/prop", hashlib.sha256(b"prop").digest())
PROP_TRUST = [PROP_SIGNER.verifier()]


@settings(max_examples=200, deadline=None)
@given(text=note_texts)
def test_sign_then_open_round_trips(text: str) -> None:
    note = PROP_SIGNER.sign(text)
    assert open_note(note, PROP_TRUST) == (text, (PROP_SIGNER.name,))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=note_texts, data=st.data())
def test_any_single_byte_mutation_is_rejected(text: str, data: st.DataObject) -> None:
    # Given a signed note
    raw = PROP_SIGNER.sign(text).encode("utf-8")
    # When one byte is replaced by a different value
    i = data.draw(st.integers(0, len(raw) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != raw[i]))
    mutated = raw[:i] + bytes([value]) + raw[i + 1 :]
    # Then it is rejected, or (never, in practice) yields the very same text
    try:
        opened = open_note(mutated, PROP_TRUST)
    except (FormatError, IntegrityError):
        return
    assert opened.text == text
