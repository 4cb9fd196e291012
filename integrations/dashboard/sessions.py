"""Dashboard sessions: a random secret in an HttpOnly cookie, its hash in memory.

Only the SHA-256 of a session's secret is kept, as for the API's tokens, so a memory dump
lets nobody in. Each session has its own CSRF token, which every form and htmx request must
send back. Sessions end after ``lifetime`` (a shift) or ``idle`` without a request, on
logout, and (the others of the user) when the user changes their password; a hub restart
signs everyone out, which a sign-in form fixes in seconds.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class Session:
    user_id: str
    csrf: str
    created: float
    seen: float

    def checks(self, token: object) -> bool:
        """Whether ``token`` is this session's CSRF token (in constant time)."""
        return isinstance(token, str) and hmac.compare_digest(self.csrf.encode(), token.encode())


class Sessions:
    def __init__(self, clock: Callable[[], float], lifetime: float, idle: float) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._idle = idle
        self._sessions: dict[str, Session] = {}

    def open(self, user_id: str) -> tuple[str, Session]:
        """A new session for ``user_id``: its secret (for the cookie, never kept) and record."""
        self._drop_expired()
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        session = self._sessions[_digest(secret)] = Session(user_id, secrets.token_urlsafe(32), now, now)
        return secret, session

    def get(self, secret: str | None, *, touch: bool = True) -> Session | None:
        """The live session of a cookie's ``secret``; ``touch`` counts this as activity."""
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
        """End every session of ``user_id`` but ``keep`` (a password changed: sign the others out)."""
        self._sessions = {key: s for key, s in self._sessions.items() if s.user_id != user_id or s is keep}

    def _alive(self, session: Session, now: float) -> bool:
        return now - session.created < self._lifetime and now - session.seen < self._idle

    def _drop_expired(self) -> None:
        now = self._clock()
        self._sessions = {key: s for key, s in self._sessions.items() if self._alive(s, now)}
