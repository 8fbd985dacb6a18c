"""The staff application: ``create_app(desk, settings)`` returns a Starlette app.

It runs over a desk or over a station (``Station``: seals, never reads). On a station
only the routes of signing in and out, the language, the home page and the intake
wizard with its uploads exist; the ``DESK_ONLY`` routes are not mounted at all, so
they answer 404, and the accounts are intake accounts only.

Who may reach what is one table, ``ROUTE_ROLES``: every route names the visitors it
admits (``ANONYMOUS``: anyone; ``PENDING``: a password accepted, TOTP not yet; else the
roles). ``create_app`` refuses a route without a rule, and ``tests/test_web_roles.py``
tries every route with every role. Every response carries a strict CSP (no inline
script or style) and the other security headers; every page is ``no-store``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from anyio import to_thread
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amanat.desk import Desk, Station
from amanat.errors import AmanatError
from amanat.settings import Settings
from amanat.web.staff import admin, api, assess, edit, i18n, intake, media, pages, review, settle
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.audit import AuditTrail
from amanat.web.staff.sessions import Session, SessionStore
from amanat.web.staff.state import (
    COOKIE,
    Backend,
    StaffState,
    request_locale,
    staff,
    template_environment,
)
from amanat.web.staff.workers import (
    LOCAL_ROUTES,
    READ_THREADS,
    Cluster,
    Forward,
    MemoryStatic,
    RemoteAudit,
    RemoteSessions,
    StateClient,
    StateServer,
)

__all__ = [
    "ANONYMOUS",
    "DESK_ONLY",
    "PENDING",
    "ROUTE_ROLES",
    "WebOptions",
    "accounts_path",
    "create_app",
    "routes",
]

ANONYMOUS = "anonymous"
PENDING = "pending"
READERS = frozenset({"researcher", "reviewer", "publisher", "admin"})
EVERYONE_IN = frozenset({"intake", *READERS})

Endpoint = Callable[[Request], Awaitable[Response]]

# (method, path) -> who may; the one place access is decided.
ROUTE_ROLES: Mapping[tuple[str, str], frozenset[str]] = {
    ("GET", "/login"): frozenset({ANONYMOUS}),
    ("POST", "/login"): frozenset({ANONYMOUS}),
    ("GET", "/login/totp"): frozenset({PENDING}),
    ("POST", "/login/totp"): frozenset({PENDING}),
    ("POST", "/logout"): EVERYONE_IN | {PENDING},
    ("GET", "/lang/{code}"): frozenset({ANONYMOUS}),  # anyone: only sets amanat_lang
    ("GET", "/"): EVERYONE_IN,
    ("GET", "/persons"): READERS,
    ("POST", "/persons"): READERS,  # the filter form: keeps a typed name out of the address
    ("GET", "/persons/{person_id}"): READERS,
    ("GET", "/media/{blob_id}"): READERS,  # a testimony's file, decrypted as it is played
    ("GET", "/persons/{person_id}/amend"): edit.EDIT_ROLES,  # edit forms (edit.py)
    ("POST", "/persons/{person_id}/amend"): edit.EDIT_ROLES,
    ("GET", "/persons/{person_id}/correct"): edit.EDIT_ROLES,
    ("POST", "/persons/{person_id}/correct"): edit.EDIT_ROLES,
    ("GET", "/persons/{person_id}/visibility"): edit.EDIT_ROLES,  # who may see a file
    ("POST", "/persons/{person_id}/visibility"): edit.EDIT_ROLES,
    ("GET", "/persons/{person_id}/consent"): edit.EDIT_ROLES,  # the testifier's consent
    ("POST", "/persons/{person_id}/consent"): edit.EDIT_ROLES,
    # a testimony recorded without a person (an imported video), linked to this one
    ("GET", "/persons/{person_id}/link-testimony"): edit.EDIT_ROLES,
    ("POST", "/persons/{person_id}/link-testimony"): edit.EDIT_ROLES,
    # a reviewer's assessment and the submissions of the case (assess.py)
    ("GET", "/persons/{person_id}/assess"): assess.ASSESS_ROLES,
    ("POST", "/persons/{person_id}/assess"): assess.ASSESS_ROLES,
    ("GET", "/persons/{person_id}/submission"): assess.ASSESS_ROLES,
    ("POST", "/persons/{person_id}/submission"): assess.ASSESS_ROLES,
    # which version of a testimony recorded more than once is genuine (settle.py)
    ("GET", "/persons/{person_id}/settle"): settle.SETTLE_ROLES,
    ("POST", "/persons/{person_id}/settle"): settle.SETTLE_ROLES,
    ("GET", "/api/persons"): READERS,
    ("POST", "/api/persons/search"): READERS,  # a name in a JSON body, never in the address
    ("GET", "/api/persons/{person_id}"): READERS,
    ("GET", "/api/openapi.json"): EVERYONE_IN,
    # one's own account (admin.py): everyone signed in; a new second factor above intake
    ("GET", "/account"): EVERYONE_IN,
    ("POST", "/account/password"): EVERYONE_IN,
    ("POST", "/account/totp"): READERS,
    ("POST", "/account/totp/confirm"): READERS,
    # the admin's pages (admin.py)
    ("GET", "/admin/accounts"): admin.ADMIN,
    ("POST", "/admin/accounts"): admin.ADMIN,
    ("POST", "/admin/accounts/{account}/disable"): admin.ADMIN,
    ("POST", "/admin/accounts/{account}/enable"): admin.ADMIN,
    ("POST", "/admin/accounts/{account}/password"): admin.ADMIN,
    ("POST", "/admin/accounts/{account}/totp"): admin.ADMIN,
    ("GET", "/admin/mirrors"): admin.ADMIN,
    # the review queue (review.py): pairs that may be one person, decided by a reviewer
    ("GET", "/review"): review.REVIEW_ROLES,
    ("POST", "/review/find"): review.REVIEW_ROLES,
    ("GET", "/review/find"): review.REVIEW_ROLES,  # how far that search is
    ("POST", "/review/confirm"): review.REVIEW_ROLES,  # proposed links, ticked on the queue
    ("GET", "/review/{person_id}/{other_id}"): review.REVIEW_ROLES,
    ("POST", "/review/{person_id}/{other_id}"): review.REVIEW_ROLES,
    # the intake wizard and its uploads (intake.py): intake, researcher, admin
    ("GET", "/intake"): intake.INTAKE_ROLES,
    ("POST", "/intake"): intake.INTAKE_ROLES,
    ("GET", "/intake/done"): intake.INTAKE_ROLES,
    ("POST", "/intake/similar"): intake.INTAKE_ROLES,
    ("POST", "/api/uploads"): intake.INTAKE_ROLES,
    ("GET", "/api/uploads/{upload_id}"): intake.INTAKE_ROLES,
    ("PUT", "/api/uploads/{upload_id}"): intake.INTAKE_ROLES,
    ("DELETE", "/api/uploads/{upload_id}"): intake.INTAKE_ROLES,
}

# Routes that read the desk's database or serve a second factor: absent on a station,
# which keeps intake accounts only (no TOTP) and can read nothing back.
DESK_ONLY: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/login/totp"),
        ("POST", "/login/totp"),
        ("POST", "/intake/similar"),
        ("GET", "/review"),
        ("POST", "/review/find"),
        ("GET", "/review/find"),
        ("POST", "/review/confirm"),
        ("GET", "/review/{person_id}/{other_id}"),
        ("POST", "/review/{person_id}/{other_id}"),
        ("GET", "/persons"),
        ("POST", "/persons"),
        ("GET", "/persons/{person_id}"),
        ("GET", "/media/{blob_id}"),
        ("GET", "/persons/{person_id}/amend"),
        ("POST", "/persons/{person_id}/amend"),
        ("GET", "/persons/{person_id}/correct"),
        ("POST", "/persons/{person_id}/correct"),
        ("GET", "/persons/{person_id}/visibility"),
        ("POST", "/persons/{person_id}/visibility"),
        ("GET", "/persons/{person_id}/consent"),
        ("POST", "/persons/{person_id}/consent"),
        ("GET", "/persons/{person_id}/link-testimony"),
        ("POST", "/persons/{person_id}/link-testimony"),
        ("GET", "/persons/{person_id}/settle"),
        ("POST", "/persons/{person_id}/settle"),
        ("GET", "/api/persons"),
        ("POST", "/api/persons/search"),
        ("GET", "/api/persons/{person_id}"),
        ("GET", "/api/openapi.json"),
        ("POST", "/account/totp"),
        ("POST", "/account/totp/confirm"),
        ("GET", "/admin/accounts"),
        ("POST", "/admin/accounts"),
        ("POST", "/admin/accounts/{account}/disable"),
        ("POST", "/admin/accounts/{account}/enable"),
        ("POST", "/admin/accounts/{account}/password"),
        ("POST", "/admin/accounts/{account}/totp"),
        ("GET", "/admin/mirrors"),
    }
)

_ENDPOINTS: list[tuple[str, str, Endpoint]] = [
    ("GET", "/login", pages.login_form),
    ("POST", "/login", pages.login),
    ("GET", "/login/totp", pages.totp_form),
    ("POST", "/login/totp", pages.totp),
    ("POST", "/logout", pages.logout),
    ("GET", "/lang/{code}", pages.set_language),
    ("GET", "/", pages.home),
    ("GET", "/persons", pages.persons),
    ("POST", "/persons", pages.search_persons),
    ("GET", "/persons/{person_id}", pages.person),
    ("GET", "/media/{blob_id}", media.media),
    ("GET", "/persons/{person_id}/amend", edit.amend_form),
    ("POST", "/persons/{person_id}/amend", edit.amend),
    ("GET", "/persons/{person_id}/correct", edit.correct_form),
    ("POST", "/persons/{person_id}/correct", edit.correct),
    ("GET", "/persons/{person_id}/visibility", edit.visibility_form),
    ("POST", "/persons/{person_id}/visibility", edit.visibility),
    ("GET", "/persons/{person_id}/consent", edit.consent_form),
    ("POST", "/persons/{person_id}/consent", edit.consent),
    ("GET", "/persons/{person_id}/link-testimony", edit.link_form),
    ("POST", "/persons/{person_id}/link-testimony", edit.link),
    ("GET", "/persons/{person_id}/assess", assess.assess_form),
    ("POST", "/persons/{person_id}/assess", assess.assess),
    ("GET", "/persons/{person_id}/submission", assess.submission_form),
    ("POST", "/persons/{person_id}/submission", assess.submission),
    ("GET", "/persons/{person_id}/settle", settle.settle_form),
    ("POST", "/persons/{person_id}/settle", settle.settle),
    ("GET", "/api/persons", api.api_persons),
    ("POST", "/api/persons/search", api.api_search),
    ("GET", "/api/persons/{person_id}", api.api_person),
    ("GET", "/api/openapi.json", api.api_openapi),
    ("GET", "/account", admin.account_page),
    ("POST", "/account/password", admin.change_password),
    ("POST", "/account/totp", admin.totp_begin),
    ("POST", "/account/totp/confirm", admin.totp_confirm),
    ("GET", "/admin/accounts", admin.accounts_page),
    ("POST", "/admin/accounts", admin.account_add),
    ("POST", "/admin/accounts/{account}/disable", admin.account_disable),
    ("POST", "/admin/accounts/{account}/enable", admin.account_enable),
    ("POST", "/admin/accounts/{account}/password", admin.account_password),
    ("POST", "/admin/accounts/{account}/totp", admin.account_totp),
    ("GET", "/admin/mirrors", admin.mirrors_page),
    ("GET", "/intake", intake.intake_form),
    ("POST", "/intake", intake.intake_post),
    ("GET", "/intake/done", intake.intake_done),
    ("POST", "/intake/similar", intake.intake_similar),
    ("GET", "/review", review.queue),
    ("POST", "/review/find", review.find),
    ("GET", "/review/find", review.find_progress),
    ("POST", "/review/confirm", review.confirm),
    ("GET", "/review/{person_id}/{other_id}", review.pair_page),
    ("POST", "/review/{person_id}/{other_id}", review.decide),
    ("POST", "/api/uploads", intake.upload_start),
    ("GET", "/api/uploads/{upload_id}", intake.upload_status),
    ("PUT", "/api/uploads/{upload_id}", intake.upload_put),
    ("DELETE", "/api/uploads/{upload_id}", intake.upload_abort),
]

STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@dataclass(frozen=True)
class WebOptions:
    """Knobs of one app. Tests pass a fake clock and a cheap argon2 ("insecure but fast")."""

    audit_interval: float = 60.0
    clock: Callable[[], float] = time.time
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    cookie_secure: bool = False  # True behind TLS; plain http on 127.0.0.1 otherwise
    upload_limit: int = 4 * 2**30  # bytes in one uploaded file (a camera card's video)


def accounts_path(desk: Backend) -> Path:
    return desk.home.path / "web" / "accounts.json"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _refuse(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:
        return RedirectResponse("/login", status_code=303)
    return staff(request).render(request, "error.html", status=status, message=message)


def _guard(method: str, path: str, endpoint: Endpoint) -> Endpoint:
    allowed = ROUTE_ROLES.get((method, path))
    if allowed is None:
        raise ValueError(f"route {method} {path} has no rule in ROUTE_ROLES")

    async def guarded(request: Request) -> Response:
        state = staff(request)
        session = await state.sessions.lookup(request.cookies.get(COOKIE))
        request.state.session = session
        if method in ("POST", "PUT", "DELETE") and not await _csrf_ok(request, session):
            return _refuse(
                request, 403, "The form has expired. Please reload the page and try again."
            )
        if ANONYMOUS in allowed:
            return await endpoint(request)
        if session is None:
            return _refuse(request, 401, "Your session has expired. Please log in again.")
        if session.stage == "totp" and PENDING in allowed:
            return await endpoint(request)
        if session.stage != "in":
            return _refuse(request, 401, "Your session has expired. Please log in again.")
        if session.role not in allowed:
            return _refuse(request, 403, "You do not have permission to see this page.")
        searches = dict(session.searches)
        if (method, path) in READING_PAGES or (
            (method, path) == ("POST", "/persons") and pages.in_place(request)
        ):
            async with _page_lane(request):
                response = await endpoint(request)
        else:
            response = await endpoint(request)
        # In a worker the session is a copy: the primary keeps each name it remembered,
        # beside the names other requests remembered meanwhile.
        for key, name in session.searches.items():
            if searches.get(key) != name:
                state.sessions.remember(session.token, key, name)
        return response

    return guarded


# The pages that read the views (the list, a name search, a person's page, their JSON
# twins, and the filter form when its script asks for the results in place) run
# PAGE_LANE at a time in a process, in the order they were asked for; the
# others wait in line. Python runs one thread of a process at a time, so pages run side
# by side finish no sooner: they only stretch one another, a name search most (it does
# the most work), and under 20 clients without pause its 95th percentile went to 300-450
# ms while list pages took 25. In one line every page waits as long as the others, and
# all three kinds stay under 100 ms (docs/performance.md, "The staff app under load").
# What waits takes no database thread. Forms, sign-in and uploads never wait here.
PAGE_LANE = 1
READING_PAGES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/persons"),
        ("GET", "/persons/{person_id}"),
        ("GET", "/api/persons"),
        ("GET", "/api/persons/{person_id}"),
        ("POST", "/api/persons/search"),
    }
)


def _page_lane(request: Request) -> asyncio.Semaphore:
    lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
    lanes = request.app.state.page_lanes
    loop = asyncio.get_running_loop()
    if loop not in lanes:  # a server has one loop; tests make many
        lanes[loop] = asyncio.Semaphore(PAGE_LANE)
    return lanes[loop]


MAX_FORM_FIELDS = 300  # the most fields any form of the app sends (intake: 200)


async def _csrf_ok(request: Request, session: Session | None) -> bool:
    if session is None:
        return False
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        # The form read here is the one the route reads (Starlette keeps it): its limit
        # must hold the largest form, a full page of ticked links (50) with its reason,
        # or the intake wizard; at 50, confirming a page of links was refused.
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        sent = str(form.get("csrf", ""))
    return secrets.compare_digest(sent.encode(), session.csrf.encode())


class SecurityHeaders:
    """Adds the security headers to every response, and ``no-store`` outside /static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not static:
                    extra["cache-control"] = "no-store"
                for k, v in extra.items():
                    if k.encode() not in names:
                        headers.append((k.encode(), v.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _amanat_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AmanatError)
    text = i18n.said(request_locale(request), exc)  # in the language of the page
    if _is_api(request):
        return JSONResponse({"error": text}, status_code=exc.http_status)
    return staff(request).render(request, "error.html", status=exc.http_status, message=text)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = (
        "Page not found."
        if exc.status_code == 404
        else "Something went wrong. Nothing was saved. Please try again."
    )
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=exc.status_code)
    return staff(request).render(request, "error.html", status=exc.status_code, message=message)


