"""The record change format: what ``check_changes`` refuses, and that the builders'
output always passes (docs/format/records.md)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.errors import FormatError, InputError
from amanat.records import build as b
from amanat.records.changes import (
    ACTION_TARGETS,
    CASE_SCHEMA,
    CONTACT_CHANNELS,
    CONTACT_SCHEMA,
    LINK_SCHEMA,
    RELIABILITY,
    RESPONSIBLE,
    REVIEW_SCHEMA,
    SCHEMA,
    SETTLE_SCHEMA,
    STATUSES,
    SUBMITTED_TO,
    UN_ROUTES,
    VIOLATION,
    check_changes,
    detect_script,
    schema_for,
)

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


def _case_change() -> dict[str, Any]:
    return created(
        b.claim("status", b.status("detained", "2018-04", by="police", acknowledged=False), REF),
        b.claim("action", b.action("kz_foreign_ministry", "2018-06", reply="No answer."), REF),
    )


def test_who_is_responsible_and_what_the_family_did_need_the_schema_1_2() -> None:
    """Given a status event with who is believed responsible and a petition the family
    sent, when the entry names the schema 1 or 1.1, then it is refused with the version
    it needs; under 1.2 (what ``record_data`` names for it) it passes."""
    change = _case_change()
    for older in (SCHEMA, LINK_SCHEMA):
        with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.2"):
            check_changes({"schema": older, "changes": [change]}, 0)
    assert schema_for([change]) == CASE_SCHEMA
    assert b.record_data([change])["schema"] == CASE_SCHEMA
    assert check_changes({"schema": CASE_SCHEMA, "changes": [change]}, 0)


def test_an_entry_without_the_new_fields_keeps_the_oldest_schema() -> None:
    """Given changes that use nothing of 1.1 or 1.2, when a writer wraps them, then the
    entry names schema 1, so a desk not yet updated still reads it; a decision alone
    names 1.1; a 1.2 entry may also hold a decision."""
    plain = created(b.claim("status", b.status("detained", "2018"), REF))
    assert b.record_data([plain])["schema"] == SCHEMA
    decision = {
        "op": "link.decided",
        "a": P,
        "b": "p_" + "3" * 32,
        "decision": "same",
        "reason": "one man",
    }
    assert schema_for([plain, decision]) == LINK_SCHEMA
    assert schema_for([decision, _case_change()]) == CASE_SCHEMA
    assert check_changes({"schema": CASE_SCHEMA, "changes": [decision, plain]}, 0)


def _recorded(media: list[Any]) -> dict[str, Any]:
    return {
        "op": "testimony.recorded",
        "testimony": T,
        "persons": [P],
        "testifier": {"relationship": "spouse"},
        "consent": {"level": "internal"},
        "media": media,
    }


def test_who_may_see_a_file_needs_the_schema_1_2_and_a_known_word() -> None:
    """Given a testimony whose ID-card photo is marked sensitive, when checked under
    1.1, then it is refused with the version it needs; under 1.2 it passes; a word
    outside public / restricted / sensitive is refused; a file without one stays 1.
    The testifier's status in Kazakhstan is 1.2 too, from its own list."""
    marked = _recorded([{"file": 0, "visibility": "sensitive"}, {"file": 1}])
    with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.2"):
        check_changes({"schema": LINK_SCHEMA, "changes": [marked]}, 2)
    assert schema_for([marked]) == CASE_SCHEMA
    assert check_changes({"schema": CASE_SCHEMA, "changes": [marked]}, 2)
    wrong = _recorded([{"file": 0, "visibility": "everyone"}])
    with pytest.raises(FormatError, match="visibility must be one of"):
        check_changes({"schema": CASE_SCHEMA, "changes": [wrong]}, 1)
    assert schema_for([_recorded([{"file": 0}])]) == SCHEMA
    kandas = {**_recorded([]), "testifier": {"relationship": "spouse", "kz_status": "kandas"}}
    assert schema_for([kandas]) == CASE_SCHEMA
    assert check_changes({"schema": CASE_SCHEMA, "changes": [kandas]}, 0)
    tourist = {**_recorded([]), "testifier": {"relationship": "spouse", "kz_status": "tourist"}}
    with pytest.raises(FormatError, match="kz_status must be one of"):
        check_changes({"schema": CASE_SCHEMA, "changes": [tourist]}, 0)
    with pytest.raises(FormatError, match="media must be a list"):
        check_changes({"schema": CASE_SCHEMA, "changes": [_recorded("abc")]}, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"status": "detained", "date": "2018", "by": "aliens"}, "by must be one of"),
        ({"status": "detained", "date": "2018", "acknowledged": "yes"}, "true or false"),
    ],
)
def test_a_bad_responsible_or_acknowledged_is_refused(value: dict[str, Any], why: str) -> None:
    change = created({"field": "status", "value": value, "source": REF})
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": CASE_SCHEMA, "changes": [change]}, 0)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"date": "2018"}, "lacks to"),
        ({"to": "the moon"}, "to must be one of"),
        ({"to": "un", "date": "June"}, "date"),
        ({"to": "un", "reply": "x" * 2001}, "reply"),
        ({"to": "un", "colour": "red"}, "unknown fields colour"),
    ],
)
def test_a_malformed_action_is_refused(value: dict[str, Any], why: str) -> None:
    """Given a family's action without whom it went to, or with a bad date or an
    unknown key, when checked, then it is refused with the reason."""
    change = created({"field": "action", "value": value, "source": REF})
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": CASE_SCHEMA, "changes": [change]}, 0)


