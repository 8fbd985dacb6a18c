"""Builders for record changes: what writers (intake, import, desk edits, demo) call.

Each builder takes values as a person typed them, normalises them (an ID without
spaces, a date in its canonical spelling, a name with its script) and returns the
plain dict that ``check_changes`` accepts. ``record_data`` wraps changes for sealing
and checks them once more, so a writer cannot seal a change a projection would refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from amanat.errors import FormatError, InputError
from amanat.records.changes import check_changes, detect_script, schema_for
from amanat.records.dates import PartialDate
from amanat.records.ids import KazakhIin, PassportNumber, ResidentId

__all__ = [
    "action",
    "claim",
    "contact",
    "date_text",
    "document",
    "name",
    "place_ref",
    "record_data",
    "source_ref",
    "status",
]


def source_ref(
    *, testimony: str | None = None, source: str | None = None, locator: str | None = None
) -> dict[str, Any]:
    if (testimony is None) == (source is None):
        raise ValueError("a claim cites exactly one testimony or source")
    ref: dict[str, Any] = {"testimony": testimony} if testimony else {"source": source}
    if locator:
        ref["locator"] = locator
    return ref


def claim(field: str, value: Any, source: dict[str, Any]) -> dict[str, Any]:
    return {"field": field, "value": value, "source": source}


def name(text: str, *, language: str | None = None, form: str | None = None) -> dict[str, Any]:
    text = " ".join(text.split())
    if not text:
        raise InputError("the name is empty.")
    value: dict[str, Any] = {"text": text, "script": detect_script(text)}
    if language:
        value["language"] = language
    if form:
        value["form"] = form
    return value


def date_text(value: PartialDate | str, *, today: dt.date | None = None) -> str:
    """The canonical spelling of a date as typed ("04.2018", "2017..2018", …)."""
    if isinstance(value, PartialDate):
        return value.to_text()
    return PartialDate.parse(value, today=today or dt.date.today()).to_text()


def document(
    kind: str, number: str, *, country: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """An identity document, validated and normalised; InputError says what is wrong."""
    if kind == "cn_resident_id":
        return {"kind": kind, "number": ResidentId.decode(number, today=today).number}
    if kind == "kz_iin":
        return {"kind": kind, "number": KazakhIin.decode(number, today=today).number}
    if kind == "passport":
        passport = PassportNumber.decode(country or "", number)
        return {"kind": kind, "number": passport.number, "country": passport.country}
    text = " ".join(number.split())
    if not text or len(text) > 64:
        raise InputError("a document number is between 1 and 64 characters.")
    return {"kind": "other", "number": text}


def place_ref(code: str | None = None, text: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {}
    if code:
        ref["place"] = code
    if text and text.strip():
        ref["text"] = " ".join(text.split())
    if not ref:
        raise InputError("give a place, by name or from the list.")
    return ref


def status(
    kind: str,
    when: PartialDate | str,
    *,
    place: dict[str, Any] | None = None,
    term: str | None = None,
    charge: str | None = None,
    note: str | None = None,
    by: str | None = None,
    acknowledged: bool | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A status event; ``by`` (who is believed responsible) and ``acknowledged``
    (whether the authorities admit it) need the schema 1.2, which ``record_data``
    names when they are given."""
    value: dict[str, Any] = {"status": kind, "date": date_text(when, today=today)}
    if place:
        value["place"] = place
    for key, text in (("term", term), ("charge", charge), ("note", note)):
        if text and text.strip():
            value[key] = text.strip()
    if by:
        value["by"] = by
    if acknowledged is not None:
        value["acknowledged"] = acknowledged
    return value


def action(
    to: str,
    when: PartialDate | str | None = None,
    *,
    reply: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What the family did (a petition, a letter, an appeal): to whom, when, and the
    reply if one came (schema 1.2)."""
    value: dict[str, Any] = {"to": to}
    if when is not None and (not isinstance(when, str) or when.strip()):
        value["date"] = date_text(when, today=today)
    for key, text in (("reply", reply), ("note", note)):
        if text and text.strip():
            value[key] = text.strip()
    return value


def contact(
    when: PartialDate | str,
    channel: str | None = None,
    *,
    note: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The last contact a relative had with the person: when, how, and what was said
    of it (schema 1.3)."""
    value: dict[str, Any] = {"date": date_text(when, today=today)}
    if channel:
        value["channel"] = channel
    if note and note.strip():
        value["note"] = note.strip()
    return value


def assessed(
    person: str, reason: str, *, by: str | None = None, **aspects: str | None
) -> dict[str, Any]:
    """A ``person.assessed`` change (schema 1.4): a reviewer's assessment of a record,
    the aspects given (``source_reliability``, ``information_reliability``,
    ``violation``, ``un_route``) and what it rests on."""
    change: dict[str, Any] = {"op": "person.assessed", "person": person}
    change.update({k: v for k, v in aspects.items() if v})
    change["reason"] = " ".join(reason.split())
    if by:
        change["by"] = by
    return change


def submitted(
    person: str,
    to: str | None,
    when: PartialDate | str | None,
    *,
    reference: str | None = None,
    note: str | None = None,
    by: str | None = None,
    retract: str | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A ``person.submitted`` change (schema 1.4): the group submitted the case to
    ``to`` on ``when``, with the reference it was given. ``retract`` (a submission's
    id, with a ``reason``) takes back one recorded by mistake; with ``to`` too, the
    change corrects it. ``to`` None and ``retract`` given: the submission was never
    made."""
    change: dict[str, Any] = {"op": "person.submitted", "person": person}
    if to is not None:
        change["to"] = to
        if when is not None:
            change["date"] = date_text(when, today=today)
        for key, text in (("reference", reference), ("note", note)):
            if text and text.strip():
                change[key] = " ".join(text.split()) if key == "reference" else text.strip()
    if retract:
        change["retract"] = retract
    if reason and reason.strip():
        change["reason"] = " ".join(reason.split())
    if by:
        change["by"] = by
    return change


def record_data(changes: Sequence[dict[str, Any]], n_files: int = 0) -> dict[str, Any]:
    """The ``data`` of a record entry, checked as a projection will check it."""
    data = {"schema": schema_for(changes), "changes": list(changes)}
    try:
        check_changes(data, n_files)
    except FormatError as exc:
        raise InputError("this change cannot be recorded: %(reason)s", reason=exc) from None
    return data
