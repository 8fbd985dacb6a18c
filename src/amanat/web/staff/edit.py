"""Edit forms on the person page: add a value, or correct one, as new sealed changes.

Nothing is edited in place (docs/format/records.md): adding a value seals a
``person.amended`` change with one claim, and correcting a value seals a
``person.corrected`` change that retracts the claim with a required reason and, if
given, claims the right value instead. Every claim cites a testimony or source already
concerning the person, with an optional locator ("row 17", "00:12:30"). The change is
sealed by the desk and projected at once (``Desk.seal_records``), so the person page
shows it on return; the audit trail records ``record.edit`` with the person's id.

Who may edit: researchers and the roles above them (``EDIT_ROLES``). What was typed is
checked field by field with one sentence each, within the record format's limits; a
form with a mistake seals nothing and comes back with what was typed.

    GET  /persons/{id}/amend?field=F     the form for one field (no name in the address)
    POST /persons/{id}/amend             seal person.amended
    GET  /persons/{id}/correct?claim=C   the form to correct claim C
    POST /persons/{id}/correct           seal person.corrected
    GET  /persons/{id}/visibility?testimony=T&media=N   who may see a testimony's file
    POST /persons/{id}/visibility        seal testimony.visibility_changed (with a reason)
    GET  /persons/{id}/consent?testimony=T   the testifier's consent to one testimony
    POST /persons/{id}/consent           seal testimony.consent_changed (with a reason)
    GET  /persons/{id}/link-testimony    the testimonies linked to no person, this
                                         person's names in their titles first
    POST /persons/{id}/link-testimony    find titles by the words typed (``find``), or
                                         seal testimony.linked (with a reason)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.desk import Desk
from amanat.desk.service import Batch
from amanat.errors import InputError, NotFound
from amanat.records import build as b
from amanat.records.changes import (
    ACTION_TARGETS,
    CONSENT_HOW,
    CONSENT_LEVELS,
    CONTACT_CHANNELS,
    DOCUMENT_KINDS,
    ETHNICITIES,
    MAX_SHORT,
    MAX_TEXT,
    NAME_FORMS,
    RELATIONS,
    RESPONSIBLE,
    STATUSES,
    VISIBILITIES,
)
from amanat.records.consent import CONSENT_FLAGS, allows_more
from amanat.views.read import PersonDetail
from amanat.web.labels import ACTION_TARGETS as TARGET_LABELS
from amanat.web.labels import CONTACT_CHANNELS as CHANNEL_LABELS
from amanat.web.labels import DOCUMENTS, ETHNICITY, FIELDS, RELATIONSHIPS, SEX, STATUS
from amanat.web.labels import NAME_FORMS as NAME_FORM_LABELS
from amanat.web.labels import RESPONSIBLE as RESPONSIBLE_LABELS
from amanat.web.labels import VISIBILITY as VISIBILITY_LABELS
from amanat.web.staff.intake import ACKNOWLEDGED
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = ["EDITABLE", "EDIT_ROLES", "build_claim"]

EDIT_ROLES = frozenset({"researcher", "reviewer", "publisher", "admin"})


def N_(message: str) -> str:
    """Mark a message for the catalogues; templates translate it."""
    return message


# the fields a person may correct or add to: those of labels.FIELDS but the photo
FIELD_LABELS: Mapping[str, str] = {k: v for k, v in FIELDS.items() if k != "photo"}
EDITABLE = tuple(FIELD_LABELS)
DOCUMENT_LABELS = DOCUMENTS

# The most characters each input may hold: the record format's own limits.
LIMITS: Mapping[str, int] = {
    "value": MAX_SHORT,
    "name_form": 20,
    "kind": 20,
    "country": 10,
    "status": 20,
    "by": 20,
    "acknowledged": 10,
    "to": 30,
    "reply": MAX_SHORT,
    "channel": 20,
    "relation": 20,
    "place": MAX_SHORT,
    "note": MAX_TEXT,
    "source": 40,
    "locator": 200,
    "reason": MAX_SHORT,
    "field": 20,
    "claim": 40,
    "testimony": 40,
    "media": 6,
    "visibility": 20,
    "level": 20,
    "how": 20,
    "given": 64,
    "confirm": 1,
    "words": MAX_SHORT,
    "find": 1,
}
NAME_LIMIT = 300
TOO_LONG = N_("This is longer than %(num)d characters; shorten it.")
NUL = N_("This contains a NUL character; remove it.")
CHOOSE = N_("Choose one from the list.")
REQUIRED = N_("Fill this in.")
WHICH_SOURCE = N_("Choose the testimony or source this comes from.")
COUNTRY = N_("Write the two-letter country code, such as CN or KZ.")
REASON = N_("Say why the value is wrong.")
WHY_VISIBILITY = N_("Say why who may see this file changes.")
WHY_CONSENT = N_("Say why the consent changes: who asked for it, and how.")
HOW_CONSENT = N_("Choose how the testifier gave this consent.")
SAME_CONSENT = N_("This is the consent already recorded. Change something, or cancel.")
WHY_LINK = N_("Say how you know this testimony is about this person.")
WHICH_TESTIMONY = N_("Choose the testimony that is about this person.")
CONFIRM_WIDER = N_(
    "This allows more than the consent recorded now. Tick the box only if the testifier "
    "gave this wider consent."
)
_CLAIM = re.compile(r"^[0-9a-f]{16}\.\d{1,5}\.\d{1,5}$")

Errors = dict[str, tuple[str, dict[str, Any]]]


class FormProblem(Exception):
    def __init__(self, errors: Errors) -> None:
        super().__init__(*errors)  # the fields at fault
        self.errors = errors


def _text(form: Mapping[str, str], name: str) -> str:
    return str(form.get(name, ""))


def _limits(form: Mapping[str, str]) -> Errors:
    errors: Errors = {}
    for name, limit in LIMITS.items():
        value = _text(form, name)
        if len(value) > limit:
            errors[name] = (TOO_LONG, {"num": limit})
        elif "\x00" in value:
            errors[name] = (NUL, {})
    return errors


def _sentence(exc: InputError) -> tuple[str, dict[str, Any]]:
    """A record layer's message as a sentence, ``%`` doubled: templates format messages."""
    text = exc.message.replace("%", "%%")
    return (text[:1].upper() + text[1:], {})