@given(
    to=st.sampled_from(ACTION_TARGETS),
    by=st.sampled_from(RESPONSIBLE),
    acknowledged=st.sampled_from((None, True, False)),
    year=st.integers(1990, 2025),
    reply=st.text(max_size=80).filter(lambda t: "\x00" not in t),
)
def test_the_case_builders_always_give_valid_changes(
    to: str, by: str, acknowledged: bool | None, year: int, reply: str
) -> None:
    """Given any target, responsible, acknowledgement, year and reply, when the builders
    make the changes, then ``record_data`` names a schema under which they pass."""
    change = created(
        b.claim("status", b.status("in_camp", str(year), by=by, acknowledged=acknowledged), REF),
        b.claim("action", b.action(to, str(year), reply=reply), REF),
    )
    assert check_changes(b.record_data([change]), 0)[0][0] == "person.created"


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


def test_the_last_contact_needs_the_schema_1_3() -> None:
    """Given the last contact a wife had with her husband (a WeChat message in April
    2018), when the entry names any older schema, then it is refused with the version it
    needs, so a desk not yet updated asks to be updated instead of reading half of it;
    under 1.3 (what ``record_data`` names for it) it passes."""
    change = created(
        b.claim("contact", b.contact("2018-04", "message", note="his account was gone"), REF)
    )
    for older in (SCHEMA, LINK_SCHEMA, CASE_SCHEMA):
        with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.3"):
            check_changes({"schema": older, "changes": [change]}, 0)
    assert schema_for([change]) == CONTACT_SCHEMA
    assert b.record_data([change])["schema"] == CONTACT_SCHEMA
    assert schema_for([change, _case_change()]) == CONTACT_SCHEMA
    assert check_changes({"schema": CONTACT_SCHEMA, "changes": [change, _case_change()]}, 0)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"channel": "phone"}, "lacks date"),
        ({"date": "spring"}, "date"),
        ({"date": "2018", "channel": "pigeon"}, "channel must be one of"),
        ({"date": "2018", "note": "x" * 2001}, "note"),
        ({"date": "2018", "note": "a\x00b"}, "NUL"),
        ({"date": "2018", "where": "Ghulja"}, "unknown fields where"),
        ("2018", "must be"),
    ],
)
def test_a_malformed_contact_is_refused(value: Any, why: str) -> None:
    """Given a last contact without a date, with a date that is not one, a way not on
    the list, a note too long or an unknown key, when checked, then it is refused with
    the reason."""
    change = created({"field": "contact", "value": value, "source": REF})
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": CONTACT_SCHEMA, "changes": [change]}, 0)


