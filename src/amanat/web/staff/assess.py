"""A reviewer's assessment of a record, and the submissions of its case (records format
1.4, ``docs/format/records.md``).

After intake, a reviewer grades a record in HURIDOCS's terms: how reliable its source
and its information are, how likely it is that a violation happened, and which UN
procedure fits (urgent action for a disappearance within the last three months). Each
assessment is sealed with what it rests on; the latest that gives an aspect is the one
in force, and every earlier one stays on the page. Where and when the group submitted
the case, and the reference it was given, is recorded the same way; a submission
recorded by mistake is corrected, or taken back, with a reason.

    GET  /persons/{id}/assess                    the form, each aspect as it is now
    POST /persons/{id}/assess                    seal person.assessed (the aspects changed)
    GET  /persons/{id}/submission[?submission=S] record a submission, or correct S
    POST /persons/{id}/submission                seal person.submitted

Who: reviewers, publishers and administrators (``REVIEW_ROLES``); the account's name is
sealed as who did it. A form with a mistake seals nothing and comes back as typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.errors import InputError, NotFound
from amanat.records import build as b
from amanat.records.changes import ASSESSMENT, MAX_SHORT, SUBMITTED_TO
from amanat.records.dates import PartialDate
from amanat.views.read import PersonDetail
from amanat.views.un import suggested_route
from amanat.web.labels import ASPECTS
from amanat.web.labels import SUBMITTED_TO as SUBMITTED_LABELS
from amanat.web.staff.edit import (
    CHOOSE,
    N_,
    REQUIRED,
    TOO_LONG,
    Errors,
    FormProblem,
    _limits,
    _person,
    _seal,
    _sentence,
    _text,
    form_page,
)
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import REVIEW_ROLES, staff

__all__ = ["ASSESS_ROLES", "assess", "assess_form", "submission", "submission_form"]

ASSESS_ROLES = REVIEW_ROLES

WHY_ASSESSED = N_("Say what the assessment rests on: the accounts, the documents.")
NOTHING_CHANGED = N_("Choose a new value for at least one of these, or cancel.")
WHY_SUBMISSION = N_("Say what was wrong with the submission recorded.")
WHEN_SUBMITTED = N_("Write when it was submitted, such as 2019-09 or 12.09.2019.")
_SUBMISSION = re.compile(r"^[0-9a-f]{16}\.\d{1,5}$")
# The most characters each input may hold, beyond the edit forms' (``edit.LIMITS``).
LIMITS = {
    "reference": 200,
    "note": MAX_SHORT,
    "date": 40,
    "remove": 1,
    "submission": 30,
    **dict.fromkeys(ASSESSMENT, 20),
}


def _context(detail: PersonDetail) -> dict[str, Any]:
    """What the assessment and submission forms show beside what was typed."""
    return {
        "aspects": ASSESSMENT,
        "aspect_labels": ASPECTS,
        "recipients": SUBMITTED_TO,
        "recipient_labels": SUBMITTED_LABELS,
        "in_force": detail.assessment(),
        # what the timeline says of the UN procedure, beside the reviewer's choice
        "route": suggested_route(detail.timeline, dt.date.today()),
    }


def _form_errors(form: Mapping[str, str]) -> Errors:
    errors = _limits(form)
    for name, limit in LIMITS.items():
        if name not in errors and len(_text(form, name)) > limit:
            errors[name] = (TOO_LONG, {"num": limit})
    return errors


async def _done(request: Request, detail: PersonDetail, anchor: str) -> Response:
    session: Session = request.state.session
    person_id = detail.person["person_id"]
    staff(request).audit.record(
        "record.edit", account=session.account, role=session.role, target=person_id
    )
    return RedirectResponse(f"/persons/{person_id}?edited=1#{anchor}", status_code=303)


# -- the assessment ------------------------------------------------------------------


async def assess_form(request: Request) -> Response:
    _, detail = await _person(request)
    return form_page(request, "assess.html", detail, {}, **_context(detail))


async def assess(request: Request) -> Response:
    """Seal the aspects the reviewer changed, with what the assessment rests on."""
    session: Session = request.state.session
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    errors = _form_errors(form)
    in_force = detail.assessment()
    changed: dict[str, str] = {}
    for aspect, options in ASSESSMENT.items():
        chosen = _text(form, aspect).strip()
        if chosen and chosen not in options:
            errors[aspect] = (CHOOSE, {})
        elif chosen and chosen != (in_force.get(aspect) or {}).get(aspect):
            changed[aspect] = chosen
    reason = " ".join(_text(form, "reason").split())
    if not reason and "reason" not in errors:
        errors["reason"] = (WHY_ASSESSED, {})
    if not changed and not any(a in errors for a in ASSESSMENT):
        errors["form"] = (NOTHING_CHANGED, {})
    try:
        if errors:
            raise FormProblem(errors)
        change = b.assessed(detail.person["person_id"], reason, by=session.account, **changed)
        await run_in_threadpool(_seal, desk, change)
    except FormProblem as exc:
        return form_page(request, "assess.html", detail, form, exc.errors, **_context(detail))
    return await _done(request, detail, "h-assessment")


# -- submissions of the case -----------------------------------------------------------


def _submission_of(detail: PersonDetail, submission_id: str) -> dict[str, Any] | None:
    """The submission being corrected (None: a new one); NotFound if it is not this
    person's."""
    if not submission_id:
        return None
    if _SUBMISSION.match(submission_id):
        for s in detail.submissions:
            if s["submission_id"] == submission_id:
                return s
    raise NotFound("No such submission on this person's record.")


