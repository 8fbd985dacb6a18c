"""The record change format: what ``check_changes`` refuses, and that the builders'
output always passes (docs/format/records.md)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.errors import FormatError, InputError
from amanat.records import build as b
from amanat.records.changes import SCHEMA, STATUSES, check_changes, detect_script

P = "p_" + "1" * 32
T = "t_" + "2" * 32
REF = {"testimony": T}


def data(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"schema": SCHEMA, "changes": list(changes)}


def created(*claims: dict[str, Any]) -> dict[str, Any]:
    return {"op": "person.created", "person": P, "claims": list(claims)}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"op": "person.deleted", "person": P}, "unknown op"),
        ({"op": "person.created", "claims": []}, "lacks person"),
        ({"op": "person.created", "person": P, "claims": [], "colour": 1}, "unknown fields colour"),
        ({"op": "person.created", "person": "p_XYZ", "claims": []}, "identifier"),
        (created({"field": "height", "value": 1, "source": REF}), "field must be one of"),
        (created({"field": "sex", "value": "x", "source": REF}), "must be one of"),
        (created({"field": "sex", "value": "male", "source": {}}), "exactly one testimony"),
        (created({"field": "birth", "value": "12.04.1980", "source": REF}), "canonical form"),
        (created({"field": "birth", "value": "1980-02-31", "source": REF}), "change 0"),
        (
            created(
                {
                    "field": "document",
                    "value": {"kind": "cn_resident_id", "number": "650102198001010013"},
                    "source": REF,
                }
            ),
            "mistyped",
        ),
        (created({"field": "photo", "value": {"file": 0}, "source": REF}), "does not hold"),
        (
            created({"field": "name", "value": {"text": " ", "script": "Latn"}, "source": REF}),
            "empty",
        ),
        (
            created(
                {"field": "name", "value": {"text": "a\x00b", "script": "Latn"}, "source": REF}
            ),
            "NUL",
        ),
        (
            {"op": "person.corrected", "person": P, "claims": [], "retract": ["0" * 16 + ".0.0"]},
            "reason",
        ),
        ({"op": "person.amended", "person": P, "claims": []}, "changes nothing"),
        (
            {"op": "person.amended", "person": P, "claims": [], "retract": ["../etc"]},
            "claim identifiers",
        ),
        (
            {"op": "place.added", "place": "user:../x", "kind": "village", "names": {"kk": "A"}},
            "user:",
        ),
        (
            {
                "op": "place.added",
                "place": "user:a",
                "kind": "village",
                "names": {"kk": "A"},
                "lat": 44.2,
                "lon": "80.1",
            },
            "decimal number",
        ),
    ],
)
def test_malformed_changes_are_refused_with_the_reason(change: dict[str, Any], why: str) -> None:
    """Given a change that breaks the format, when checked, then a FormatError says why."""
    with pytest.raises(FormatError, match=why):
        check_changes(data(change), n_files=0)


def test_entry_shape_is_checked() -> None:
    with pytest.raises(FormatError, match="schema"):
        check_changes({"schema": "amanat.records/99", "changes": [created()]}, 0)
    with pytest.raises(FormatError, match="between 1 and"):
        check_changes(data(), 0)
    with pytest.raises(FormatError, match="exactly a schema"):
        check_changes({"changes": []}, 0)


@given(
    text=st.text(min_size=1, max_size=60).filter(lambda t: t.strip() and "\x00" not in t),
    status=st.sampled_from(STATUSES),
    year=st.integers(1900, 2025),
)
def test_builders_always_give_valid_changes(text: str, status: str, year: int) -> None:
    """Given any name a volunteer types and any status and year, when the builders make
    the change, then it passes the check the projection will apply."""
    try:
        name = b.name(text)
    except InputError:
        return
    change = created(
        b.claim("name", name, REF),
        b.claim("status", b.status(status, str(year)), REF),
        b.claim("birth", b.date_text(str(year)), REF),
    )
    assert check_changes(b.record_data([change]), 0)[0][0] == "person.created"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Серікжан Білаш", "Cyrl"),
        ("Serikzhan Bilash", "Latn"),
        ("Serikžan Bılaş", "Latn"),
        ("赛力克江", "Hani"),
        ("سېرىكجان", "Arab"),
        ("1980", "Zyyy"),
    ],
)
def test_script_hint(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_record_data_turns_a_bad_change_into_one_sentence() -> None:
    with pytest.raises(InputError, match="this change cannot be recorded"):
        b.record_data([{"op": "nonsense"}])
