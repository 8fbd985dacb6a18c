"""Canonical JSON: the one byte encoding of every signed or hashed structure.

Rules (``docs/format/vault.md``, "Canonical JSON"): UTF-8, object keys sorted by
code point, no insignificant whitespace, no floats, integers within ±(2^53 − 1),
strings without lone surrogates, no duplicate keys. A reader parses *and* re-encodes;
input whose re-encoding differs by a single byte is refused, so one value has exactly
one encoding and a flipped byte can never be "the same" entry.
"""

from __future__ import annotations

import json
from typing import Any

from amanat.errors import FormatError

__all__ = ["MAX_SAFE_INT", "decode", "encode"]

MAX_SAFE_INT = 2**53 - 1


def _check(value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise FormatError("A number in this record is too large.")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError("A text field holds characters that are not valid Unicode.") from None
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FormatError("Record keys must be text.")
            _check(key)
            _check(item)
        return
    if isinstance(value, float):
        raise FormatError("Records hold no fractional numbers; store them as text.")
    raise FormatError(f"A record cannot hold a value of type {type(value).__name__}.")


def encode(value: Any) -> bytes:
    """Encode ``value`` canonically. Raises ``FormatError`` for values JSON cannot hold
    exactly (floats, huge integers, lone surrogates)."""
    _check(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _no_float(text: str) -> Any:
    raise FormatError("Records hold no fractional numbers.")


def _no_constant(text: str) -> Any:
    raise FormatError("Records hold no NaN or Infinity.")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INT:
        raise FormatError("A number in this record is too large.")
    return value


def decode(data: bytes, *, what: str = "record") -> Any:
    """Parse canonical JSON, refusing anything that is not byte-for-byte canonical."""
    try:
        text = data.decode("utf-8")
        # No duplicate-key hook: a repeated key parses to one entry, so the re-encoding
        # below is shorter than the input and is refused; a Python call per object was
        # a third of the time of opening a large entry.
        value = json.loads(
            text,
            parse_float=_no_float,
            parse_constant=_no_constant,
            parse_int=_safe_int,
        )
    except FormatError as exc:
        raise FormatError(f"This {what} is not valid: {exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatError(f"This {what} is not valid JSON.") from None
    # What ``encode`` checks is already guaranteed here: the hooks refused floats,
    # constants and unsafe integers, JSON keys are text, and a lone surrogate (possible
    # only through a \u escape) cannot be encoded back to UTF-8. So the re-encoding skips
    # the walk over the value, a third of the time of opening a small entry.
    try:
        again = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError(
            f"This {what} is not valid: a text field holds characters that are not valid Unicode."
        ) from None
    if again != data:
        raise FormatError(f"This {what} is not in canonical form (it was altered or re-encoded).")
    return value
