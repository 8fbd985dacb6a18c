"""The staff app's HTML pages: sign-in (password, then TOTP), home, persons, a person,
and the language switch.

Handlers only read and render; who may reach each one is decided by ``ROUTE_ROLES``
in ``app.py`` before the handler runs. Desk calls (SQL, argon2) run in the thread pool.

A filter the person list cannot use (a date that is no date, a name of more than
``MAX_FIELD`` characters, a search key no longer remembered) is said beside the filter
form, in the page's language, with every filter kept as it was typed, and no results
are shown: an old list under a new query could be taken for its answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.desk import Desk
from amanat.errors import AmanatError, UsageError
from amanat.records.changes import STATUSES
from amanat.views.read import PersonDetail, Query, SearchResult
from amanat.views.un import stored_gaps, suggested_route, urgent_since
from amanat.web.labels import N_
from amanat.web.staff import i18n
from amanat.web.staff.accounts import LoginStep
from amanat.web.staff.admin import group_secret
from amanat.web.staff.edit import EDIT_ROLES, EDITABLE, FIELD_LABELS
from amanat.web.staff.media import kind_of
from amanat.web.staff.places import place_name
from amanat.web.staff.sessions import MAX_SEARCHES, Session, keep_search
from amanat.web.staff.state import COOKIE, StaffState, request_locale, staff

__all__ = ["MAX_SEARCHES", "PAGE_SIZE", "parse_query", "set_language"]

PAGE_SIZE = 50
MAX_FIELD = 10_000  # characters: longer text in a filter is refused, not cut


# What the list says of a filter it cannot use (UsageError), in the catalogues so that
# the page says it in its language (i18n.said).
NAME_TOO_LONG = N_("The name typed is too long; shorten it.")
FILTER_TOO_LONG = N_("A filter is too long; shorten it.")
BAD_DAY = N_("Write the dates as YYYY-MM-DD, as in 2018-04-12.")
BAD_NUMBER = N_("The grade and the page must be whole numbers.")
BAD_RANGE = N_("The grade must be 0 to 4 and the page 1 or more.")
BAD_STATUS = N_("Unknown status; choose one from the list.")
FORGOTTEN = N_("This search is no longer remembered; type the name again.")


def field_text(params: Any, name: str) -> str:
    value = str(params.get(name, "")).strip()
    if len(value) > MAX_FIELD:
        sentence = NAME_TOO_LONG if name == "name" else FILTER_TOO_LONG
        raise UsageError(sentence)
    return value


def _day(params: Any, name: str) -> str:
    value = field_text(params, name)
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(BAD_DAY) from None
    return value


# a page number beyond any list (50 million persons) is a typing slip or a probe
MAX_PAGE_NUMBER = 1_000_000


def parse_query(params: Any, name: str = "") -> tuple[Query, int]:
    """A ``Query`` and the page number from the filters in the address; the name, which
    is never in the address, comes from the session (``remember_search``)."""
    try:
        grade = int(field_text(params, "grade") or 0)
        page = int(field_text(params, "page") or 1)
    except ValueError:
        raise UsageError(BAD_NUMBER) from None
    if not 0 <= grade <= 4 or not 1 <= page <= MAX_PAGE_NUMBER:
        raise UsageError(BAD_RANGE)
    status = field_text(params, "status")
    if status and status not in STATUSES:
        raise UsageError(BAD_STATUS)
    query = Query(
        name=name,
        county=field_text(params, "county"),
        status=status,
        date_from=_day(params, "from"),
        date_to=_day(params, "to"),
        min_grade=grade,
        flagged=field_text(params, "flagged") in ("1", "on", "yes"),
        un_ready=field_text(params, "un") in ("1", "on", "yes"),
        not_submitted=field_text(params, "unsent") in ("1", "on", "yes"),
        taken_since=(
            urgent_since(dt.date.today())
            if field_text(params, "urgent") in ("1", "on", "yes")
            else ""
        ),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return query, page


def _signed_in(state: StaffState, request: Request, session: Session, to: str) -> Response:
    return _with_cookie(state, RedirectResponse(to, status_code=303), session)


async def login_form(request: Request) -> Response:
    state = staff(request)
    session: Session | None = request.state.session
    if session is None:  # the CSRF token of the login form lives in a session of its own
        session = state.sessions.new()
        request.state.session = session
        response = state.render(request, "login.html")
        return _with_cookie(state, response, session)
    return state.render(request, "login.html")


def _with_cookie(state: StaffState, response: Response, session: Session) -> Response:
    response.set_cookie(
        COOKIE,
        session.token,
        httponly=True,
        samesite="strict",
        secure=state.cookie_secure,
        path="/",
    )
    return response


async def login(request: Request) -> Response:
    state = staff(request)
    form = await request.form()
    name = str(form.get("account", "")).strip().lower()[:100]
    password = str(form.get("password", ""))
    step = await run_in_threadpool(state.accounts.check_password, name, password)
    account = await run_in_threadpool(state.accounts.get, name)
    known = account.name if account else ""
    role = account.role if account else ""
    if step is LoginStep.DONE:
        state.audit.record("login.ok", account=known, role=role)
        return _replace_session(state, request, known, role, "in", "/")
    if step is LoginStep.TOTP:
        return _replace_session(state, request, known, role, "totp", "/login/totp")
    state.audit.record(
        "login.locked" if step is LoginStep.LOCKED else "login.failed", account=known, role=role
    )
    return state.render(request, "login.html", status=401, problem=step.value, account=name)


def _replace_session(
    state: StaffState, request: Request, account: str, role: str, stage: str, to: str
) -> Response:
    old: Session | None = request.state.session
    if old is not None:  # a new token at each step: no session fixation
        state.sessions.end(old.token)
    session = state.sessions.new(account=account, role=role, stage=stage)
    return _signed_in(state, request, session, to)


async def totp_form(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    return state.render(request, "totp.html", enrol=await _enrolment(state, session))


async def _enrolment(state: StaffState, session: Session) -> dict[str, str] | None:
    """The new second factor to set up, when the account must (new, or reset by an
    admin): its secret in groups of four and its otpauth:// address; else None."""
    if not await run_in_threadpool(state.accounts.needs_enrolment, session.account):
        return None
    found = await run_in_threadpool(state.accounts.begin_enrolment, session.account)
    return {"secret": group_secret(found.secret), "uri": found.uri}


