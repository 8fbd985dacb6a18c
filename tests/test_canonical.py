"""Canonical JSON decoding: one value, one encoding; anything else is a FormatError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.errors import FormatError
from amanat.vault import canonical

_SAFE = canonical.MAX_SAFE_INT
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-_SAFE, _SAFE) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip(value: Any) -> None:
    """Given any value JSON holds exactly, then decode(encode(v)) gives it back."""
    assert canonical.decode(canonical.encode(value)) == value


@given(st.binary(max_size=200))
def test_any_bytes_decode_only_if_canonical(data: bytes) -> None:
    """Given any bytes, when decoded, then either a FormatError, or a value that encodes
    back to exactly those bytes."""
    try:
        value = canonical.decode(data)
    except FormatError:
        return
    assert canonical.encode(value) == data


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'"\\ud800"', "not valid Unicode"),
        (b"9007199254740992", "too large"),
        (b"-9007199254740992", "too large"),
        (b"1.5", "fractional"),
        (b"NaN", "NaN"),
        (b'{"a":1,"a":1}', "canonical form"),
        (b'{"a":1,"a":2}', "canonical form"),
        (b'{"a":{"b":1,"b":1}}', "canonical form"),
        (b'{"b":1,"a":2}', "canonical form"),
        (b'{"a": 1}', "canonical form"),
        (b'"\\u0041"', "canonical form"),
        (b"\xff", "not valid JSON"),
    ],
)
def test_non_canonical_input_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        canonical.decode(data)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (1.5, "fractional"),
        ({"a": [1, {"b": 0.1}]}, "fractional"),
        (2**53, "too large"),
        ([-(2**53)], "too large"),
        ({1: "a"}, "keys must be text"),
        ({"a": {(1, 2): 1}}, "keys must be text"),
        ("\ud800", "not valid Unicode"),
        ({"a": ["ok", "\udfff"]}, "not valid Unicode"),
        (b"bytes", "type bytes"),
        ({"a": {1, 2}}, "type set"),
        (float("nan"), "fractional"),
    ],
)
def test_encode_refuses_what_json_cannot_hold(value: Any, why: str) -> None:
    """Given a value JSON cannot hold exactly, when encoded, then a FormatError says why."""
    with pytest.raises(FormatError, match=why):
        canonical.encode(value)


def test_encode_takes_tuples_and_subclasses_as_their_json() -> None:
    import collections
    import enum

    class Level(enum.IntEnum):
        ONE = 1

    value = {"t": (1, "a"), "o": collections.OrderedDict(b=1, a=2), "e": Level.ONE}
    assert canonical.encode(value) == b'{"e":1,"o":{"a":2,"b":1},"t":[1,"a"]}'
