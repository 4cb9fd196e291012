"""The audit log: who did what sensitive thing, when, from where.

Records go to the recorder as kind ``audit`` with the acting user's id as the subject, so
"everything user X did" is one indexed query. Each record says the act, who (a user name, or
``cli:<os user>`` for the command line), from which IP, through which door (``api``,
``cli``, ``hub``) and the act's details. Details whose key names a secret (password, token,
PIN...) are replaced by ``***`` before they are written: the audit log must be safe to read.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.recorder import Recorder

_LOGGER = logging.getLogger(__name__)

KIND: Final = "audit"
#: Kept at least six months: China's Cybersecurity Law (art. 21) asks network operators to
#: keep logs that long. Sites may keep them longer (``auth: audit_keep_days``).
DEFAULT_KEEP: Final = timedelta(days=365)
MIN_KEEP_DAYS: Final = 180
REDACTED: Final = "***"

_SECRET_KEY = re.compile(
    r"(^|_)(password|passwd|pwd|passphrase|passcode|code|secret|token|pin|api_key|apikey|authorization|cookie)(_|$)",
    re.I,
)
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _is_secret(key: str) -> bool:
    """``lock_code``, ``secretKey``, ``Authorization``: by word, in snake or camel case."""
    return _SECRET_KEY.search(_CAMEL_HUMP.sub("_", key)) is not None

# Acts recorded (docs/security.md lists them).
AUTH_FAILED: Final = "auth_failed"
LOGIN: Final = "login"
LOGIN_FAILED: Final = "login_failed"
LOGOUT: Final = "logout"
IP_BANNED: Final = "ip_banned"
IP_UNBANNED: Final = "ip_unbanned"
USER_ADDED: Final = "user_added"
USER_REMOVED: Final = "user_removed"
PASSWORD_CHANGED: Final = "password_changed"
TOKEN_CREATED: Final = "token_created"
TOKEN_REVOKED: Final = "token_revoked"
SERVICE_CALL: Final = "service_call"
SERVICE_DENIED: Final = "service_denied"
STATE_SET: Final = "state_set"
EVENT_FIRED: Final = "event_fired"
ENTITY_UPDATED: Final = "entity_updated"
AUDIT_READ: Final = "audit_read"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as the audit log names them."""

    source: str  # "api", "cli", "hub"
    name: str | None = None
    user_id: str | None = None
    ip: str | None = None

    @classmethod
    def for_user(cls, user: User | None, source: str, ip: str | None = None) -> Actor:
        if user is None:
            return cls(source, None, None, ip)
        return cls(source, user.name, user.id, ip)


def redact(value: Any) -> Any:
    """``value`` as JSON data with every secret-named key's value replaced by ``***``."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if _is_secret(str(key)) else redact(item) for key, item in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.loads(json.dumps(value, default=str))


class AuditLog:
    """Writes audit records; never blocks (the recorder queues them)."""

    def __init__(self, recorder: Recorder, keep: timedelta = DEFAULT_KEEP) -> None:
        self._recorder = recorder
        recorder.set_retention(KIND, keep)

    def record(self, act: str, actor: Actor, **details: Any) -> None:
        data = {
            "act": act,
            "by": actor.name,
            "source": actor.source,
            "ip": actor.ip,
            **redact(details),
        }
        _LOGGER.debug("audit: %s by %s (%s, %s)", act, actor.name, actor.source, actor.ip)
        try:
            self._recorder.record(KIND, data, subject=actor.user_id)
        except Exception:  # the act happened; losing its record must not undo or break it
            _LOGGER.exception("Could not record audit %s by %s", act, actor.name)