async def totp(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    form = await request.form()
    code = str(form.get("code", ""))[:20]
    enrol = await _enrolment(state, session)
    check = state.accounts.confirm_enrolment if enrol else state.accounts.check_totp
    step = await run_in_threadpool(check, session.account, code)
    if step is LoginStep.DONE:
        if enrol:
            state.audit.record(
                "totp.enrolled", account=session.account, role=session.role,
                target=session.account,
            )  # fmt: skip
        state.audit.record("login.ok", account=session.account, role=session.role)
        return _replace_session(state, request, session.account, session.role, "in", "/")
    state.audit.record(
        "login.locked" if step is LoginStep.LOCKED else "totp.failed",
        account=session.account,
        role=session.role,
    )
    if step is LoginStep.LOCKED:
        state.sessions.end(session.token)
    shown = enrol if step is not LoginStep.LOCKED else None
    return state.render(request, "totp.html", status=401, problem=step.value, enrol=shown)


async def logout(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    state.sessions.end(session.token)
    state.audit.record("logout", account=session.account, role=session.role)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def home(request: Request) -> Response:
    return staff(request).render(request, "home.html")


def audit_search(
    state: StaffState, session: Session, query: Query, page: int, *, unsafe: bool = False
) -> None:
    """Record a search in the audit trail (sealed: the terms may be kept)."""
    state.audit.record(
        "persons.search",
        account=session.account,
        role=session.role,
        query={"name": query.name, "county": query.county, "status": query.status,
               "from": query.date_from, "to": query.date_to, "grade": query.min_grade,
               "flagged": query.flagged, "un": query.un_ready,
               "unsent": query.not_submitted, "urgent": bool(query.taken_since),
               "unsafe": unsafe, "page": page},
    )  # fmt: skip


def wants_unsafe(params: Any) -> bool:
    """The filter "unsafe: not yet on enough mirrors" (``unsafe=1``)."""
    return field_text(params, "unsafe") in ("1", "on", "yes", "true")


def find(desk: Desk, query: Query, unsafe: bool) -> SearchResult:
    """One page of persons; only those not yet on enough mirrors when ``unsafe``."""
    return desk.search_unsafe(query) if unsafe else desk.search(query)


_PLAIN_FILTERS = (
    "county", "status", "from", "to", "grade", "flagged", "un", "unsent", "urgent", "unsafe",
)  # fmt: skip


def remember_search(session: Session, name: str) -> str:
    """Keep a typed name in the session; the opaque key that stands for it in addresses."""
    for key, known in session.searches.items():
        if known == name:
            return key
    key = secrets.token_urlsafe(9)
    keep_search(session.searches, key, name)
    return key


async def search_persons(request: Request) -> Response:
    """The filter form, posted: the name goes into the session, the rest into the
    address of the list. A browser without scripts is sent to that address (303); the
    page's own script (htmx, ``HX-Request``) gets the results at once, to put in place of
    the old ones, and is told the address to show (``HX-Push-Url``), so Back and Reload
    ask for the list by address as without scripts. A filter the list cannot use is
    said beside the form, every filter kept as typed, and nothing is remembered."""
    session: Session = request.state.session
    form = await request.form()
    try:
        name = field_text(form, "name")
        target = {k: v for k in _PLAIN_FILTERS if (v := field_text(form, k))}
        parse_query(target, name)
        wants_unsafe(target)
    except UsageError as exc:
        return _refused(request, form, str(form.get("name", "")), exc, fragment=in_place(request))
    if name:
        target["q"] = remember_search(session, name)
    address = "/persons?" + urlencode(target)
    if not in_place(request):
        return RedirectResponse(address, status_code=303)
    try:
        response = await _list_page(request, target, name, fragment=True)
    except AmanatError:  # shown whole, with its message, by the list's own address
        return Response(status_code=204, headers={"HX-Redirect": address})
    response.headers["HX-Push-Url"] = address
    return response


def in_place(request: Request) -> bool:
    """True for the page's own script asking for a part to swap in (htmx), not for a
    page of its own; a history restore asks for a whole page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


async def persons(request: Request) -> Response:
    session: Session = request.state.session
    params = request.query_params
    if params.get("name"):  # an old link: move the name out of the address
        target = {k: v for k, v in params.items() if k != "name"}
        try:
            target["q"] = remember_search(session, field_text(params, "name"))
        except UsageError as exc:
            return _refused(request, params, str(params.get("name", "")), exc)
        return RedirectResponse("/persons?" + urlencode(target), status_code=303)
    key = str(params.get("q", ""))
    if key and key not in session.searches:  # forgotten: not a list of everyone
        return _refused(request, params, "", UsageError(FORGOTTEN), status=200)
    return await _list_page(request, params, session.searches.get(key, ""))


def _refused(
    request: Request,
    params: Mapping[str, Any],
    name: str,
    exc: UsageError,
    *,
    fragment: bool = False,
    status: int = 400,
) -> Response:
    """The list with no results and ``exc``'s sentence beside the filter form, in the
    page's language, the filters as they were typed (``name`` in its box). The page's
    script gets only the results' part, as a 200: it puts in place only what succeeded."""
    typed = {k: str(params.get(k, "")).strip() for k in _PLAIN_FILTERS}
    grade = typed["grade"]
    filters: dict[str, Any] = {
        **typed,
        "name": name,
        "grade": int(grade) if grade.isdigit() else "",
    }
    return staff(request).render(
        request,
        "persons_results.html" if fragment else "persons.html",
        status=200 if fragment else status,
        problem=i18n.said(request_locale(request), exc),
        result=None,
        filters=filters,
        statuses=STATUSES,
        page=1,
        pages=1,
    )


async def _list_page(
    request: Request, params: Mapping[str, str], name: str, *, fragment: bool = False
) -> Response:
    """The person list for the filters in ``params`` (an address's, or a posted
    form's as its address would carry them) and a ``name`` from the session: the whole
    page, or (``fragment``) only its results, for the filter form's script."""
    state = staff(request)
    session: Session = request.state.session
    try:
        query, page = parse_query(params, name)
        unsafe = wants_unsafe(params)
    except UsageError as exc:
        return _refused(request, params, name, exc, fragment=fragment)
    result = await run_in_threadpool(find, state.reader(), query, unsafe)
    audit_search(state, session, query, page, unsafe=unsafe)
    filters: dict[str, Any] = {
        "name": query.name, "county": query.county, "status": query.status,
        "from": query.date_from, "to": query.date_to, "grade": query.min_grade or "",
        "flagged": "1" if query.flagged else "", "un": "1" if query.un_ready else "",
        "unsent": "1" if query.not_submitted else "", "unsafe": "1" if unsafe else "",
        "urgent": "1" if query.taken_since else "",
    }  # fmt: skip
    kept = {k: v for k, v in filters.items() if v != "" and k != "name"}
    if query.name:
        kept["q"] = str(params.get("q", ""))
    pages = max(1, -(-result.total // PAGE_SIZE))
    return state.render(
        request,
        "persons_results.html" if fragment else "persons.html",
        result=result,
        filters=filters,
        page=page,
        pages=pages,
        statuses=STATUSES,
        place=functools.partial(place_name, lang=request_locale(request)),
        prev_href="/persons?" + urlencode({**kept, "page": page - 1}),
        next_href="/persons?" + urlencode({**kept, "page": page + 1}),
    )


def media_of(desk: Desk, detail: PersonDetail) -> dict[str, dict[str, Any] | None]:
    """Each testimony file's kind (video, audio, image), type and size, for the player;
    None for a file the desk cannot describe (not here, damaged)."""
    out: dict[str, dict[str, Any] | None] = {}
    for t in detail.testimonies:
        for blob in t.get("media", []):
            try:
                info = desk.media_info(blob)
            except AmanatError:
                out[blob] = None
                continue
            kind = kind_of(info.media_type)
            out[blob] = {"kind": kind, "media_type": info.media_type, "size": info.size}
    return out


# the desk's sentence for an id it does not hold (NotFound), translated where it is shown
NO_PERSON = N_("No person %(id)s in this desk's database.")


async def person(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    person_id = str(request.path_params["person_id"])[:80]
    desk = state.reader()
    detail = await run_in_threadpool(desk.person, person_id)
    state.audit.record("person.view", account=session.account, role=session.role, target=person_id)
    media = await run_in_threadpool(media_of, desk, detail) if detail.testimonies else {}
    return state.render(
        request,
        "person.html",
        p=detail,
        media=media,
        un_gaps=stored_gaps(detail.person),
        route=suggested_route(detail.timeline, dt.date.today()),
        can_edit=session.role in EDIT_ROLES,
        edit_fields=EDITABLE,
        edit_labels=FIELD_LABELS,
        edited=request.query_params.get("edited") == "1",
    )


async def set_language(request: Request) -> Response:
    """``GET /lang/{code}?next=/path``: remember the interface language in the
    ``amanat_lang`` cookie and go back. Only a path on this site is followed."""
    code = str(request.path_params["code"])
    if code not in i18n.LOCALES:
        return staff(request).render(request, "error.html", status=404, message="Page not found.")
    to = str(request.query_params.get("next", "/"))[:2000]
    if not to.startswith("/") or to.startswith("//") or "\\" in to:
        to = "/"
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        i18n.COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=staff(request).cookie_secure,
        path="/",
    )
    return response
