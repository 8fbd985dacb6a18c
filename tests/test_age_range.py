"""Random access to sealed files (``crypto.AgeRangeReader``), against ``pyrage``.

The staff app's media player asks for byte ranges of a sealed video; the reader opens
only the chunks covering a range. Given files written by our own encryptor, the
properties hold every range equal to the same slice of the whole decryption by
``pyrage`` (a reader we did not write), and every changed byte the reader reads is
refused, while a changed byte in a chunk it does not read leaves the range as it was.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from amanat.errors import FormatError, KeyError_
from amanat.vault.crypto import (
    AGE_CHUNK,
    AgeRangeReader,
    age_decrypt_bytes,
    age_encrypt_bytes,
    age_header_length,
    age_rewrap_header,
    recipient_of,
    x25519_new_identity,
)

IDENTITY = x25519_new_identity()
OTHER = x25519_new_identity()
SEALED = AGE_CHUNK + 16

# Sizes around the chunk boundaries, where off-by-one mistakes live.
SIZES = st.one_of(
    st.integers(0, 3 * AGE_CHUNK + 100),
    st.sampled_from([0, 1, AGE_CHUNK - 1, AGE_CHUNK, AGE_CHUNK + 1, 2 * AGE_CHUNK, 3 * AGE_CHUNK]),
)


def _reader(data: bytes, identities: list[str] | None = None, **kw: bytes) -> AgeRangeReader:
    return AgeRangeReader(
        lambda at, n: data[at : at + n], len(data), identities or [IDENTITY], **kw
    )


def _sealed(size: int, seed: int) -> tuple[bytes, bytes]:
    plain = (seed.to_bytes(4, "big") * (size // 4 + 1))[:size]
    plain = bytes((b + i) % 251 for i, b in enumerate(plain))
    return plain, age_encrypt_bytes(plain, [recipient_of(OTHER), recipient_of(IDENTITY)])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(size=SIZES, seed=st.integers(0, 2**32 - 1), data=st.data())
def test_any_range_is_the_same_slice_of_the_whole_decryption(
    size: int, seed: int, data: st.DataObject
) -> None:
    """Given a file of any size sealed to two recipients, when any range is read, then
    it equals that slice of pyrage's whole decryption, and the size is the plaintext's."""
    plain, sealed = _sealed(size, seed)
    whole = age_decrypt_bytes(sealed, [IDENTITY])
    assert whole == plain
    reader = _reader(sealed)
    assert reader.size == size
    start = data.draw(st.integers(0, size))
    end = data.draw(st.integers(start, size))
    block = data.draw(st.integers(1, 4))
    pieces = list(reader.read(start, end, block=block))
    assert b"".join(pieces) == whole[start:end]
    assert all(len(p) <= block * AGE_CHUNK for p in pieces)


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(1, 3 * AGE_CHUNK + 100),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_a_flipped_byte_is_refused_where_it_is_read(
    size: int, seed: int, data: st.DataObject
) -> None:
    """Given a sealed file with one byte changed, when a range is read, then the reader
    refuses it if the byte is in the header, the payload nonce, the final chunk or a
    chunk the range covers; otherwise the range comes back exactly as sealed (only the
    covering chunks are opened)."""
    plain, sealed = _sealed(size, seed)
    at = data.draw(st.integers(0, len(sealed) - 1))
    flip = data.draw(st.integers(1, 255))
    bad = bytearray(sealed)
    bad[at] ^= flip
    start = data.draw(st.integers(0, size - 1))
    end = data.draw(st.integers(start + 1, size))
    payload = age_header_length(sealed) + 16
    chunks = -(-(len(sealed) - payload) // SEALED)
    chunk = (at - payload) // SEALED if at >= payload else -1
    covered = (
        chunk < 0 or chunk == chunks - 1 or start // AGE_CHUNK <= chunk <= (end - 1) // AGE_CHUNK
    )
    if covered:
        with pytest.raises((FormatError, KeyError_)):
            b"".join(_reader(bytes(bad)).read(start, end))
    else:
        assert b"".join(_reader(bytes(bad)).read(start, end)) == plain[start:end]


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(size=SIZES, cut=st.integers(1, 3 * SEALED))
def test_a_shortened_file_is_refused(size: int, cut: int) -> None:
    """Given a sealed file with its end cut off (at a chunk boundary or not), when it is
    opened, then it is refused: the final chunk no longer carries the last flag."""
    _, sealed = _sealed(size, 7)
    assume(cut < len(sealed) - age_header_length(sealed))
    with pytest.raises(FormatError):
        _reader(sealed[:-cut])


def test_a_file_grown_by_a_chunk_is_refused() -> None:
    """Given a sealed file with a copy of its first chunk appended, when it is opened,
    then it is refused (the chunk's number and flag are in its nonce)."""
    _, sealed = _sealed(3 * AGE_CHUNK, 1)
    start = age_header_length(sealed) + 16
    with pytest.raises(FormatError):
        _reader(sealed + sealed[start : start + SEALED])


def test_a_file_for_someone_else_does_not_open() -> None:
    """Given a file sealed to another identity only, then opening it raises KeyError_."""
    sealed = age_encrypt_bytes(b"x" * 1000, [recipient_of(OTHER)])
    with pytest.raises(KeyError_):
        _reader(sealed)


def test_a_rewrapped_header_opens_the_unchanged_payload() -> None:
    """Given a file sealed to another identity, and a header rewrapped to ours (a
    restored desk's rekey), when read with that header, then the plaintext comes back;
    and a rekey header with a changed MAC is refused."""
    plain = bytes(range(256)) * 700
    sealed = age_encrypt_bytes(plain, [recipient_of(OTHER)])
    header = sealed[: age_header_length(sealed)]
    rekey = age_rewrap_header(header, OTHER, [recipient_of(IDENTITY)])
    reader = _reader(sealed, header=rekey)
    assert b"".join(reader.read(1000, 150_000)) == plain[1000:150_000]
    forged = rekey[:-3] + (b"A" if rekey[-3:-2] != b"A" else b"B") + rekey[-2:]
    with pytest.raises(FormatError):
        _reader(sealed, header=forged)


def test_not_an_age_file_is_refused() -> None:
    """Given bytes that are no age file, then opening them raises FormatError."""
    with pytest.raises(FormatError):
        _reader(b"hello, this is not sealed\n" * 10)
