"""What every request handler of the staff app shares: the desk, accounts, sessions,
audit trail and templates, held on ``app.state.staff`` (one per app, no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from amanat.desk import Desk
from amanat.web.staff import i18n
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.audit import AuditTrail
from amanat.web.staff.labels import label
from amanat.web.staff.sessions import Session, SessionStore

__all__ = ["COOKIE", "StaffState", "request_locale", "staff", "template_environment"]

COOKIE = "amanat_session"
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
    env.globals["locales"] = i18n.LOCALES
    return env


def request_locale(request: Request) -> str:
    """The interface language of this request: the ``amanat_lang`` cookie, else the
    browser's ``Accept-Language``, else English."""
    return i18n.negotiate(
        request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE_NAME)
    )


@dataclass
class StaffState:
    desk: Desk
    accounts: AccountStore
    sessions: SessionStore
    audit: AuditTrail
    env: Environment
    cookie_secure: bool

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
            here=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status)


def staff(request: Request) -> StaffState:
    state: StaffState = request.app.state.staff
    return state
