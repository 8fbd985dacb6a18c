"""Accounts and mirrors: the admin's pages, and every person's own account page.

Admin (``ADMIN``):

    GET  /admin/accounts                      every account, its role and state; add one
    POST /admin/accounts                      add: a new random password, shown once
    POST /admin/accounts/{account}/disable    it cannot sign in; its sessions end
    POST /admin/accounts/{account}/enable
    POST /admin/accounts/{account}/password   a new random password, shown once
    POST /admin/accounts/{account}/totp       a new second factor at its next sign-in
    GET  /admin/mirrors                       each mirror, what it holds, what is unsafe

Everyone signed in (``/account``): change one's own password (the old one required),
and, above intake, set up a new second factor (the password required, then a code from
the new secret; the old one works until then).

A new account above intake gets no second factor from the admin: its owner sets one up
at the first sign-in, on their own phone, so no one else ever sees the secret. Forcing
a re-enrolment works the same way (a lost phone); when the password may be lost with
it, reset both. Every change is audited with the account's name as target (staff
account names, never a victim's).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from amanat.errors import UsageError
from amanat.web.staff.accounts import ROLES, ROLES_WITH_TOTP, LoginStep
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import StaffState, staff

__all__ = ["ADMIN", "group_secret"]

ADMIN = frozenset({"admin"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def N_(message: str) -> str:
    """Mark a message for the catalogues; templates translate it."""
    return message


ROLE_LABELS = {
    "intake": N_("Intake volunteer"),
    "researcher": N_("Researcher"),
    "reviewer": N_("Reviewer"),
    "publisher": N_("Publisher"),
    "admin": N_("Administrator"),
}
WRONG_PASSWORD = N_("The current password is wrong.")
NEW_DIFFERS = N_("The two new passwords differ.")
TOO_SHORT = N_("Choose a password of at least 10 characters.")
TOO_LONG = N_("Choose a password of at most 1,000 characters, without NUL characters.")
MAX_PASSWORD = 1000
WRONG_CODE = N_("Wrong two-factor code.")
LOCKED = N_("Too many failed attempts. Try again in 15 minutes.")
NOT_YOURSELF = N_("You cannot disable your own account.")
BAD_NAME = N_("An account name is 2-40 lower-case letters, digits, dots, dashes or underscores.")
TAKEN = N_("An account with this name already exists.")
NO_ROLE = N_("Choose a role.")


def group_secret(secret: str) -> str:
    """A TOTP secret in groups of four, easier to type into a phone."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _account(request: Request) -> str:
    name = str(request.path_params["account"])
    return name if _NAME.match(name) else ""


def _who(request: Request) -> Session:
    session: Session = request.state.session
    return session


# -- one's own account -------------------------------------------------------------------


def _render_account(request: Request, status: int = 200, **context: Any) -> Response:
    state = staff(request)
    session = _who(request)
    can_totp = session.role in ROLES_WITH_TOTP and state.accounts.sealer is not None
    return state.render(
        request, "account.html", status=status, can_totp=can_totp, group=group_secret, **context
    )


async def account_page(request: Request) -> Response:
    return _render_account(request)


async def change_password(request: Request) -> Response:
    state = staff(request)
    session = _who(request)
    form = await request.form(max_files=0)
    old = str(form.get("old", ""))
    new = str(form.get("new", ""))
    if new != str(form.get("again", "")):
        return _render_account(request, 400, problem=NEW_DIFFERS)
    if len(new) > MAX_PASSWORD or "\x00" in new:
        return _render_account(request, 400, problem=TOO_LONG)
    try:
        step = await run_in_threadpool(state.accounts.change_password, session.account, old, new)
    except UsageError:
        return _render_account(request, 400, problem=TOO_SHORT)
    if step is not LoginStep.DONE:
        problem = LOCKED if step is LoginStep.LOCKED else WRONG_PASSWORD
        return _render_account(request, 400, problem=problem)
    state.audit.record(
        "password.changed", account=session.account, role=session.role, target=session.account
    )
    return _render_account(request, done="password")


async def totp_begin(request: Request) -> Response:
    """The password again, then a new secret to add to the phone (pending until a code
    from it is typed)."""
    state = staff(request)
    session = _who(request)
    form = await request.form(max_files=0)
    password = str(form.get("password", ""))
    step = await run_in_threadpool(state.accounts.check_password, session.account, password)
    if step not in (LoginStep.TOTP, LoginStep.DONE):
        problem = LOCKED if step is LoginStep.LOCKED else WRONG_PASSWORD
        return _render_account(request, 400, problem=problem)
    enrolment = await run_in_threadpool(
        lambda: state.accounts.begin_enrolment(session.account, fresh=True)
    )
    return _render_account(request, enrolment=enrolment)


