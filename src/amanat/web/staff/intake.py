"""The intake wizard and the resumable upload API behind its attachments.

A volunteer at an office desk goes through six steps — testifier, consent, person,
what happened, attachments, review — on one URL, ``/intake``, with plain forms: what
was typed is kept on the server, in a draft bound to the session (never in a URL or a
cookie), and each step is checked with one sentence per field. Every form is answered
with a redirect to ``GET /intake`` (Post/Redirect/Get), so Back and Reload never post a
form again; what the step's page shows once (errors, the "discard?" question, a notice)
waits in the draft for that GET. Each form names its step and the draft's version it was
drawn from: a form drawn before the draft last changed (a second tab, an old page) adds
what was typed on it to its own step and erases nothing (``_apply``). Saving builds a
``testimony.recorded`` change (naming the uploaded files) and a ``person.created``
change whose claims cite it, and seals both with the uploaded blobs as ONE record entry
(``Desk.seal_intake``). The draft is then forgotten: the volunteer sees only
"sealed, reference …", and an intake account has no route that reads a record.

On a station (``Station``: seals, keeps no views and no decryption key) the wizard is
the same and ``seal_intake`` seals with the station's key: after saving, nothing of
the testimony can be read back there.

Files arrive through ``/api/uploads`` (``static/upload.js``): ``POST`` declares name,
type and size; ``PUT /api/uploads/{id}`` with ``Upload-Offset`` carries one piece of at
most ``MAX_PIECE`` bytes, read from the request stream into memory and encrypted at
once by the desk's upload registry (no temporary file); ``GET``/``HEAD`` tell how many
bytes arrived, to resume after a dropped connection; ``DELETE`` gives up. An upload
belongs to the account that started it; to anyone else it does not exist.

Who may use the wizard: intake volunteers, researchers and admins (``INTAKE_ROLES``);
reviewers and publishers decide on records and never take testimonies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from amanat.desk.service import Desk, UploadRegistry
from amanat.errors import AmanatError, InputError, NotFound
from amanat.records import build as b
from amanat.records.changes import (
    ACTION_TARGETS,
    CONSENT_HOW,
    CONTACT_CHANNELS,
    ETHNICITIES,
    KZ_STATUSES,
    MAX_SHORT,
    MAX_TEXT,
    RELATIONS,
    RESPONSIBLE,
    STATUSES,
    VISIBILITIES,
    detect_script,
    new_id,
)
from amanat.records.dates import PartialDate
from amanat.records.ids import ResidentId
from amanat.web.labels import LANGUAGES
from amanat.web.staff import i18n
from amanat.web.staff.places import gazetteer, place_name
from amanat.web.staff.sessions import ABSOLUTE_S, Session
from amanat.web.staff.state import request_locale, staff

__all__ = ["INTAKE_ROLES", "MAX_PIECE", "STEPS", "IntakeState", "build_changes"]

INTAKE_ROLES = frozenset({"intake", "researcher", "admin"})
STEPS = ("testifier", "consent", "person", "events", "attachments", "review")
MAX_PIECE = 8 * 2**20  # bytes in one PUT: a piece is held in memory, never spooled
MAX_JSON = 4096
CONSENT_LEVELS = ("public_named", "public_anonymised", "internal")
# Languages an interview is held in at the desks (ISO 639-1; "other" is left unsaid).
INTERVIEW_LANGUAGES = ("kk", "ru", "ug", "zh", "ky", "uz", "en")
N_EVENTS = 3
N_ACTIONS = 3
EVENT_PARTS = ("status", "date", "place", "charge", "term", "note", "by", "acknowledged")
ACTION_PARTS = ("to", "date", "reply")
# The last contact the testifier had with the person: when, how, what else was said.
CONTACT_PARTS = ("contact_date", "contact_channel", "contact_note")
# Whether the authorities acknowledge an event: not known (left empty), yes, no.
ACKNOWLEDGED = {"yes": True, "no": False}
NAME_FORMS = (("name_1", "full"), ("name_2", "alias"), ("name_3", "chinese"))

# Every field of every step, with the most characters it may hold (the record format's
# own limits: a name 300, a testifier's name or contact 500, notes 100,000).
FIELDS: Mapping[str, Mapping[str, int]] = {
    "testifier": {
        "visit_date": 64,
        "visit_place": 2000,
        "visit_language": 10,
        "testifier_name": 500,
        "relationship": 40,
        "testifier_contact": 500,
        "testifier_iin": 64,
        "testifier_kz_status": 40,
    },
    "consent": {
        "consent_level": 40,
        "consent_how": 40,
        "consent_given": 64,
        "consent_un": 1,
        "consent_authorities": 1,
        "consent_identifiers": 1,
        "risk_notes": MAX_TEXT,
    },
    "person": {
        "name_1": 300,
        "name_2": 300,
        "name_3": 300,
        "sex": 10,
        "birth": 64,
        "ethnicity": 40,
        "resident_id": 64,
        "hometown_code": 80,
        "hometown_words": 2000,
        "hometown_pick": 80,
        "same_person": 40,
        "citizen_cn": 1,
        "citizen_kz": 1,
        "occupation": MAX_SHORT,
    },
    "events": {
        f"event_{i}_{part}": limit
        for i in range(1, N_EVENTS + 1)
        for part, limit in (
            ("status", 40),
            ("date", 64),
            ("place", 2000),
            ("charge", 500),
            ("term", 500),
            ("note", MAX_TEXT),
            ("by", 40),
            ("acknowledged", 10),
        )
    }
    | {
        f"action_{i}_{part}": limit
        for i in range(1, N_ACTIONS + 1)
        for part, limit in (("to", 40), ("date", 64), ("reply", MAX_SHORT))
    }
    | {"contact_date": 64, "contact_channel": 40, "contact_note": MAX_SHORT},
    "attachments": {},
    "review": {},
}
CHECKBOXES = frozenset(
    {"consent_un", "consent_authorities", "consent_identifiers", "citizen_cn", "citizen_kz"}
)
# The citizenships the person step asks about (ISO 3166 codes): whether the person is a
# citizen of Kazakhstan decides what the Kazakh state will do for them.
CITIZENSHIPS = (("citizen_cn", "CN"), ("citizen_kz", "KZ"))


@dataclass
class Upload:
    id: str
    name: str
    size: int
    # who may see the file once sealed (records.changes.VISIBILITIES): staff only until
    # the volunteer says otherwise
    visibility: str = "restricted"


@dataclass
class Draft:
    """One intake being typed: what was typed, by field name, and the files sent."""

    account: str
    created: float
    step: str = STEPS[0]
    reached: int = 0
    values: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    # Which draft a form was drawn from, and at which version (counted up at each form
    # posted): the hidden ``draft`` field of every step's form (``mark``).
    key: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    version: int = 0
    # What the next GET of the step shows once: "errors", "confirm_discard", "notice".
    flash: dict[str, Any] = field(default_factory=dict)

    @property
    def mark(self) -> str:
        return f"{self.key}.{self.version}"


class IntakeState:
    """The drafts (by session token), the last reference each session saved, and the
    desk's upload registry; held on ``app.state.intake``."""

    def __init__(self, registry: UploadRegistry, clock: Callable[[], float]) -> None:
        self.registry = registry
        self.clock = clock
        self._drafts: dict[str, Draft] = {}
        self._done: dict[str, str] = {}
        self._lock = threading.Lock()

    def draft(self, session: Session) -> Draft:
        now = self.clock()
        with self._lock:
            for token in [t for t, d in self._drafts.items() if now - d.created > ABSOLUTE_S]:
                del self._drafts[token]  # its session has ended; its uploads expire alone
            found = self._drafts.get(session.token)
            if found is None or found.account != session.account:
                found = Draft(session.account, now)
                self._drafts[session.token] = found
            return found

    def forget(self, session: Session, reference: str = "") -> None:
        with self._lock:
            self._drafts.pop(session.token, None)
            if reference:
                self._done[session.token] = reference
            else:
                self._done.pop(session.token, None)

    def done(self, session: Session) -> str:
        with self._lock:
            return self._done.get(session.token, "")