@given(
    channel=st.sampled_from((None, *CONTACT_CHANNELS)),
    year=st.integers(1990, 2025),
    month=st.integers(1, 12),
    note=st.text(max_size=200).filter(lambda t: "\x00" not in t),
)
def test_the_contact_builder_always_gives_valid_changes(
    channel: str | None, year: int, month: int, note: str
) -> None:
    """Given any way, month and note, when the builder makes a last contact, then
    ``record_data`` names schema 1.3 and the change passes under it."""
    change = created(b.claim("contact", b.contact(f"{month:02d}.{year}", channel, note=note), REF))
    data = b.record_data([change])
    assert data["schema"] == CONTACT_SCHEMA
    assert check_changes(data, 0)[0][0] == "person.created"


def test_assessments_and_submissions_need_the_schema_1_4() -> None:
    """Given a reviewer's assessment and a submission of the case to the UN working
    group, when the entry names any older schema, then it is refused with the version
    it needs; under 1.4 (what ``record_data`` names) it passes."""
    changes = [
        b.assessed(P, "the verdict confirms it", violation="confirmed", un_route="standard"),
        b.submitted(P, "un_wgeid", "2019-09", reference="G/SO 217/1", by="dana"),
    ]
    for change in changes:
        for older in (SCHEMA, LINK_SCHEMA, CASE_SCHEMA, CONTACT_SCHEMA):
            with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.4"):
                check_changes({"schema": older, "changes": [change]}, 0)
    assert b.record_data(changes)["schema"] == REVIEW_SCHEMA
    fix = b.submitted(P, None, None, retract="0123456789abcdef.1", reason="never sent")
    assert check_changes({"schema": REVIEW_SCHEMA, "changes": [fix]}, 0)[0][1] == fix


_ASSESSED = {"op": "person.assessed", "person": P, "reason": "two accounts agree"}
_SUBMITTED = {"op": "person.submitted", "person": P, "to": "un_wgeid", "date": "2019-09"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (_ASSESSED, "assesses nothing"),
        (_ASSESSED | {"violation": "certain"}, "violation must be one of"),
        (_ASSESSED | {"source_reliability": "high"}, "source_reliability must be one of"),
        (_ASSESSED | {"un_route": "fast"}, "un_route must be one of"),
        (_ASSESSED | {"violation": "likely", "reason": " "}, "reason"),
        ({**_ASSESSED, "violation": "likely", "mood": "sad"}, "unknown fields mood"),
        ({"op": "person.assessed", "person": P, "violation": "likely"}, "lacks reason"),
        (_ASSESSED | {"violation": "likely", "by": "x" * 201}, "who assessed"),
        (_SUBMITTED | {"to": "the press"}, "submitted to must be one of"),
        ({"op": "person.submitted", "person": P, "to": "un_wgeid"}, "needs its date"),
        ({"op": "person.submitted", "person": P, "date": "2019"}, "submitted to"),
        (_SUBMITTED | {"date": "autumn"}, "submission date"),
        (_SUBMITTED | {"reference": "x" * 201}, "reference"),
        (_SUBMITTED | {"note": "x" * 2001}, "note"),
        ({"op": "person.submitted", "person": P}, "neither a submission"),
        (_SUBMITTED | {"retract": "0123456789abcdef.1"}, "reason"),
        (_SUBMITTED | {"retract": "p_1", "reason": "typo"}, "submission's identifier"),
        (
            {
                "op": "person.submitted",
                "person": P,
                "retract": "0123456789abcdef.1",
                "reason": "typo",
                "reference": "A/1",
            },
            "belongs to a submission",
        ),
    ],
)
def test_a_malformed_assessment_or_submission_is_refused(change: dict[str, Any], why: str) -> None:
    """Given an assessment that assesses nothing, a word not on a list, no reason, an
    unknown key, a submission without its date or to no known body, a retraction without
    a reason or of no submission, when checked, then it is refused with the reason."""
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": REVIEW_SCHEMA, "changes": [change]}, 0)