def source_ref(form: Mapping[str, str], detail: PersonDetail) -> dict[str, Any]:
    """The testimony or source a claim cites: one already concerning this person."""
    chosen = _text(form, "source").strip()
    known = {t["testimony_id"] for t in detail.testimonies} | {
        s["source_id"] for s in detail.sources
    }
    if chosen not in known:
        raise FormProblem({"source": (WHICH_SOURCE, {})})
    locator = " ".join(_text(form, "locator").split())
    if chosen.startswith("t_"):
        return b.source_ref(testimony=chosen, locator=locator or None)
    return b.source_ref(source=chosen, locator=locator or None)


def _value(field: str, form: Mapping[str, str], today: dt.date) -> Any:
    """The claim's value for ``field`` from what was typed; ``FormProblem`` if wrong."""
    value = _text(form, "value").strip()

    def need(name: str, options: tuple[str, ...] | list[str]) -> str:
        got = _text(form, name).strip()
        if got not in options:
            raise FormProblem({name: (CHOOSE, {})})
        return got

    try:
        if field in ("sex", "ethnicity"):
            return need("value", ("male", "female") if field == "sex" else ETHNICITIES)
        if field == "status":
            kind = need("status", STATUSES)
            if not value:
                raise FormProblem({"value": (REQUIRED, {})})
            place = " ".join(_text(form, "place").split())
            note = _text(form, "note").strip()
            by = need("by", ("", *RESPONSIBLE))
            acknowledged = need("acknowledged", ("", *ACKNOWLEDGED))
            return b.status(
                kind,
                value,
                place=b.place_ref(text=place) if place else None,
                note=note or None,
                by=by or None,
                acknowledged=ACKNOWLEDGED.get(acknowledged),
                today=today,
            )
        if field == "action":
            to = need("to", ACTION_TARGETS)
            reply = _text(form, "reply").strip()
            note = _text(form, "note").strip()
            return b.action(to, value, reply=reply or None, note=note or None, today=today)
        if field == "contact":
            channel = need("channel", ("", *CONTACT_CHANNELS))
            note = _text(form, "note").strip()
            if not value:
                raise FormProblem({"value": (REQUIRED, {})})
            if len(note) > MAX_SHORT:
                raise FormProblem({"note": (TOO_LONG, {"num": MAX_SHORT})})
            return b.contact(value, channel or None, note=note or None, today=today)
        if field == "document":
            kind = need("kind", DOCUMENT_KINDS)
            if not value:
                raise FormProblem({"value": (REQUIRED, {})})
            country = _text(form, "country").strip().upper() or None
            return b.document(kind, value, country=country, today=today)
        if not value:
            raise FormProblem({"value": (REQUIRED, {})})
        if field == "name":
            if len(value) > NAME_LIMIT:
                raise FormProblem({"value": (TOO_LONG, {"num": NAME_LIMIT})})
            form_code = _text(form, "name_form").strip()
            if form_code and form_code not in NAME_FORMS:
                raise FormProblem({"name_form": (CHOOSE, {})})
            return b.name(value, form=form_code or None)
        if field in ("birth", "death"):
            return b.date_text(value, today=today)
        if field == "citizenship":
            code = value.upper()
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise FormProblem({"value": (COUNTRY, {})})
            return code
        if field == "occupation":
            return value
        if field == "hometown":
            if re.fullmatch(r"\d{6}", value):
                return b.place_ref(code=value)
            return b.place_ref(text=value)
        if field == "relative":
            relation = need("relation", RELATIONS)
            if len(value) > NAME_LIMIT:
                raise FormProblem({"value": (TOO_LONG, {"num": NAME_LIMIT})})
            return {"relation": relation, "name": value}
    except InputError as exc:
        raise FormProblem({"value": _sentence(exc)}) from None
    raise FormProblem({"field": (CHOOSE, {})})