def intake_state(request: Request) -> IntakeState:
    state: IntakeState = request.app.state.intake
    return state


# -- checking what was typed ---------------------------------------------------------


def _today() -> dt.date:
    return dt.date.today()


def _sentence(message: str) -> str:
    """An error's message as a sentence: a capital first letter."""
    return message[:1].upper() + message[1:]


def _said(exc: InputError) -> str:
    """What a check of the records layer says, for the page to translate: a sentence
    that quotes a value (a check digit, a date) goes as its catalogue message with the
    value beside it (``Sentence``), one without as itself (``tr``)."""
    if exc.template:
        return Sentence(_sentence(exc.template), **exc.params)
    return _sentence(exc.message)


def _date(text: str) -> str:
    return PartialDate.parse(text, today=_today()).to_text()


class Sentence(str):
    """An error sentence whose text is a catalogue message with placeholders; the page
    translates it and fills in ``params`` (``{{ _(e, **e.params) }}``)."""

    params: dict[str, Any]

    def __new__(cls, message: str, **params: Any) -> Sentence:
        made = super().__new__(cls, message)
        made.params = params
        return made


TOO_LONG = "This is longer than %(num)d characters; shorten it."


def N_(message: str) -> str:
    """Mark a message for the catalogues (scripts/i18n.py extract)."""
    return message


