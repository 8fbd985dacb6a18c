"""Staff accounts: roles, argon2id passwords, TOTP second factors, lockout.

Stored in ``HOME/web/accounts.json`` (mode 0600)::

    {"format": "amanat-staff-accounts", "version": 1,
     "accounts": {"aigerim": {"role": "researcher", "password": "$argon2id$…",
                               "totp": "<sealed base64>", "failures": 0,
                               "locked_until": 0, "last_totp_step": 0,
                               "disabled": false, "enrol": false,
                               "pending_totp": null}}}

``disabled`` accounts cannot sign in. ``enrol`` means the account must set up a new
second factor at its next sign-in (an admin forced it, or the account is new): the
secret is made then, kept sealed in ``pending_totp`` until a code from it is typed.
The three fields are optional (absent in files written before them).

A TOTP secret is sealed by the desk (``Desk.secret_box``: ChaCha20-Poly1305 under a key
derived from the desk identity and bound to the account name), so a seized, powered-off
desk yields no second factor. A station holds no desk key: it keeps intake accounts
only, which need no second factor (an intake volunteer cannot read anything back).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from amanat.errors import FormatError, InputError, NotFound, UnsupportedVersion, UsageError

__all__ = [
    "ROLES",
    "ROLES_WITH_TOTP",
    "AccountInfo",
    "AccountStore",
    "Enrolment",
    "LoginStep",
    "SecretSealer",
]

ROLES = ("intake", "researcher", "reviewer", "publisher", "admin")
ROLES_WITH_TOTP = frozenset(ROLES[1:])  # every role above intake (issue 5)
MAX_FAILURES = 5
LOCKOUT_S = 15 * 60
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
ISSUER = "Amanat"
FILE_FORMAT = "amanat-staff-accounts"


class SecretSealer(Protocol):
    """What ``Desk.secret_box`` returns: seals a small secret bound to a context."""

    def seal(self, plaintext: str, context: str) -> str: ...

    def open(self, sealed: str, context: str) -> str: ...


class LoginStep(Enum):
    DONE = "done"  # signed in
    TOTP = "totp"  # password right; the second factor is next
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class Enrolment:
    """Shown once, when an account is made: the TOTP secret and its otpauth:// URI."""

    secret: str
    uri: str


@dataclass(frozen=True)
class Account:
    name: str
    role: str


@dataclass(frozen=True)
class AccountInfo:
    """What the admin page shows of an account (no secret)."""

    name: str
    role: str
    disabled: bool
    locked: bool
    has_totp: bool
    must_enrol: bool