def build_claim(
    field: str, form: Mapping[str, str], detail: PersonDetail, today: dt.date
) -> dict[str, Any]:
    """One claim from an edit form (field, value inputs, source, locator)."""
    if field not in EDITABLE:
        raise FormProblem({"field": (CHOOSE, {})})
    errors = _limits(form)
    if errors:
        raise FormProblem(errors)
    problems: Errors = {}
    value: Any = None
    ref: dict[str, Any] = {}
    try:
        value = _value(field, form, today)
    except FormProblem as exc:
        problems.update(exc.errors)
    try:
        ref = source_ref(form, detail)
    except FormProblem as exc:
        problems.update(exc.errors)
    if problems:
        raise FormProblem(problems)
    return b.claim(field, value, ref)


def _wants_value(field: str, form: Mapping[str, str]) -> bool:
    """Whether a correction also gives the right value (any value input filled)."""
    inputs = {
        "status": ("value", "place", "note", "by", "acknowledged"),
        "action": ("to", "value", "reply", "note"),
        "contact": ("value", "channel", "note"),
    }.get(field, ("value",))
    return any(_text(form, name).strip() for name in inputs)


def _seal(desk: Desk, change: dict[str, Any]) -> None:
    try:
        b.record_data([change])
    except InputError as exc:
        raise FormProblem({"form": _sentence(exc)}) from None
    desk.seal_records([Batch(files=(), changes=[change])])


def _context(detail: PersonDetail) -> dict[str, Any]:
    return {
        "p": detail,
        "fields": EDITABLE,
        "field_labels": FIELD_LABELS,
        "statuses": STATUSES,
        "status_labels": STATUS,
        "responsible": RESPONSIBLE,
        "responsible_labels": RESPONSIBLE_LABELS,
        "acknowledged_labels": {"yes": N_("Yes"), "no": N_("No")},
        "action_targets": ACTION_TARGETS,
        "target_labels": TARGET_LABELS,
        "contact_channels": CONTACT_CHANNELS,
        "channel_labels": CHANNEL_LABELS,
        "relations": RELATIONS,
        "relation_labels": RELATIONSHIPS,
        "sex_labels": SEX,
        "ethnicities": ETHNICITIES,
        "ethnicity_labels": ETHNICITY,
        "name_forms": NAME_FORMS,
        "name_form_labels": NAME_FORM_LABELS,
        "document_kinds": DOCUMENT_KINDS,
        "document_labels": DOCUMENT_LABELS,
    }


def _claim_of(detail: PersonDetail, claim_id: str) -> dict[str, Any]:
    """A claim of this person that is still standing (not retracted)."""
    if not _CLAIM.match(claim_id):
        raise NotFound("No such value on this person's record.")
    for c in detail.claims:
        if c["claim_id"] == claim_id and not c.get("retracted_by"):
            return c
    raise NotFound("No such value on this person's record.")


