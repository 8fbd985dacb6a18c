"""Server-side sessions: a random token in an HttpOnly, SameSite=Strict cookie.

A session ends after 30 minutes without a request or 12 hours after sign-in, whichever
comes first; nothing about it is stored on disk, so a restart signs everyone out. Each
session carries its own CSRF token, which every POST must echo (``csrf`` form field or
``X-CSRF-Token`` header): a synchronizer token bound to the session, not a cookie.

With several processes (``amanat serve --workers N``) the sessions stay in the memory
of one of them, the primary; the others ask it for each request's session over a local
socket (``workers.RemoteSessions``), so signing out or expiring holds everywhere at once.
A session handed to a request is then a copy, and a search it remembered is sent back
with ``remember``: the new key and name only, merged into the primary's session, so two
searches that ran at once in two processes are both kept.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ABSOLUTE_S", "IDLE_S", "MAX_SEARCHES", "Session", "SessionStore", "keep_search"]

IDLE_S = 30 * 60
ABSOLUTE_S = 12 * 60 * 60
MAX_SESSIONS = 10_000  # anonymous sessions (a login form) included; oldest dropped first
MAX_SEARCHES = 20  # names remembered per session, the oldest forgotten first


@dataclass
class Session:
    token: str
    csrf: str
    created: float
    seen: float
    account: str = ""
    role: str = ""
    stage: str = "anonymous"  # anonymous, totp (password right), in (signed in)
    # Names typed into search, behind opaque keys: a name never goes into a URL (browser
    # history, logs); the list's address carries only the key.
    searches: dict[str, str] = field(default_factory=dict)


def keep_search(searches: dict[str, str], key: str, name: str) -> None:
    """Put ``name`` behind ``key`` in ``searches``, forgetting the oldest beyond
    ``MAX_SEARCHES``."""
    searches[key] = name
    while len(searches) > MAX_SEARCHES:
        searches.pop(next(iter(searches)))


class SessionStore:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, *, account: str = "", role: str = "", stage: str = "anonymous") -> Session:
        now = self.clock()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, account, role, stage
        )
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                for token in sorted(self._sessions, key=lambda t: self._sessions[t].seen)[:100]:
                    del self._sessions[token]
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token``, its idle clock restarted; None when it expired."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.seen > IDLE_S or now - session.created > ABSOLUTE_S:
                del self._sessions[token]
                return None
            session.seen = now
            return session

    async def lookup(self, token: str | None) -> Session | None:
        """``get`` for a request handler: a worker's store asks the primary without
        holding up its event loop."""
        return self.get(token)

    def remember(self, token: str, key: str, name: str) -> None:
        """Keep ``name`` behind ``key`` among the names a live session remembers (a
        worker's copy of the session remembered it), beside those it already holds:
        a search remembered at the same time by another process is not lost. Nothing
        happens for an ended session."""
        with self._lock:
            session = self._sessions.get(token)
            if session is not None:
                keep_search(session.searches, key, name)

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def end_account(self, account: str) -> int:
        """End every session of ``account`` (disabled, or its password or second factor
        reset by an admin); returns how many ended."""
        with self._lock:
            ended = [t for t, s in self._sessions.items() if s.account == account]
            for token in ended:
                del self._sessions[token]
        return len(ended)