def routes(*, station: bool = False, forward_to: str = "") -> list[BaseRoute]:
    """Every route, guarded; on a station, without the ``DESK_ONLY`` ones. In a reading
    worker (``forward_to``: the primary's socket), the routes outside ``LOCAL_ROUTES``
    are passed to the primary, which guards them."""
    out: list[BaseRoute] = [
        Route(path, Forward(forward_to), methods=[method])
        if forward_to and (method, path) not in LOCAL_ROUTES
        else Route(path, _guard(method, path, endpoint), methods=[method])
        for method, path, endpoint in _ENDPOINTS
        if not (station and (method, path) in DESK_ONLY)
    ]
    static = MemoryStatic(STATIC) if forward_to else StaticFiles(directory=STATIC, check_dir=False)
    out.append(Mount("/static", static, name="static"))
    return out


def create_app(
    desk: Desk | Station,
    settings: Settings,
    options: WebOptions | None = None,
    *,
    cluster: Cluster | None = None,
    primary: bool = True,
) -> Starlette:
    """The staff app over an open desk or a station. ``settings`` is kept for the
    settings the app will read (none yet beyond the desk's own).

    With a ``cluster`` (``amanat serve --workers N``, see ``workers.py``) the app is
    either its primary, which answers the others' calls on its sessions and audit trail,
    or (``primary=False``) a reading worker, which serves ``LOCAL_ROUTES`` with the
    primary's sessions and forwards every other route to it."""
    opts = options or WebOptions()
    station = not isinstance(desk, Desk)
    worker = cluster is not None and not primary
    forward_to = cluster.forward_socket if cluster is not None and worker else ""
    accounts = AccountStore(
        accounts_path(desk),
        sealer=desk.secret_box("staff totp") if isinstance(desk, Desk) else None,
        hasher=opts.hasher,
        clock=opts.clock,
    )
    sessions = SessionStore(opts.clock)
    audit = AuditTrail(desk.seal_audit, interval=opts.audit_interval, clock=opts.clock)
    server: StateServer | None = None
    if cluster is not None and worker:
        client = StateClient(cluster)
        sessions = RemoteSessions(client, opts.clock)
        audit = RemoteAudit(client, opts.clock)
    elif cluster is not None:
        server = StateServer(cluster, sessions, audit)
        server.start()
    env = template_environment()
    env.auto_reload = False  # templates are compiled once, not checked on disk per request
    state = StaffState(
        desk=desk,
        accounts=accounts,
        sessions=sessions,
        audit=audit,
        env=env,
        cookie_secure=opts.cookie_secure,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def seal_every_interval() -> None:
            while True:
                await asyncio.sleep(opts.audit_interval)
                with contextlib.suppress(AmanatError, OSError):  # kept; retried next time
                    await run_in_threadpool(audit.flush)

        task = asyncio.create_task(seal_every_interval())
        if worker:  # reads only: a few threads, so a few warm database connections
            to_thread.current_default_thread_limiter().total_tokens = READ_THREADS
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await run_in_threadpool(audit.flush)
            if server is not None:
                server.close()

    app = Starlette(
        routes=routes(station=station, forward_to=forward_to),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={AmanatError: _amanat_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.staff = state
    app.state.page_lanes = weakref.WeakKeyDictionary()
    app.state.duplicate_search = review.DuplicateSearch()
    app.state.state_server = server  # the primary's, closed when the app stops
    if not worker:  # uploads and drafts live in the primary (desk.uploads cleans leftovers)
        app.state.intake = intake.IntakeState(desk.uploads(limit=opts.upload_limit), opts.clock)
    app.state.settings = settings
    return app
