"""The audit trail: who signed in, looked up, viewed, edited, exported or decrypted what.

Events are held in memory and sealed into the vault as one ``audit`` entry, signed by
the desk, at most every ``interval`` seconds and when the app stops
(``Desk.seal_audit``). An event names an action, the account, its role, a target (a
person id) and for searches the filters typed; it never holds a password or a TOTP
code, and a failed sign-in under an unknown name records no name (people type their
password into the name field).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ACTIONS", "AuditTrail"]

ACTIONS = frozenset(
    {
        "login.ok",
        "login.failed",
        "login.locked",
        "totp.failed",
        "logout",
        "person.view",
        "persons.search",
        "record.edit",
        "intake.saved",
        "intake.similar",  # "may already be recorded" shown at intake: target = the ids
        "review.find",  # a reviewer started the linkage model again
        "review.found",  # that run ended; target = the pairs it found, or "failed"
        "review.decided",  # a decision on a pair sealed; target = the two person ids
        "export",
        "decrypt",
        # accounts (admin.py): the target is the staff account's name
        "account.added",
        "account.disabled",
        "account.enabled",
        "account.password_reset",
        "account.totp_reset",
        "password.changed",
        "totp.enrolled",
    }
)

Sink = Callable[[Sequence[dict[str, Any]]], object]


class AuditTrail:
    def __init__(self, sink: Sink, *, interval: float, clock: Callable[[], float]) -> None:
        if interval <= 0:
            raise ValueError("the audit interval must be positive")
        self.sink = sink
        self.interval = interval
        self.clock = clock
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()

    def record(
        self,
        action: str,
        *,
        account: str = "",
        role: str = "",
        target: str = "",
        query: dict[str, str | int] | None = None,
    ) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action}")
        when = dt.datetime.fromtimestamp(self.clock(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event: dict[str, Any] = {"time": when, "action": action, "account": account, "role": role}
        if target:
            event["target"] = target
        if query:
            event["query"] = {k: v for k, v in query.items() if v not in ("", 0)}
        with self._lock:
            self._pending.append(event)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Seal what is pending as one entry; on failure keep it for the next try."""
        with self._flushing:
            with self._lock:
                events, self._pending = self._pending, []
            if not events:
                return 0
            try:
                self.sink(events)
            except BaseException:
                with self._lock:
                    self._pending[:0] = events
                raise
            return len(events)
