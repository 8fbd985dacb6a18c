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

from amanat.errors import FormatError, Words

__all__ = ["MAX_SAFE_INT", "decode", "encode"]

MAX_SAFE_INT = 2**53 - 1


def _check(value: Any) -> None:
    """Refuse what JSON cannot hold exactly: floats, integers beyond ±(2^53 − 1),
    non-text keys, other types. Lone surrogates are refused by ``encode`` itself, when
    the text is turned into UTF-8. A loop, not recursion: a large entry holds some
    hundred thousand values, and this walk was most of the time of encoding it."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -MAX_SAFE_INT <= item <= MAX_SAFE_INT:
                raise FormatError("A number in this record is too large.")
        elif kind is dict:
            for key in item:
                if type(key) is not str:
                    raise FormatError("Record keys must be text.")
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif isinstance(item, float):
            raise FormatError("Records hold no fractional numbers; store them as text.")
        elif isinstance(item, str):  # a subclass, e.g. a StrEnum
            continue
        elif isinstance(item, int):  # a subclass, e.g. an IntEnum
            stack.append(int(item))
        elif isinstance(item, dict):  # a subclass, e.g. an OrderedDict
            stack.append(dict(item))
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            raise FormatError("A record cannot hold a value of type %(kind)s.", kind=kind.__name__)


def encode(value: Any) -> bytes:
    """Encode ``value`` canonically. Raises ``FormatError`` for values JSON cannot hold
    exactly (floats, huge integers, lone surrogates)."""
    _check(value)
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError("A text field holds characters that are not valid Unicode.") from None


def _no_float(text: str) -> Any:
    raise FormatError("Records hold no fractional numbers.")


def _no_constant(text: str) -> Any:
    raise FormatError("Records hold no NaN or Infinity.")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INT:
        raise FormatError("A number in this record is too large.")
    return value


# what a document is when its caller does not say
RECORD = Words("record")


def decode(data: bytes, *, what: Words = RECORD) -> Any:
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
        raise FormatError("This %(what)s is not valid: %(reason)s", what=what, reason=exc) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatError("This %(what)s is not valid JSON.", what=what) from None
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
            "This %(what)s is not valid: a text field holds characters that are not valid Unicode.",
            what=what,
        ) from None
    if again != data:
        raise FormatError(
            "This %(what)s is not in canonical form (it was altered or re-encoded).", what=what
        )
    return value