class AccountStore:
    """The accounts file of one home. Every change is written at once (atomic, 0600);
    a lock keeps concurrent requests from losing a failure count."""

    def __init__(
        self,
        path: Path,
        *,
        sealer: SecretSealer | None,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], float],
    ) -> None:
        if not path.is_absolute():
            raise ValueError("an accounts file path must be absolute")
        self.path = path
        self.sealer = sealer
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self.clock = clock
        self._lock = threading.Lock()
        # Verified against when the name is unknown, so a wrong name costs the same time
        # as a wrong password and does not reveal which names exist.
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    # -- file ----------------------------------------------------------------------------

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            doc = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, UnicodeDecodeError):
            raise FormatError("%(path)s is not a readable accounts file.", path=self.path) from None
        if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
            raise FormatError("%(path)s is not an Amanat accounts file.", path=self.path)
        if doc.get("version") != 1:
            raise UnsupportedVersion("This accounts file was made by a newer Amanat.")
        accounts: dict[str, dict[str, Any]] = doc["accounts"]
        return accounts

    def _write(self, accounts: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        doc = {"format": FILE_FORMAT, "version": 1, "accounts": accounts}
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    # -- accounts ------------------------------------------------------------------------

    def get(self, name: str) -> Account | None:
        found = self._read().get(name)
        return None if found is None else Account(name, str(found["role"]))

    def names(self) -> list[Account]:
        return [Account(n, str(a["role"])) for n, a in sorted(self._read().items())]

    def add(self, name: str, role: str, password: str) -> Enrolment | None:
        """Make an account; return its TOTP enrolment (to show once) when the role needs one."""
        if not _NAME.match(name):
            raise UsageError(
                "An account name is 2-40 lower-case letters, digits, dots, dashes or underscores."
            )
        if role not in ROLES:
            raise UsageError(
                "Unknown role %(role)s; use one of %(roles)s.",
                role=repr(role),
                roles=", ".join(ROLES),
            )
        if len(password) < MIN_PASSWORD:
            raise UsageError(
                "Choose a password of at least %(count)s characters.", count=MIN_PASSWORD
            )
        enrolment = None
        sealed = None
        if role in ROLES_WITH_TOTP:
            if self.sealer is None:
                raise UsageError("A station has intake accounts only; add this one on a desk.")
            secret = pyotp.random_base32()
            sealed = self.sealer.seal(secret, name)
            uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
            enrolment = Enrolment(secret, uri)
        with self._lock:
            accounts = self._read()
            if name in accounts:
                raise InputError("An account named %(name)s already exists.", name=name)
            accounts[name] = {
                "role": role,
                "password": self.hasher.hash(password),
                "totp": sealed,
                "failures": 0,
                "locked_until": 0,
                "last_totp_step": 0,
            }
            self._write(accounts)
        return enrolment

    # -- signing in ----------------------------------------------------------------------

    def check_password(self, name: str, password: str) -> LoginStep:
        with self._lock:
            accounts = self._read()
            found = accounts.get(name)
            if found is None:
                with contextlib.suppress(VerificationError, InvalidHashError):
                    self.hasher.verify(self._dummy, password)
                return LoginStep.FAILED
            if found.get("disabled"):
                with contextlib.suppress(VerificationError, InvalidHashError):
                    self.hasher.verify(self._dummy, password)
                return LoginStep.FAILED
            if self._locked(found):
                return LoginStep.LOCKED
            try:
                self.hasher.verify(found["password"], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return self._fail(accounts, found)
            if self.hasher.check_needs_rehash(found["password"]):
                found["password"] = self.hasher.hash(password)
            if found["role"] in ROLES_WITH_TOTP:
                self._write(accounts)
                return LoginStep.TOTP
            found["failures"] = 0
            self._write(accounts)
            return LoginStep.DONE

    def check_totp(self, name: str, code: str) -> LoginStep:
        """The second factor: a code of this or a neighbouring 30 s step, never reused."""
        with self._lock:
            accounts = self._read()
            found = accounts.get(name)
            if found is None or not found.get("totp") or self.sealer is None:
                return LoginStep.FAILED
            if found.get("disabled") or found.get("enrol"):
                return LoginStep.FAILED
            if self._locked(found):
                return LoginStep.LOCKED
            totp = pyotp.TOTP(self.sealer.open(found["totp"], name))
            now = int(self.clock())
            typed = "".join(code.split())
            for offset in (0, -1, 1):
                step = now // totp.interval + offset
                if step > found["last_totp_step"] and secrets.compare_digest(
                    totp.generate_otp(step), typed
                ):
                    found["last_totp_step"] = step
                    found["failures"] = 0
                    self._write(accounts)
                    return LoginStep.DONE
            return self._fail(accounts, found)

    def _locked(self, found: dict[str, Any]) -> bool:
        return bool(self.clock() < found["locked_until"])

    def _fail(self, accounts: dict[str, dict[str, Any]], found: dict[str, Any]) -> LoginStep:
        found["failures"] += 1
        if found["failures"] >= MAX_FAILURES:
            found["failures"] = 0
            found["locked_until"] = int(self.clock()) + LOCKOUT_S
            self._write(accounts)
            return LoginStep.LOCKED
        self._write(accounts)
        return LoginStep.FAILED

    # -- administration (the admin pages) and one's own account ---------------------------

    def _change(self, name: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        accounts = self._read()
        found = accounts.get(name)
        if found is None:
            raise NotFound("There is no account named %(name)s.", name=name[:40])
        return accounts, found

    def infos(self) -> list[AccountInfo]:
        return [
            AccountInfo(
                n,
                str(a["role"]),
                bool(a.get("disabled")),
                self._locked(a),
                bool(a.get("totp")),
                bool(a.get("enrol")),
            )
            for n, a in sorted(self._read().items())
        ]

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable an account (it cannot sign in) or enable it again."""
        with self._lock:
            accounts, found = self._change(name)
            found["disabled"] = disabled
            found["failures"] = 0
            self._write(accounts)

    def reset_password(self, name: str) -> str:
        """Give the account a new random password (returned, to show once) and lift any
        lockout; the person then chooses their own on their account page."""
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        with self._lock:
            accounts, found = self._change(name)
            found["password"] = self.hasher.hash(password)
            found["failures"] = 0
            found["locked_until"] = 0
            self._write(accounts)
        return password

    def change_password(self, name: str, old: str, new: str) -> LoginStep:
        """Change one's own password: the old one must be right (a wrong one counts
        towards the lockout, as at sign-in); DONE when changed."""
        if len(new) < MIN_PASSWORD:
            raise UsageError(
                "Choose a password of at least %(count)s characters.", count=MIN_PASSWORD
            )
        with self._lock:
            accounts, found = self._change(name)
            if found.get("disabled"):
                return LoginStep.FAILED
            if self._locked(found):
                return LoginStep.LOCKED
            try:
                self.hasher.verify(found["password"], old)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return self._fail(accounts, found)
            found["password"] = self.hasher.hash(new)
            found["failures"] = 0
            self._write(accounts)
            return LoginStep.DONE

    def reset_totp(self, name: str) -> None:
        """Make the account set up a new second factor at its next sign-in; the old one
        stops working at once."""
        with self._lock:
            accounts, found = self._change(name)
            if found["role"] not in ROLES_WITH_TOTP:
                raise UsageError("This account has no second factor (intake accounts need none).")
            found["totp"] = None
            found["pending_totp"] = None
            found["enrol"] = True
            self._write(accounts)

    def needs_enrolment(self, name: str) -> bool:
        found = self._read().get(name)
        return bool(found and found.get("enrol") and found["role"] in ROLES_WITH_TOTP)

    def begin_enrolment(self, name: str, *, fresh: bool = False) -> Enrolment:
        """A new TOTP secret for the account, kept sealed as pending until a code from it
        is confirmed (``confirm_enrolment``); the same one again unless ``fresh``."""
        if self.sealer is None:
            raise UsageError("A station has intake accounts only; add this one on a desk.")
        with self._lock:
            accounts, found = self._change(name)
            if found["role"] not in ROLES_WITH_TOTP:
                raise UsageError("This account has no second factor (intake accounts need none).")
            pending = found.get("pending_totp")
            if pending and not fresh:
                secret = self.sealer.open(pending, name)
            else:
                secret = pyotp.random_base32()
                found["pending_totp"] = self.sealer.seal(secret, name)
                self._write(accounts)
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
        return Enrolment(secret, uri)

    def confirm_enrolment(self, name: str, code: str) -> LoginStep:
        """A code from the pending secret makes it the account's second factor (DONE); a
        wrong code counts towards the lockout."""
        with self._lock:
            accounts, found = self._change(name)
            pending = found.get("pending_totp")
            if not pending or self.sealer is None or found.get("disabled"):
                return LoginStep.FAILED
            if self._locked(found):
                return LoginStep.LOCKED
            totp = pyotp.TOTP(self.sealer.open(pending, name))
            now = int(self.clock())
            typed = "".join(code.split())
            for offset in (0, -1, 1):
                step = now // totp.interval + offset
                if secrets.compare_digest(totp.generate_otp(step), typed):
                    found["totp"] = pending
                    found["pending_totp"] = None
                    found["enrol"] = False
                    found["last_totp_step"] = max(step, int(found["last_totp_step"]))
                    found["failures"] = 0
                    self._write(accounts)
                    return LoginStep.DONE
            return self._fail(accounts, found)
