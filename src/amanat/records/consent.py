"""What a testimony's consent allows, and which of two consents allows more.

A consent (``docs/format/records.md``, "testimony.recorded") has a level, from the
widest to the narrowest ``CONSENT_LEVELS``: published with the name, published
anonymised, kept for internal use, withdrawn. Each level allows what the narrower ones
do, and withdrawn allows nothing. On top of the level, three uses are ticked or not
(``CONSENT_FLAGS``): a submission to UN bodies, a request to the Kazakh authorities,
the ID numbers published. A withdrawn consent allows none of them, whatever is ticked.

Two rules read these: a change that allows more than before needs the testifier's
word (the staff app's Change consent), and a testimony recorded twice with different
contents is held at what both versions allow (``narrowest``), so an entry forged with a
seized station key cannot widen a consent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amanat.records.changes import CONSENT_LEVELS

__all__ = ["CONSENT_FLAGS", "allows_more", "narrowest"]

CONSENT_FLAGS = ("un", "authorities", "identifiers")
# the levels from the widest (published with the name) to the narrowest (withdrawn)
_WIDTH = {level: n for n, level in enumerate(CONSENT_LEVELS)}
_NARROWEST = len(CONSENT_LEVELS) - 1


def _width(consent: Mapping[str, Any]) -> int:
    # a level this version does not know is read as the narrowest: it allows nothing
    return _WIDTH.get(str(consent.get("level")), _NARROWEST)


def allows_more(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """Whether consent ``new`` allows anything ``old`` did not: a wider level, or a
    use (the UN, the authorities, ID numbers) ticked that was not. Any level but
    withdrawn is wider than withdrawn, and withdrawn allows nothing."""
    if new.get("level") == "withdrawn":
        return False
    if _width(new) < _width(old) or old.get("level") == "withdrawn":
        return True
    return any(new.get(flag) is True and old.get(flag) is not True for flag in CONSENT_FLAGS)


def narrowest(consents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The consent that allows exactly what every one of ``consents`` allows: the
    narrowest level, and a use ticked only where all of them tick it. How and when it
    was given, and its note, are those of the first consent at that level."""
    if not consents:
        raise ValueError("narrowest() needs at least one consent")
    first = min(range(len(consents)), key=lambda n: (-_width(consents[n]), n))
    out = dict(consents[first])
    withdrawn = out.get("level") == "withdrawn"
    for flag in CONSENT_FLAGS:
        narrowed = withdrawn or not all(c.get(flag) is True for c in consents)
        if narrowed and any(flag in c for c in consents):
            out[flag] = False
    return out