_SETTLED = {
    "op": "testimony.settled",
    "testimony": "t_" + "1" * 32,
    "genuine": "0123456789abcdef.0",
    "set_aside": ["fedcba9876543210.2"],
    "reason": "the volunteer who filmed it confirms the first",
}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (_SETTLED | {"set_aside": []}, "at least one set aside"),
        (_SETTLED | {"set_aside": "fedcba9876543210.2"}, "at least one set aside"),
        (_SETTLED | {"genuine": "e_1"}, "versions of the testimony"),
        (_SETTLED | {"set_aside": ["0123456789abcdef.0"]}, "both genuine and set aside"),
        (_SETTLED | {"set_aside": ["fedcba9876543210.2"] * 2}, "set aside twice"),
        (_SETTLED | {"reason": " "}, "reason"),
        ({k: v for k, v in _SETTLED.items() if k != "reason"}, "lacks reason"),
        (_SETTLED | {"testimony": "p_" + "1" * 32}, "testimony must be an identifier"),
    ],
)
def test_a_malformed_settlement_is_refused(change: dict[str, Any], why: str) -> None:
    """Given a settlement of a testimony recorded twice that sets nothing aside, names
    a version badly or twice, or gives no reason, when checked, then it is refused
    with the reason."""
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": SETTLE_SCHEMA, "changes": [change]}, 0)


def test_a_settlement_needs_version_1_5() -> None:
    """Given a valid settlement, when an entry names an older schema, then it is refused
    with the version it needs; ``record_data`` names 1.5 and it passes."""
    with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.5"):
        check_changes({"schema": REVIEW_SCHEMA, "changes": [_SETTLED]}, 0)
    assert b.record_data([_SETTLED])["schema"] == SETTLE_SCHEMA
    assert check_changes(b.record_data([_SETTLED]), 0)[0][1] == _SETTLED


@given(
    source=st.sampled_from((None, *RELIABILITY)),
    information=st.sampled_from((None, *RELIABILITY)),
    violation=st.sampled_from((None, *VIOLATION)),
    route=st.sampled_from((None, *UN_ROUTES)),
    reason=st.text(min_size=1, max_size=300).filter(lambda t: t.strip() and "\x00" not in t),
)
def test_the_assessment_builder_gives_valid_changes(
    source: str | None,
    information: str | None,
    violation: str | None,
    route: str | None,
    reason: str,
) -> None:
    """Given any aspects and reason, when the builder makes an assessment, then it
    passes under 1.4 if it assesses something, and is refused with one sentence if not."""
    change = b.assessed(
        P,
        reason,
        source_reliability=source,
        information_reliability=information,
        violation=violation,
        un_route=route,
    )
    if source or information or violation or route:
        assert b.record_data([change])["schema"] == REVIEW_SCHEMA
    else:
        with pytest.raises(InputError, match="assesses nothing"):
            b.record_data([change])


@given(
    to=st.sampled_from(SUBMITTED_TO),
    year=st.integers(1990, 2025),
    reference=st.text(max_size=200).filter(lambda t: "\x00" not in t),
    note=st.text(max_size=500).filter(lambda t: "\x00" not in t),
)
def test_the_submission_builder_always_gives_valid_changes(
    to: str, year: int, reference: str, note: str
) -> None:
    """Given any body, year, reference and note, when the builder makes a submission,
    then ``record_data`` names 1.4 and the change passes under it."""
    change = b.submitted(P, to, str(year), reference=reference, note=note)
    assert b.record_data([change])["schema"] == REVIEW_SCHEMA


