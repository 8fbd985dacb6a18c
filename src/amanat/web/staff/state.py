"""What every request handler of the staff app shares: the desk (or station), accounts,
sessions, audit trail and templates, held on ``app.state.staff`` (one per app, no globals).

The app runs over a ``Desk`` or a ``Station``: ``Backend`` is what it needs of either
(sealing an intake, receiving uploads, sealing audit events). Reading persons needs a
desk: ``StaffState.reader()`` returns it, and answers 404 on a station."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from amanat.desk import Desk
from amanat.desk.service import Finished, UploadRegistry
from amanat.i18n import DEFAULT_LOCALE, translator
from amanat.records import flags
from amanat.web.labels import label
from amanat.web.staff import i18n
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.audit import AuditTrail
from amanat.web.staff.places import place_shown
from amanat.web.staff.qr import qr_svg
from amanat.web.staff.sessions import Session, SessionStore

__all__ = [
    "COOKIE",
    "REVIEW_ROLES",
    "Backend",
    "StaffState",
    "request_locale",
    "staff",
    "template_environment",
]

COOKIE = "amanat_session"
# who decides merges: a reviewer, and the roles above it (docs/guide/staff-app.md,
# "Roles"); the review pages (review.py) and the links to them in every page's menu
REVIEW_ROLES = frozenset({"reviewer", "publisher", "admin"})
TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_environment() -> Environment:
    """Jinja2 with autoescaping on for every template, and ``_()`` / ``ngettext`` /
    ``{% trans %}`` in the language of each render (its ``lang`` variable, see
    :func:`i18n.install`): one environment serves every language at once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    i18n.install(env, None)
    env.globals["label"] = label
    env.globals["qr"] = qr_svg
    env.globals["locales"] = i18n.LOCALES
    env.globals["review_roles"] = REVIEW_ROLES
    env.globals["place_shown"] = place_shown
    env.globals["flag_kinds"] = flags.KINDS
    env.globals["flag_fields"] = flags.FIELDS
    env.globals["flag_sentence"] = _flag_sentence
    return env


@pass_context
def _flag_sentence(context: Context, flag: dict[str, Any]) -> str:
    """``flag_sentence(f)``: a flag's sentence in the language of the render, its
    values filled in after translation (``records.flags.sentence``)."""
    t = translator(str(context.get(i18n.LOCALE_VAR, DEFAULT_LOCALE)))
    return flags.sentence(flag["kind"], flag.get("args") or {}, flag["detail"], t.gettext)


def request_locale(request: Request) -> str:
    """The interface language of this request: the ``amanat_lang`` cookie, else the
    browser's ``Accept-Language``, else English."""
    return i18n.negotiate(
        request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE_NAME)
    )


class _HomeLike(Protocol):
    @property
    def path(self) -> Path: ...


class _Receipt(Protocol):
    @property
    def entry_id(self) -> str: ...


class Backend(Protocol):
    """What the staff app uses of a ``Desk`` or a ``Station``."""

    @property
    def home(self) -> _HomeLike: ...

    def seal_intake(
        self, changes: Sequence[dict[str, Any]], files: Sequence[Finished], *, note: str = ""
    ) -> _Receipt: ...

    def uploads(self, *, limit: int = ...) -> UploadRegistry: ...

    def seal_audit(self, events: Sequence[dict[str, Any]]) -> _Receipt: ...


@dataclass
class StaffState:
    desk: Backend
    accounts: AccountStore
    sessions: SessionStore
    audit: AuditTrail
    env: Environment
    cookie_secure: bool

    def reader(self) -> Desk:
        """The desk, to read persons; a station has none of those pages (404)."""
        if not isinstance(self.desk, Desk):
            raise HTTPException(404)
        return self.desk

    def render(
        self, request: Request, name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None)
        lang = request_locale(request)
        html = self.env.get_template(name).render(
            session=session if session and session.stage == "in" else None,
            csrf=session.csrf if session else "",
            lang=lang,
            locale=i18n.LOCALES[lang],
            # the page with its address's query (?q=KEY of a search, ?page=2: no
            # names), for the language links to come back to
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        )
        return HTMLResponse(html, status_code=status)


def staff(request: Request) -> StaffState:
    state: StaffState = request.app.state.staff
    return state
