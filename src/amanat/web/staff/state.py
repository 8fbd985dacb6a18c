"""What every request handler of the staff app shares: the desk, accounts, sessions,
audit trail and templates, held on ``app.state.staff`` (one per app, no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from amanat.desk import Desk
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.audit import AuditTrail
from amanat.web.staff.sessions import Session, SessionStore

__all__ = ["COOKIE", "StaffState", "staff", "template_environment"]

COOKIE = "amanat_session"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_environment() -> Environment:
    """Jinja2 with autoescaping on for every template, and gettext-style ``_()`` and
    ``{% trans %}`` so the catalogues can be extracted (null translations until the
    interface languages are wired in)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    cast(Any, env).install_null_translations(newstyle=True)
    return env


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
        html = self.env.get_template(name).render(
            session=session if session and session.stage == "in" else None,
            csrf=session.csrf if session else "",
            **context,
        )
        return HTMLResponse(html, status_code=status)


def staff(request: Request) -> StaffState:
    state: StaffState = request.app.state.staff
    return state