# What the records layer's checks of dates and ID numbers say (``InputError``), as the
# wizard shows them (``_said``): here so that they are in the catalogues and every
# volunteer reads them in the interface's language. tests/test_web_intake.py checks that
# each sentence the checks can give is here.
RECORD_CHECKS = (
    N_("Write the date with the digits 0-9."),
    N_(
        "This is not a date the desk understands; write it as 2018-04-12, 12.04.2018, "
        "2018-04, 04.2018, 2018 or 2017..2018."
    ),
    N_("A range has one start and one end, as in 2017..2018."),
    N_("The range ends before it starts; write the earlier date first."),
    N_(
        "With slashes or dashes it is unclear whether the day or the month comes first; "
        "write it as 2018-05-04 or 04.05.2018."
    ),
    N_("Write the year with four digits, as in 12.04.2018."),
    N_("A date range cannot end before it starts."),
    N_("There is no month %(month)d; months run from 1 to 12."),
    N_("There is no day %(day)s; check the day and month."),
    N_("%(date)s is after today; a date cannot be in the future."),
    N_("The year %(year)d is before %(first)d; check the year."),
    N_("A resident ID contains only the digits 0-9 and, as its last character, X."),
    N_("An old 15-digit resident ID contains only digits."),
    N_("A resident ID has 17 digits followed by a digit or X."),
    N_("A resident ID has 18 characters (or 15 on old cards); this one has %(count)d."),
    N_("The last character should be %(expected)s; the number may be mistyped."),
    N_("The birth date in this resident ID (%(date)s) does not exist; the number may be mistyped."),
    N_(
        "The birth date in this resident ID (%(date)s) is in the future; the number may "
        "be mistyped."
    ),
    N_("The region code %(code)s is not a known GB/T 2260 code; the number may be mistyped."),
    N_("An IIN contains only the digits 0-9."),
    N_("An IIN has exactly 12 digits."),
    N_("An IIN has 12 digits; this one has %(count)d."),
    N_("The seventh digit of an IIN (century and sex) must be 1 to 6; the number may be mistyped."),
    N_("This IIN cannot have been issued (no check digit fits); the number may be mistyped."),
    N_("The last digit should be %(expected)d; the number may be mistyped."),
    N_("The birth date in this IIN (%(date)s) does not exist; the number may be mistyped."),
    N_("The birth date in this IIN (%(date)s) is in the future; the number may be mistyped."),
)


# What the desk says about a file sent to the wizard (``vault/upload.py``), shown by
# the page's script: here so that it is in the catalogues (app.py translates it).
UPLOAD_CHECKS = (
    N_("This file is larger than the limit of %(limit)s bytes; nothing of it was kept."),
    N_("This file is empty (0 bytes); choose the file again."),
    N_(
        "This file is %(size)s bytes, more than the limit of %(limit)s; ask the admin, or "
        "split the video."
    ),
    N_("%(count)d uploads are already going on for this account; wait for one to end."),
    N_("This is not a video, audio recording, photo or PDF; choose the right file."),
    N_("Only %(received)s of %(size)s bytes have arrived; send the rest first."),
    N_("This upload has already ended; start the file again."),
    N_(
        "%(count)d files are waiting to be saved with a testimony; save it, or remove files "
        "you do not need."
    ),
    N_("This file is being saved with its testimony; wait a moment."),
)


