"""Dashboard sessions: a random secret in an HttpOnly cookie, its hash in memory.

Only the SHA-256 of a session's secret is kept, as for the API's tokens, so a memory dump
lets nobody in. Each session has its own CSRF token, which every form and htmx request must
send back. Sessions end after ``lifetime`` (a shift) or ``idle`` without a request, on
logout, and when the account changes under them: the user removed, or their password set
anywhere but in this session (the dashboard's form ends the user's other sessions, and
``xiaoqu user passwd`` every one, so a password reset after a theft or a leak signs the thief
out). A hub restart signs everyone out, which a sign-in form fixes in seconds.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xiaoqu.core.auth import User


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class Session:
    #: The account's record as the session saw it last: when it opened, or when its own user
    #: changed the password in it. The hub's users are frozen records, replaced whenever an
    #: account changes, so a record that is no longer the hub's is an account changed since.
    user: User
    csrf: str
    created: float
    seen: float

    @property
    def user_id(self) -> str:
        return self.user.id

    def checks(self, token: object) -> bool:
        """Whether ``token`` is this session's CSRF token (in constant time)."""
        return isinstance(token, str) and hmac.compare_digest(self.csrf.encode(), token.encode())


class Sessions:
    """The open sessions; ``users`` answers a user's record as the hub holds it now (None once removed)."""

    def __init__(self, clock: Callable[[], float], lifetime: float, idle: float,
                 users: Callable[[str], User | None]) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._idle = idle
        self._users = users
        self._sessions: dict[str, Session] = {}

    def open(self, user: User) -> tuple[str, Session]:
        """A new session for ``user``: its secret (for the cookie, never kept) and record."""
        self._drop_expired()
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        session = self._sessions[_digest(secret)] = Session(user, secrets.token_urlsafe(32), now, now)
        return secret, session

    def get(self, secret: str | None, *, touch: bool = True) -> Session | None:
        """The live session of a cookie's ``secret``, for an account unchanged since (its
        ``user`` is the hub's record); ``touch`` counts this as activity. Asked on every page
        and by each open stream on each event, so a removed user or a password reset ends
        their live pages too."""
        if not secret or len(secret) > 128:
            return None
        key = _digest(secret)
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock()
        if not self._alive(session, now):
            del self._sessions[key]
            return None
        if touch:
            session.seen = now
        return session

    def close(self, secret: str | None) -> Session | None:
        return self._sessions.pop(_digest(secret), None) if secret else None

    def close_user(self, user_id: str, keep: Session | None = None) -> None:
        """End every session of ``user_id`` but ``keep`` (a password changed there: the others are
        over already, their record being the old one; this forgets them at once)."""
        self._sessions = {key: s for key, s in self._sessions.items() if s.user_id != user_id or s is keep}

    def _alive(self, session: Session, now: float) -> bool:
        return (now - session.created < self._lifetime and now - session.seen < self._idle
                and self._users(session.user_id) is session.user)

    def _drop_expired(self) -> None:
        now = self._clock()
        self._sessions = {key: s for key, s in self._sessions.items() if self._alive(s, now)}