def _prefilled(s: Mapping[str, Any] | None) -> dict[str, str]:
    if s is None:
        return {}
    return {
        "to": str(s["recipient"]),
        "date": str(s["date"]),
        "reference": str(s["reference"] or ""),
        "note": str(s["note"] or ""),
    }


async def submission_form(request: Request) -> Response:
    _, detail = await _person(request)
    old = _submission_of(detail, str(request.query_params.get("submission", ""))[:30])
    return form_page(
        request, "submission.html", detail, _prefilled(old), old=old, **_context(detail)
    )


async def submission(request: Request) -> Response:
    """Seal a submission of the case; with ``submission``, correct that one (or, with
    ``remove``, take it back: it was never made), with the reason."""
    session: Session = request.state.session
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    old = _submission_of(detail, _text(form, "submission")[:30])
    errors = _form_errors(form)
    remove = old is not None and _text(form, "remove") == "1"
    to = _text(form, "to").strip()
    when = " ".join(_text(form, "date").split())
    reason = " ".join(_text(form, "reason").split())
    if not remove:
        if to not in SUBMITTED_TO:
            errors.setdefault("to", (CHOOSE, {}))
        if not when:
            errors.setdefault("date", (REQUIRED, {}))
        elif "date" not in errors:
            try:
                PartialDate.parse(when, today=dt.date.today())
            except InputError:
                errors["date"] = (WHEN_SUBMITTED, {})
    if old is not None and not reason:
        errors.setdefault("reason", (WHY_SUBMISSION, {}))
    try:
        if errors:
            raise FormProblem(errors)
        try:
            change = b.submitted(
                # the record it was sealed on (a person merged into another keeps its own)
                str(old["record_id"]) if old else detail.person["person_id"],
                None if remove else to,
                None if remove else when,
                reference=_text(form, "reference"),
                note=_text(form, "note"),
                by=session.account,
                retract=str(old["submission_id"]) if old else None,
                reason=reason or None,
            )
        except InputError as exc:
            raise FormProblem({"form": _sentence(exc)}) from None
        await run_in_threadpool(_seal, desk, change)
    except FormProblem as exc:
        return form_page(
            request, "submission.html", detail, form, exc.errors, old=old, **_context(detail)
        )
    return await _done(request, detail, "h-un")