def check_step(step: str, v: Mapping[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """Errors by field (one sentence each) and hints to show (scripts, a decoded ID,
    place suggestions) for one step's values."""
    errors: dict[str, str] = {}
    hints: dict[str, Any] = {}
    for name, limit in FIELDS[step].items():
        value = v.get(name, "")
        if len(value) > limit:
            errors[name] = Sentence(TOO_LONG, num=limit)
        elif "\x00" in value:
            errors[name] = "This contains a NUL character; remove it."

    def check(name: str, fn: Callable[[], object]) -> None:
        if name in errors:
            return
        try:
            fn()
        except InputError as exc:
            errors[name] = _said(exc)

    if step == "testifier":
        if v.get("visit_date", "").strip():
            check("visit_date", lambda: _date(v["visit_date"]))
        if v.get("visit_language", "") not in ("", *INTERVIEW_LANGUAGES):
            errors["visit_language"] = N_("Choose the language of the interview from the list.")
        if v.get("relationship", "") not in RELATIONS:
            errors["relationship"] = "Choose how the testifier is related to the person."
        if v.get("testifier_iin", "").strip():
            check("testifier_iin", lambda: b.document("kz_iin", v["testifier_iin"]))
        if v.get("testifier_kz_status", "") not in ("", *KZ_STATUSES):
            errors["testifier_kz_status"] = N_("Choose the testifier's status from the list.")
    elif step == "consent":
        if v.get("consent_level", "") not in CONSENT_LEVELS:
            errors["consent_level"] = "Choose what the testifier consents to."
        if v.get("consent_how", "") not in CONSENT_HOW:
            errors["consent_how"] = "Choose how the consent was given."
        if v.get("consent_given", "").strip():
            check("consent_given", lambda: _date(v["consent_given"]))
    elif step == "person":
        _check_person(v, errors, hints, check)
    elif step == "events":
        complete = 0
        for i in range(1, N_EVENTS + 1):
            key = f"event_{i}_"
            if not any(v.get(key + part, "").strip() for part in EVENT_PARTS):
                continue
            if v.get(key + "status", "") not in STATUSES:
                errors[key + "status"] = "Choose what happened."
            if v.get(key + "by", "") not in ("", *RESPONSIBLE):
                errors[key + "by"] = N_("Choose who is believed responsible from the list.")
            if v.get(key + "acknowledged", "") not in ("", *ACKNOWLEDGED):
                errors[key + "acknowledged"] = N_("Choose yes, no or not known.")
            if not v.get(key + "date", "").strip():
                errors[key + "date"] = "Give the date, as precisely as it is known."
            else:
                check(key + "date", lambda key=key: _date(v[key + "date"]))  # type: ignore[misc]
            complete += not any(k.startswith(key) for k in errors)
        if complete == 0 and not errors:
            errors["event_1_status"] = "Say what happened, with a date, at least once."
        if any(v.get(part, "").strip() for part in CONTACT_PARTS):
            if v.get("contact_channel", "") not in ("", *CONTACT_CHANNELS):
                errors["contact_channel"] = N_("Choose how from the list.")
            if not v.get("contact_date", "").strip():
                errors["contact_date"] = N_(
                    "Give when the family last heard from the person, as precisely as known: "
                    "a year is enough."
                )
            else:
                check("contact_date", lambda: _date(v["contact_date"]))
        for i in range(1, N_ACTIONS + 1):
            key = f"action_{i}_"
            if not any(v.get(key + part, "").strip() for part in ACTION_PARTS):
                continue
            if v.get(key + "to", "") not in ACTION_TARGETS:
                errors[key + "to"] = N_("Choose to whom the family turned.")
            if v.get(key + "date", "").strip():
                check(key + "date", lambda key=key: _date(v[key + "date"]))  # type: ignore[misc]
    return errors, hints


# Bidirectional embeddings, overrides and isolates: never part of a name.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _check_person(
    v: Mapping[str, str],
    errors: dict[str, str],
    hints: dict[str, Any],
    check: Callable[[str, Callable[[], object]], None],
) -> None:
    if not v.get("name_1", "").strip() and "name_1" not in errors:
        errors["name_1"] = "Type the person's full name."
    for name, _ in NAME_FORMS:
        if _BIDI_CONTROLS.search(v.get(name, "")) and name not in errors:
            # shown one way, recorded another (U+202E reverses the letters after it)
            errors[name] = N_(
                "This name holds an invisible character that changes the order in which "
                "its letters are shown; type the name instead of pasting it."
            )
    if v.get("same_person") and not _PERSON_ID.fullmatch(v["same_person"]):
        errors["same_person"] = "Choose one of the persons listed, or a new person."
    hints["scripts"] = {
        name: detect_script(v[name]) for name, _ in NAME_FORMS if v.get(name, "").strip()
    }
    if v.get("sex", "") not in ("", "male", "female"):
        errors["sex"] = "Choose male, female or not known."
    if v.get("birth", "").strip():
        check("birth", lambda: _date(v["birth"]))
    if v.get("ethnicity", "") not in ("", *ETHNICITIES):
        errors["ethnicity"] = "Choose an ethnicity from the list."
    if v.get("resident_id", "").strip() and "resident_id" not in errors:
        try:
            rid = ResidentId.decode(v["resident_id"], today=_today())
        except InputError as exc:
            errors["resident_id"] = _said(exc)
        else:
            hints["resident_id"] = {
                "number": rid.number,
                "birth": rid.birth_date.isoformat(),
                "sex": rid.sex,
                "region": " / ".join(r.name for r in rid.region),
                "region_code": rid.region_code,
            }
    code = v.get("hometown_code", "").strip()
    if code and "hometown_code" not in errors and gazetteer().get(code) is None:
        errors["hometown_code"] = (
            "This code is not in the gazetteer; choose a suggestion or type the place in words."
        )
    words = v.get("hometown_words", "").strip()
    if words and not code and "hometown_words" not in errors:
        found = gazetteer().find(words) or gazetteer().find_by_sound(words)
        hints["places"] = [(p.id, p.label()) for p in found[:8]]


_PERSON_ID = re.compile(r"p_[0-9a-f]{32}")
SIMILAR_SHOWN = 5


def similar_persons(request: Request, v: Mapping[str, str], session: Session) -> list[Any] | None:
    """The persons already recorded that look like the one typed, on a desk (None on a
    station, which can read nothing). Each showing is audited with the persons' ids."""
    desk = staff(request).desk
    if not isinstance(desk, Desk):
        return None
    names = [v.get(key, "")[:300] for key, _ in NAME_FORMS]
    number = v.get("resident_id", "")[:64]
    if not any(n.strip() for n in names) and not number.strip():
        return []
    year = None
    with contextlib.suppress(InputError, ValueError):
        if v.get("birth", "").strip():
            year = PartialDate.parse(v["birth"][:64], today=_today()).earliest.year
    county = (v.get("hometown_code", "") or v.get("hometown_pick", "")).strip()[:80]
    county = county or gazetteer().code_named(v.get("hometown_words", "")[:MAX_TEXT])
    found = desk.similar(
        names=names, id_number=number, county=county, birth_year=year, limit=SIMILAR_SHOWN
    )
    if found:
        staff(request).audit.record(
            "intake.similar",
            account=session.account,
            role=session.role,
            target=" ".join(c.person_id for c in found),
        )
    return found


async def intake_similar(request: Request) -> Response:
    """The "may already be recorded" box, for htmx while the person step is typed."""
    session: Session = request.state.session
    form = await request.form(max_files=0, max_fields=200, max_part_size=2 * MAX_TEXT)
    values = {k: str(form.get(k, "")) for k in FIELDS["person"]}
    draft = intake_state(request).draft(session)
    found = await run_in_threadpool(similar_persons, request, values, session)
    return staff(request).render(
        request,
        "intake/similar.html",
        similar=found or [],
        place=functools.partial(place_name, lang=request_locale(request)),
        # the choice on the page, "None of these" (empty) included; the draft's only
        # when the page has no list yet to choose from
        chosen=values["same_person"]
        if "same_person" in form
        else draft.values.get("same_person", ""),
    )


def check_all(draft: Draft) -> tuple[str, dict[str, str]] | None:
    """The first step with errors and its errors, or None when everything is right."""
    for step in STEPS:
        errors, _ = check_step(step, draft.values)
        if errors:
            return step, errors
    return None


# -- the changes an intake seals -----------------------------------------------------


def build_changes(
    v: Mapping[str, str], n_files: int, visibility: Sequence[str] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """The person's id and the two changes of one intake, from checked values: a new
    person, or more claims on one already recorded when the volunteer recognised them
    among the "may already be recorded" candidates (``same_person``). ``visibility``
    says who may see each of the ``n_files`` files (staff only where not given)."""
    today = _today()
    existing = v.get("same_person", "")
    person, testimony = existing or new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    testifier: dict[str, Any] = {"relationship": v["relationship"]}
    for key, name in (("name", "testifier_name"), ("contact", "testifier_contact")):
        if v.get(name, "").strip():
            testifier[key] = v[name]
    if v.get("testifier_iin", "").strip():
        testifier["iin"] = b.document("kz_iin", v["testifier_iin"])["number"]
    if v.get("testifier_kz_status") in KZ_STATUSES:
        testifier["kz_status"] = v["testifier_kz_status"]
    consent: dict[str, Any] = {
        "level": v["consent_level"],
        "how": v["consent_how"],
        "given": b.date_text(v.get("consent_given", "").strip() or today.isoformat(), today=today),
    }
    for flag in ("un", "authorities", "identifiers"):
        consent[flag] = bool(v.get(f"consent_{flag}"))
    recorded: dict[str, Any] = {
        "op": "testimony.recorded",
        "testimony": testimony,
        "persons": [person],
        "testifier": testifier,
        "consent": consent,
        # The day of the interview, when the volunteer gives it (a paper form typed in
        # later); else today.
        "recorded": (
            b.date_text(v["visit_date"], today=today)
            if v.get("visit_date", "").strip()
            else today.isoformat()
        ),
        "media": [
            {"file": i, "visibility": visibility[i] if i < len(visibility) else "restricted"}
            for i in range(n_files)
        ],
    }
    if v.get("visit_place", "").strip():
        recorded["place"] = {"text": v["visit_place"].strip()}
    if v.get("visit_language", "") in INTERVIEW_LANGUAGES:
        recorded["language"] = v["visit_language"]
    if v.get("risk_notes", "").strip():
        recorded["risk_notes"] = v["risk_notes"]
    claims = [
        b.claim("name", b.name(v[key], form=form), ref)
        for key, form in NAME_FORMS
        if v.get(key, "").strip()
    ]
    if v.get("sex"):
        claims.append(b.claim("sex", v["sex"], ref))
    if v.get("birth", "").strip():
        claims.append(b.claim("birth", b.date_text(v["birth"], today=today), ref))
    if v.get("ethnicity"):
        claims.append(b.claim("ethnicity", v["ethnicity"], ref))
    claims += [b.claim("citizenship", code, ref) for key, code in CITIZENSHIPS if v.get(key)]
    if v.get("occupation", "").strip():
        claims.append(b.claim("occupation", " ".join(v["occupation"].split()), ref))
    if v.get("resident_id", "").strip():
        document = b.document("cn_resident_id", v["resident_id"], today=today)
        claims.append(b.claim("document", document, ref))
    code = v.get("hometown_code", "").strip()
    if code or v.get("hometown_words", "").strip():
        claims.append(b.claim("hometown", b.place_ref(code or None, v.get("hometown_words")), ref))
    for i in range(1, N_EVENTS + 1):
        key = f"event_{i}_"
        if v.get(key + "status") not in STATUSES:
            continue
        place = _place(v.get(key + "place", ""))
        event = b.status(
            v[key + "status"],
            v[key + "date"],
            place=place,
            charge=v.get(key + "charge"),  # what the authorities said: kept apart from
            term=v.get(key + "term"),
            note=v.get(key + "note"),  # what the family says and believes
            by=v.get(key + "by") or None,
            acknowledged=ACKNOWLEDGED.get(v.get(key + "acknowledged", "")),
            today=today,
        )
        claims.append(b.claim("status", event, ref))
    if v.get("contact_date", "").strip():
        last = b.contact(
            v["contact_date"],
            v.get("contact_channel") or None,
            note=v.get("contact_note"),
            today=today,
        )
        claims.append(b.claim("contact", last, ref))
    for i in range(1, N_ACTIONS + 1):
        key = f"action_{i}_"
        if v.get(key + "to") not in ACTION_TARGETS:
            continue
        act = b.action(
            v[key + "to"], v.get(key + "date", ""), reply=v.get(key + "reply"), today=today
        )
        claims.append(b.claim("action", act, ref))
    if existing:
        return person, [recorded, {"op": "person.amended", "person": person, "claims": claims}]
    created = {"op": "person.created", "person": person, "claims": claims}
    return person, [recorded, created]


def _place(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    if gazetteer().get(text.strip()) is not None:
        return b.place_ref(text.strip())
    return b.place_ref(None, text)


# -- the wizard's pages --------------------------------------------------------------


def _render(request: Request, draft: Draft) -> Response:
    """The draft's step, with what its last form left to show once (``Draft.flash``)."""
    state = staff(request)
    registry = intake_state(request).registry
    session: Session = request.state.session
    shown, draft.flash = draft.flash, {}
    errors: Mapping[str, str] = shown.get("errors") or {}
    files = []
    for up in draft.uploads:
        try:
            received, size = registry.received(session.account, up.id)
        except NotFound:
            received, size = -1, up.size
        files.append(
            {
                "id": up.id,
                "name": up.name,
                "size": size,
                "received": received,
                "visibility": up.visibility,
            }
        )
    _, hints = check_step(draft.step, draft.values)
    if draft.step == "review":  # the review names each name's script, as the check did
        _, person = check_step("person", draft.values)
        hints = {**person, **hints}
    similar = None
    if draft.step == "person":
        similar = similar_persons(request, draft.values, session)
    elif (
        draft.step == "review" and draft.values.get("same_person") and isinstance(state.desk, Desk)
    ):
        with contextlib.suppress(NotFound):
            hints = {**hints, "same_person": state.desk.person(draft.values["same_person"])}
    lang = request_locale(request)
    return state.render(
        request,
        "intake/wizard.html",
        steps=STEPS,
        step=draft.step,
        reached=draft.reached,
        mark=draft.mark,
        v=draft.values,
        errors=errors,
        notice=shown.get("notice", ""),
        hints=hints,
        files=files,
        relations=RELATIONS,
        languages=INTERVIEW_LANGUAGES,
        language_labels=LANGUAGES,
        consent_levels=CONSENT_LEVELS,
        consent_how=CONSENT_HOW,
        ethnicities=ETHNICITIES,
        statuses=STATUSES,
        n_events=N_EVENTS,
        responsible=RESPONSIBLE,
        action_targets=ACTION_TARGETS,
        contact_channels=CONTACT_CHANNELS,
        n_actions=N_ACTIONS,
        event_parts=EVENT_PARTS,
        action_parts=ACTION_PARTS,
        visibilities=VISIBILITIES,
        kz_statuses=KZ_STATUSES,
        name_forms=NAME_FORMS,
        max_piece=MAX_PIECE,
        limit=registry.limit,
        similar=similar,
        place=functools.partial(place_name, lang=lang),
        chosen=draft.values.get("same_person", ""),
        confirm_discard=bool(shown.get("confirm_discard")),
    )


# What the step's page says when its form was drawn before the draft last changed, or
# belongs to a testimony no longer being typed.
STALE = N_(
    "This page was older than the testimony being typed (another tab, or the browser's "
    "Back button). What was typed on it has been added; nothing was erased, but where it "
    "consents to less or keeps a file more private, that was kept. Check this step and go "
    "on."
)
OTHER_DRAFT = N_(
    "That page belonged to a testimony already saved or discarded; nothing on it was "
    "added to this one."
)


def _shown(draft: Draft, **flash: Any) -> Response:
    """Post/Redirect/Get: the draft's step is shown by ``GET /intake``, with ``flash``."""
    draft.flash = flash
    return RedirectResponse("/intake", status_code=303)


async def intake_form(request: Request) -> Response:
    session: Session = request.state.session
    return _render(request, intake_state(request).draft(session))


# Consent a stale form may narrow but never widen: the three boxes and the level, from
# the widest to the narrowest.
CONSENT_BOXES = frozenset({"consent_un", "consent_authorities", "consent_identifiers"})
_NARROWER = {level: n for n, level in enumerate(CONSENT_LEVELS)}
_STRICTER = {"public": 0, "restricted": 1, "sensitive": 2}


def _apply(draft: Draft, step: str, form: Mapping[str, Any], *, stale: bool) -> None:
    """Keep what a form of ``step`` holds, and only the fields of that step: a form
    from another step never touches this one. A form drawn before the draft last
    changed (``stale``) adds what was typed on it, but erases nothing: its empty fields
    and unticked boxes leave the draft's values as they are. Consent is the exception:
    a consent box unticked or a narrower level on a stale form is what the testifier
    said last as far as anyone can tell, and sharing less is never the harmful mistake,
    so there the narrower of the two is kept."""
    for name in FIELDS[step]:
        value = str(form.get(name, ""))
        if name in CHECKBOXES:
            value = "1" if value else ""
        if stale and name in CONSENT_BOXES:
            value = "1" if value and draft.values.get(name) else ""
        elif stale and name == "consent_level":
            before = draft.values.get(name, "")
            if value not in _NARROWER or _NARROWER.get(before, -1) > _NARROWER[value]:
                value = before
        elif stale and not value.strip():
            continue
        draft.values[name] = value
    if step == "person" and draft.values.get("hometown_pick"):
        draft.values["hometown_code"] = draft.values.pop("hometown_pick")
    draft.values.pop("hometown_pick", None)


async def intake_post(request: Request) -> Response:
    session: Session = request.state.session
    intake = intake_state(request)
    draft = intake.draft(session)
    form = await request.form(max_files=0, max_fields=200, max_part_size=2 * MAX_TEXT)
    # The step and the draft's version the form was drawn at (absent: the draft's own).
    step = str(form.get("step", draft.step))
    key, _, version = str(form.get("draft", draft.mark)).partition(".")
    if key != draft.key or step not in STEPS or STEPS.index(step) > draft.reached:
        return _shown(draft, notice=OTHER_DRAFT)
    stale = version != str(draft.version) or step != draft.step
    draft.version += 1
    _apply(draft, step, form, stale=stale)
    if not isinstance(staff(request).desk, Desk):
        draft.values["same_person"] = ""  # a station knows no other person
    if step == "attachments":  # who may see each file, as chosen beside it
        for up in draft.uploads:
            chosen = form.get(f"visibility_{up.id}")
            # a stale form may make a file stricter, never more open
            if chosen in VISIBILITIES and (
                not stale or _STRICTER[str(chosen)] > _STRICTER.get(up.visibility, 1)
            ):
                up.visibility = str(chosen)
    if stale:  # drawn before the last change: nothing is moved, saved or discarded
        draft.step = step
        return _shown(draft, notice=STALE)
    action = str(form.get("action", ""))
    index = STEPS.index(draft.step)
    if action == "restart":  # asked first: a click too many must not lose an interview
        return _shown(draft, confirm_discard=True)
    if action == "restart_confirmed":
        for up in draft.uploads:
            await _abort_quietly(intake.registry, session.account, up.id)
        intake.forget(session)
        return RedirectResponse("/intake", status_code=303)
    if action.startswith("remove:"):
        ident = action.removeprefix("remove:")[:64]
        await _abort_quietly(intake.registry, session.account, ident)
        draft.uploads = [u for u in draft.uploads if u.id != ident]
        return _shown(draft)
    if action == "back":
        draft.step = STEPS[max(0, index - 1)]
        return _shown(draft)
    if action.startswith("goto:") and action[5:] in STEPS:
        target = STEPS.index(action[5:])
        if target <= draft.reached:
            draft.step = STEPS[target]
        return _shown(draft)
    errors, _ = check_step(draft.step, draft.values)
    if action == "next" and not errors:
        if draft.step == "attachments":
            errors = _unfinished(intake.registry, session.account, draft)
        if not errors:
            draft.step = STEPS[min(index + 1, len(STEPS) - 1)]
            draft.reached = max(draft.reached, STEPS.index(draft.step))
            return _shown(draft)
    if action == "save" and draft.step == "review":
        return await _save(request, intake, session, draft)
    return _shown(draft, errors=errors if action in ("next", "check") else {})


def _unfinished(registry: UploadRegistry, account: str, draft: Draft) -> dict[str, str]:
    for up in draft.uploads:
        try:
            received, size = registry.received(account, up.id)
        except NotFound:
            return {
                "files": Sentence(
                    "%(name)s is no longer on the server; remove it and send it again.",
                    name=up.name,
                )
            }
        if received != size:
            return {
                "files": Sentence(
                    "%(name)s has not finished arriving; wait, or remove it.", name=up.name
                )
            }
    return {}


async def _abort_quietly(registry: UploadRegistry, account: str, ident: str) -> None:
    with contextlib.suppress(NotFound):
        await run_in_threadpool(registry.abort, account, ident)


async def _save(request: Request, intake: IntakeState, session: Session, draft: Draft) -> Response:
    wrong = check_all(draft)
    if wrong is not None:
        draft.step, errors = wrong
        return _shown(draft, errors=errors)
    errors = _unfinished(intake.registry, session.account, draft)
    if errors:
        draft.step = "attachments"
        return _shown(draft, errors=errors)
    state = staff(request)
    chosen = draft.values.get("same_person", "")
    if chosen and isinstance(state.desk, Desk):
        # The testimony joins the record the relative recognised, even if a reviewer
        # has merged it into another since (shown under that one's id): a later split
        # must leave it with the person they recognised.
        try:
            state.desk.person(chosen)
        except NotFound:
            draft.step = "person"
            message = "This person is no longer in the database; choose again."
            return _shown(draft, errors={"same_person": message})
    person, changes = build_changes(
        draft.values, len(draft.uploads), [up.visibility for up in draft.uploads]
    )
    idents = [up.id for up in draft.uploads]
    finished = await run_in_threadpool(intake.registry.claim, session.account, idents)
    try:
        receipt = await run_in_threadpool(state.desk.seal_intake, changes, finished)
    except BaseException:
        # kept for the next Save: a busy vault must not cost the volunteer the files
        intake.registry.release(session.account, idents, sealed=False)
        raise
    intake.registry.release(session.account, idents, sealed=True)
    state.audit.record("intake.saved", account=session.account, role=session.role, target=person)
    intake.forget(session, receipt.entry_id)
    return RedirectResponse("/intake/done", status_code=303)


async def intake_done(request: Request) -> Response:
    session: Session = request.state.session
    reference = intake_state(request).done(session)
    return staff(request).render(request, "intake/done.html", reference=reference)


# -- uploads -------------------------------------------------------------------------


def _error(request: Request, message: str, status: int, **extra: Any) -> JSONResponse:
    """A refused upload request, its sentence in the page's language (``message`` is a
    msgid; ``extra`` fills its %(name)s places, numbers with thousands separators, and
    goes into the answer as it is)."""
    shown = {k: f"{v:,}" if isinstance(v, int) else v for k, v in extra.items()}
    text = i18n.translator(request_locale(request)).gettext(message) % shown
    return JSONResponse({"error": text, **extra}, status_code=status)


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """The body, or None when it is longer than ``cap`` (read into memory only)."""
    declared = _whole_number(request.headers.get("content-length", ""))
    if declared is not None and declared > cap:
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > cap:
            return None
    return bytes(data)


def _whole_number(text: str) -> int | None:
    """A header's count of bytes: ASCII digits, at most 18 of them (``isdigit`` alone
    also takes ² and ٣, and a number of thousands of digits), else None."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _ident(request: Request) -> str:
    return str(request.path_params["upload_id"])[:64]


async def upload_start(request: Request) -> Response:
    session: Session = request.state.session
    intake = intake_state(request)
    body = await _read_capped(request, MAX_JSON)
    if body is None:
        return _error(request, N_("This request is too long."), 413)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return _error(request, N_("Send the file's name, type and size as JSON."), 400)
    name, media_type, size = doc.get("name"), doc.get("media_type", ""), doc.get("size")
    if not isinstance(name, str) or not isinstance(media_type, str) or len(name) > 255:
        return _error(
            request,
            N_("The file's name and type must be text (a name of 255 characters at most)."),
            400,
        )
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return _error(request, N_("The file's size must be a whole number of bytes."), 400)
    ident = await run_in_threadpool(
        intake.registry.start, session.account, name=name, media_type=media_type[:100], size=size
    )
    intake.draft(session).uploads.append(Upload(ident, name, size))
    return JSONResponse(
        {"id": ident, "received": 0, "size": size, "piece": MAX_PIECE}, status_code=201
    )


async def upload_put(request: Request) -> Response:
    session: Session = request.state.session
    intake = intake_state(request)
    ident = _ident(request)
    offset = _whole_number(request.headers.get("upload-offset", ""))
    if offset is None:
        return _error(request, N_("The Upload-Offset header must be a whole number of bytes."), 400)
    received, size = intake.registry.received(session.account, ident)
    if offset != received:
        return _error(
            request,
            N_(
                "This piece starts at byte %(offset)s, but %(received)s bytes have arrived; "
                "send from byte %(received)s."
            ),
            409,
            offset=offset,
            received=received,
            size=size,
        )
    data = await _read_capped(request, MAX_PIECE)
    if data is None:
        return _error(
            request,
            N_("A piece may hold at most %(piece)s bytes; send smaller pieces."),
            413,
            piece=MAX_PIECE,
        )
    try:
        received = await run_in_threadpool(
            intake.registry.append, session.account, ident, offset, data
        )
    except AmanatError:
        _drop_if_gone(intake, session, ident)
        raise
    return JSONResponse(
        {"received": received, "size": size, "complete": received == size},
        headers={"Upload-Offset": str(received)},
    )


def _drop_if_gone(intake: IntakeState, session: Session, ident: str) -> None:
    try:
        intake.registry.received(session.account, ident)
    except NotFound:
        draft = intake.draft(session)
        draft.uploads = [u for u in draft.uploads if u.id != ident]


async def upload_status(request: Request) -> Response:
    session: Session = request.state.session
    received, size = intake_state(request).registry.received(session.account, _ident(request))
    return JSONResponse(
        {"received": received, "size": size}, headers={"Upload-Offset": str(received)}
    )


async def upload_abort(request: Request) -> Response:
    session: Session = request.state.session
    intake = intake_state(request)
    ident = _ident(request)
    await run_in_threadpool(intake.registry.abort, session.account, ident)
    _drop_if_gone(intake, session, ident)
    return JSONResponse({"aborted": True})