async def totp_confirm(request: Request) -> Response:
    state = staff(request)
    session = _who(request)
    form = await request.form(max_files=0)
    code = str(form.get("code", ""))[:20]
    step = await run_in_threadpool(state.accounts.confirm_enrolment, session.account, code)
    if step is not LoginStep.DONE:
        enrolment = await run_in_threadpool(state.accounts.begin_enrolment, session.account)
        problem = LOCKED if step is LoginStep.LOCKED else WRONG_CODE
        return _render_account(request, 400, problem=problem, enrolment=enrolment)
    state.audit.record(
        "totp.enrolled", account=session.account, role=session.role, target=session.account
    )
    return _render_account(request, done="totp")


# -- the admin's accounts page -----------------------------------------------------------


def _render_accounts(request: Request, status: int = 200, **context: Any) -> Response:
    state = staff(request)
    return state.render(
        request,
        "admin_accounts.html",
        status=status,
        accounts=state.accounts.infos(),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        **context,
    )


def _audit(state: StaffState, session: Session, action: str, target: str) -> None:
    state.audit.record(action, account=session.account, role=session.role, target=target)


async def accounts_page(request: Request) -> Response:
    return await run_in_threadpool(_render_accounts, request)


async def account_add(request: Request) -> Response:
    state = staff(request)
    session = _who(request)
    form = await request.form(max_files=0)
    name = str(form.get("name", "")).strip().lower()[:100]
    role = str(form.get("role", ""))[:20]
    typed = {"name": name, "role": role}
    if not _NAME.match(name):
        return _render_accounts(request, 400, problem=BAD_NAME, typed=typed)
    if role not in ROLES:
        return _render_accounts(request, 400, problem=NO_ROLE, typed=typed)
    if state.accounts.get(name) is not None:
        return _render_accounts(request, 400, problem=TAKEN, typed=typed)

    def add() -> str:
        state.accounts.add(name, role, secrets.token_urlsafe(24))
        if role in ROLES_WITH_TOTP:
            state.accounts.reset_totp(name)  # its owner sets it up at the first sign-in
        return state.accounts.reset_password(name)  # a random one, shown once

    password = await run_in_threadpool(add)
    _audit(state, session, "account.added", name)
    return _render_accounts(request, shown={"account": name, "password": password})


async def _act(request: Request, action: str) -> Response:
    state = staff(request)
    session = _who(request)
    name = _account(request)
    if not name or state.accounts.get(name) is None:
        return _render_accounts(request, 404, problem=N_("There is no such account."))
    shown: dict[str, str] | None = None
    if action == "disable":
        if name == session.account:
            return _render_accounts(request, 400, problem=NOT_YOURSELF)
        await run_in_threadpool(state.accounts.set_disabled, name, True)
        _audit(state, session, "account.disabled", name)
    elif action == "enable":
        await run_in_threadpool(state.accounts.set_disabled, name, False)
        _audit(state, session, "account.enabled", name)
    elif action == "password":
        password = await run_in_threadpool(state.accounts.reset_password, name)
        shown = {"account": name, "password": password}
        _audit(state, session, "account.password_reset", name)
    else:
        try:
            await run_in_threadpool(state.accounts.reset_totp, name)
        except UsageError:
            return _render_accounts(
                request, 400, problem=N_("Intake accounts have no second factor.")
            )
        _audit(state, session, "account.totp_reset", name)
    if action != "enable" and name != session.account:
        state.sessions.end_account(name)
    return _render_accounts(request, done=action, target=name, shown=shown)


async def account_disable(request: Request) -> Response:
    return await _act(request, "disable")


async def account_enable(request: Request) -> Response:
    return await _act(request, "enable")


async def account_password(request: Request) -> Response:
    return await _act(request, "password")


async def account_totp(request: Request) -> Response:
    return await _act(request, "totp")


# -- mirrors -----------------------------------------------------------------------------


async def mirrors_page(request: Request) -> Response:
    state = staff(request)
    report = await run_in_threadpool(state.reader().mirror_safety)
    return state.render(request, "admin_mirrors.html", report=report)