@given(
    by=st.booleans(),
    acknowledged=st.booleans(),
    action=st.booleans(),
    visibility=st.booleans(),
    kz_status=st.booleans(),
    decision=st.booleans(),
    contact=st.booleans(),
    review=st.booleans(),
)
def test_an_entry_names_exactly_the_oldest_schema_it_needs(
    by: bool,
    acknowledged: bool,
    action: bool,
    visibility: bool,
    kz_status: bool,
    decision: bool,
    contact: bool,
    review: bool,
) -> None:
    """Given an entry using any mix of what versions 1.1 to 1.4 added, when a
    writer names its schema, then the entry passes under that schema and is refused
    under every older one: an older desk never reads half of it."""
    testifier: dict[str, Any] = {"relationship": "spouse"}
    if kz_status:
        testifier["kz_status"] = "citizen"
    media: dict[str, Any] = {"file": 0}
    if visibility:
        media["visibility"] = "sensitive"
    recorded = {**_recorded([media]), "testifier": testifier}
    status = b.status(
        "detained", "2018", by="police" if by else None, acknowledged=True if acknowledged else None
    )
    claims = [b.claim("status", status, REF)]
    if action:
        claims.append(b.claim("action", b.action("un", "2019"), REF))
    if contact:
        claims.append(b.claim("contact", b.contact("2018", "phone"), REF))
    changes: list[dict[str, Any]] = [recorded, created(*claims)]
    if decision:
        changes.append(
            {"op": "link.decided", "a": P, "b": "p_" + "3" * 32, "decision": "same", "reason": "x"}
        )
    if review:
        changes.append(b.assessed(P, "two accounts agree", violation="likely"))
    named = schema_for(changes)
    needs_12 = by or acknowledged or action or visibility or kz_status
    assert named == (
        REVIEW_SCHEMA
        if review
        else CONTACT_SCHEMA
        if contact
        else CASE_SCHEMA
        if needs_12
        else LINK_SCHEMA
        if decision
        else SCHEMA
    )
    assert check_changes({"schema": named, "changes": changes}, 1)
    versions = (SCHEMA, LINK_SCHEMA, CASE_SCHEMA, CONTACT_SCHEMA, REVIEW_SCHEMA)
    older = versions[: versions.index(named)]
    for schema in older:
        with pytest.raises(FormatError, match="needs the schema"):
            check_changes({"schema": schema, "changes": changes}, 1)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"media": -1, "visibility": "sensitive", "reason": "ID card"}, "position of a file"),
        ({"media": True, "visibility": "sensitive", "reason": "ID card"}, "position of a file"),
        ({"media": 0, "visibility": "everyone", "reason": "ID card"}, "visibility must be one"),
        ({"media": 0, "visibility": "sensitive", "reason": " "}, "reason"),
        ({"media": 0, "visibility": "sensitive"}, "lacks reason"),
    ],
)
def test_a_malformed_visibility_change_is_refused(body: dict[str, Any], why: str) -> None:
    """Given a change of who may see a file with a bad position, an unknown word or no
    reason, when checked, then it is refused with the reason."""
    change = {"op": "testimony.visibility_changed", "testimony": T, **body}
    with pytest.raises(FormatError, match=why):
        check_changes({"schema": CASE_SCHEMA, "changes": [change]}, 0)


def test_a_visibility_change_needs_the_schema_1_2() -> None:
    change = {
        "op": "testimony.visibility_changed",
        "testimony": T,
        "media": 0,
        "visibility": "sensitive",
        "reason": "it is the ID card",
    }
    assert schema_for([change]) == CASE_SCHEMA
    assert check_changes(b.record_data([change]), 0)
    with pytest.raises(FormatError, match=r"needs the schema amanat\.records/1\.2"):
        check_changes({"schema": LINK_SCHEMA, "changes": [change]}, 0)