async def _person(request: Request) -> tuple[Desk, PersonDetail]:
    desk = staff(request).reader()
    person_id = str(request.path_params["person_id"])[:80]
    detail = await run_in_threadpool(desk.person, person_id)
    return desk, detail


def _render(
    request: Request,
    detail: PersonDetail,
    mode: str,
    field: str,
    values: Mapping[str, str],
    errors: Errors | None = None,
    claim: dict[str, Any] | None = None,
) -> Response:
    status = 400 if errors else 200
    return staff(request).render(
        request,
        "edit.html",
        status=status,
        mode=mode,
        field=field,
        v=values,
        errors=errors or {},
        claim=claim,
        **_context(detail),
    )


async def amend_form(request: Request) -> Response:
    _, detail = await _person(request)
    field = str(request.query_params.get("field", "name"))
    if field not in EDITABLE:
        field = "name"
    return _render(request, detail, "amend", field, {})


async def amend(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    field = _text(form, "field")
    if field not in EDITABLE:
        return _render(request, detail, "amend", "name", form, {"field": (CHOOSE, {})})
    try:
        claim = build_claim(field, form, detail, dt.date.today())
        change: dict[str, Any] = {
            "op": "person.amended",
            "person": detail.person["person_id"],
            "claims": [claim],
        }
        reason = _text(form, "reason").strip()
        if reason:
            change["reason"] = reason
        await run_in_threadpool(_seal, desk, change)
    except FormProblem as exc:
        return _render(request, detail, "amend", field, form, exc.errors)
    person_id = detail.person["person_id"]
    state.audit.record("record.edit", account=session.account, role=session.role, target=person_id)
    return RedirectResponse(f"/persons/{person_id}?edited=1#h-history", status_code=303)


async def correct_form(request: Request) -> Response:
    _, detail = await _person(request)
    claim = _claim_of(detail, str(request.query_params.get("claim", ""))[:40])
    return _render(request, detail, "correct", claim["field"], {}, claim=claim)


async def correct(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    claim = _claim_of(detail, _text(form, "claim")[:40])
    field = str(claim["field"])
    try:
        errors = _limits(form)
        reason = _text(form, "reason").strip()
        if not reason and "reason" not in errors:
            errors["reason"] = (REASON, {})
        claims: list[dict[str, Any]] = []
        if field in EDITABLE and _wants_value(field, form):
            try:
                claims.append(build_claim(field, form, detail, dt.date.today()))
            except FormProblem as exc:
                errors.update(exc.errors)
        if errors:
            raise FormProblem(errors)
        change = {
            "op": "person.corrected",
            # the record the claim was made on (a person merged into another keeps its own)
            "person": claim.get("record_id") or detail.person["person_id"],
            "claims": claims,
            "retract": [claim["claim_id"]],
            "reason": reason,
        }
        await run_in_threadpool(_seal, desk, change)
    except FormProblem as exc:
        return _render(request, detail, "correct", field, form, exc.errors, claim=claim)
    person_id = detail.person["person_id"]
    state.audit.record("record.edit", account=session.account, role=session.role, target=person_id)
    return RedirectResponse(f"/persons/{person_id}?edited=1#h-history", status_code=303)


# -- a testimony's changes: who may see a file, the testifier's consent --------------------


def form_page(
    request: Request,
    template: str,
    detail: PersonDetail,
    values: Mapping[str, str],
    errors: Errors | None = None,
    **context: Any,
) -> Response:
    """A form about one person: as typed, with its mistakes (status 400), if any."""
    return staff(request).render(
        request,
        template,
        status=400 if errors else 200,
        p=detail,
        v=values,
        errors=errors or {},
        **context,
    )


def _testimony_page(
    request: Request,
    template: str,
    detail: PersonDetail,
    testimony: dict[str, Any],
    values: Mapping[str, str],
    errors: Errors | None,
    **context: Any,
) -> Response:
    return form_page(request, template, detail, values, errors, t=testimony, **context)


async def _sealed(
    request: Request, desk: Desk, detail: PersonDetail, change: dict[str, Any]
) -> Response:
    """Seal a testimony's change (``FormProblem`` if the record format refuses it),
    audit it by the testimony's id, and go back to the person's testimonies."""
    await run_in_threadpool(_seal, desk, change)
    session: Session = request.state.session
    staff(request).audit.record(
        "record.edit", account=session.account, role=session.role, target=change["testimony"]
    )
    person_id = detail.person["person_id"]
    return RedirectResponse(f"/persons/{person_id}?edited=1#h-testimonies", status_code=303)


def _file_of(detail: PersonDetail, testimony: str, media: str) -> tuple[dict[str, Any], int]:
    """A testimony concerning this person and the position of one of its files."""
    for t in detail.testimonies:
        # ASCII digits only: "²" passes str.isdigit() but not int()
        position = int(media) if re.fullmatch(r"[0-9]{1,6}", media) else -1
        if t["testimony_id"] == testimony and 0 <= position < len(t["media"]):
            return t, position
    raise NotFound("No such file among this person's testimonies.")


def _render_visibility(
    request: Request,
    detail: PersonDetail,
    testimony: dict[str, Any],
    n: int,
    values: Mapping[str, str],
    errors: Errors | None = None,
) -> Response:
    return _testimony_page(
        request,
        "visibility.html",
        detail,
        testimony,
        values,
        errors,
        n=n,
        current=testimony["media_visibility"][n] or "restricted",
        visibilities=VISIBILITIES,
        visibility_labels=VISIBILITY_LABELS,
    )


async def visibility_form(request: Request) -> Response:
    _, detail = await _person(request)
    params = request.query_params
    testimony, n = _file_of(
        detail, str(params.get("testimony", ""))[:40], str(params.get("media", ""))[:6]
    )
    return _render_visibility(request, detail, testimony, n, {})


async def visibility(request: Request) -> Response:
    """Seal who may see one file of a testimony, with the reason: a photo of an ID card
    marked public by mistake is marked sensitive here, and the change stays in the
    testimony's history."""
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    testimony, n = _file_of(detail, _text(form, "testimony")[:40], _text(form, "media")[:6])
    errors = _limits(form)
    chosen = _text(form, "visibility")
    if chosen not in VISIBILITIES:
        errors["visibility"] = (CHOOSE, {})
    reason = " ".join(_text(form, "reason").split())
    if not reason and "reason" not in errors:
        errors["reason"] = (WHY_VISIBILITY, {})
    change = {
        "op": "testimony.visibility_changed",
        "testimony": testimony["testimony_id"],
        "media": n,
        "visibility": chosen,
        "reason": reason,
    }
    try:
        if errors:
            raise FormProblem(errors)
        return await _sealed(request, desk, detail, change)
    except FormProblem as exc:
        return _render_visibility(request, detail, testimony, n, form, exc.errors)


def _testimony_of(detail: PersonDetail, testimony: str) -> dict[str, Any]:
    """A testimony concerning this person."""
    for t in detail.testimonies:
        if t["testimony_id"] == testimony:
            return t
    raise NotFound("No such testimony among this person's testimonies.")


def _same(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    return new["level"] == old.get("level") and all(
        new[flag] == (old.get(flag) is True) for flag in CONSENT_FLAGS
    )


def _render_consent(
    request: Request,
    detail: PersonDetail,
    testimony: dict[str, Any],
    values: Mapping[str, str],
    errors: Errors | None = None,
) -> Response:
    current = testimony["consent_detail"]
    if not values:  # the form starts from the consent recorded now
        values = {"level": current.get("level", "")}
        values.update({flag: "1" for flag in CONSENT_FLAGS if current.get(flag) is True})
    return _testimony_page(
        request,
        "consent.html",
        detail,
        testimony,
        values,
        errors,
        current=current,
        levels=CONSENT_LEVELS,
        hows=CONSENT_HOW,
    )


async def consent_form(request: Request) -> Response:
    _, detail = await _person(request)
    testimony = _testimony_of(detail, str(request.query_params.get("testimony", ""))[:40])
    return _render_consent(request, detail, testimony, {})


def _new_consent(form: Mapping[str, str], old: Mapping[str, Any], today: dt.date) -> Any:
    """The consent the form gives, or the form's errors (a dict)."""
    errors = _limits(form)
    level = _text(form, "level")
    if level not in CONSENT_LEVELS:
        errors["level"] = (CHOOSE, {})
    how = _text(form, "how")
    if how not in CONSENT_HOW:
        errors["how"] = (HOW_CONSENT, {})
    given = _text(form, "given").strip()
    try:
        given = b.date_text(given or today.isoformat(), today=today)
    except InputError as exc:
        errors.setdefault("given", _sentence(exc))
    if len(" ".join(_text(form, "note").split())) > MAX_SHORT:
        errors["note"] = (TOO_LONG, {"num": MAX_SHORT})
    reason = " ".join(_text(form, "reason").split())
    if not reason and "reason" not in errors:
        errors["reason"] = (WHY_CONSENT, {})
    if errors:
        return errors
    # a withdrawn consent allows nothing: no use stays ticked
    new: dict[str, Any] = {"level": level, "how": how, "given": given}
    for flag in CONSENT_FLAGS:
        new[flag] = level != "withdrawn" and bool(_text(form, flag))
    if _same(new, old):
        return {"form": (SAME_CONSENT, {})}
    if allows_more(new, old) and not _text(form, "confirm"):
        return {"confirm": (CONFIRM_WIDER, {})}
    note = " ".join(_text(form, "note").split())
    if note:
        new["note"] = note
    return new, reason


async def consent(request: Request) -> Response:
    """Seal the testifier's consent to one testimony as it is now, with the reason: a
    relative who calls to take back the consent to publish, or to send the case to the
    UN, is heard here, and the change stays in the testimony's history. Narrowing needs
    only the reason; a wider consent also needs the box that says the testifier gave
    it."""
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    testimony = _testimony_of(detail, _text(form, "testimony")[:40])
    found = _new_consent(form, testimony["consent_detail"], dt.date.today())
    try:
        if isinstance(found, dict):
            raise FormProblem(found)
        new, reason = found
        change = {
            "op": "testimony.consent_changed",
            "testimony": testimony["testimony_id"],
            "consent": new,
            "reason": reason,
        }
        return await _sealed(request, desk, detail, change)
    except FormProblem as exc:
        return _render_consent(request, detail, testimony, form, exc.errors)


# -- a testimony recorded without a person, linked to one ------------------------------


def _on_page(detail: PersonDetail) -> list[str]:
    """The testimonies the person's page lists (none of them is offered to link)."""
    return [str(t["testimony_id"]) for t in detail.testimonies]


def _render_link(
    request: Request,
    desk: Desk,
    detail: PersonDetail,
    values: Mapping[str, str],
    errors: Errors | None = None,
) -> Response:
    words = " ".join(_text(values, "words").split())
    names = [str(n["text"]) for n in detail.names]
    total, shown = desk.unlinked_testimonies(names=names, words=words, page=_on_page(detail))
    return form_page(
        request,
        "link_testimony.html",
        detail,
        values,
        errors,
        total=total,
        shown=shown,
        words=words,
    )


async def link_form(request: Request) -> Response:
    desk, detail = await _person(request)
    return await run_in_threadpool(_render_link, request, desk, detail, {})


async def link(request: Request) -> Response:
    """Seal that a testimony recorded without a person (a video imported from a
    channel), or one about other persons too, is about this person, with the reason:
    the testimony then shows on the person's page, its consent can be changed there,
    and it counts towards the case.
    ``find`` instead lists the titles that hold the words typed (sent in the form, never
    in the address: they are often a name)."""
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    errors = _limits(form)
    if _text(form, "find") or errors:
        return await run_in_threadpool(_render_link, request, desk, detail, form, errors)
    chosen = _text(form, "testimony")[:40]
    reason = " ".join(_text(form, "reason").split())
    # one linked to this person meanwhile (by another reviewer) is not linked again
    if not chosen or not await run_in_threadpool(desk.linkable, chosen, _on_page(detail)):
        errors["testimony"] = (WHICH_TESTIMONY, {})
    if not reason:
        errors["reason"] = (WHY_LINK, {})
    change = {
        "op": "testimony.linked",
        "testimony": chosen,
        "persons": [detail.person["person_id"]],
        "reason": reason,
    }
    try:
        if errors:
            raise FormProblem(errors)
        return await _sealed(request, desk, detail, change)
    except FormProblem as exc:
        return await run_in_threadpool(_render_link, request, desk, detail, form, exc.errors)
