"""The audit log: who did what sensitive thing, when, from where.

Records go to the recorder as kind ``audit`` with the acting user's id as the subject, so
"everything user X did" is one indexed query. Each record says the act, who (a user name, or
``cli:<os user>`` for the command line, and the id of the token they used), from which IP,
through which door (``api``, ``cli``, ``hub``) and the act's details. Details whose key names a secret (password, token,
PIN...) are replaced by ``***`` before they are written: the audit log must be safe to read.

The records form a hash chain, so a record deleted or edited in the file is detected
(:func:`verify`): each record's data holds ``prev``, the hash of the record before it, and
``hash``, a SHA-256 over ``prev``, its subject, time and data. The chain follows the order
records are queued in, which is the order the recorder's single writer commits them (``seq``).
Retention purges the oldest records, so a check starts from the oldest record still kept and
takes its ``prev`` on trust.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.payload import REDACTED, TOO_DEEP, jsonable

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.recorder import Record, Recorder

__all__ = ["REDACTED", "TOO_DEEP", "Actor", "AuditLog", "Verdict", "redact", "verify"]

_LOGGER = logging.getLogger(__name__)

KIND: Final = "audit"
#: Kept at least six months: China's Cybersecurity Law (art. 21) asks network operators to
#: keep logs that long. Sites may keep them longer (``auth: audit_keep_days``).
DEFAULT_KEEP: Final = timedelta(days=365)
MIN_KEEP_DAYS: Final = 180
#: Bounds on what one record keeps of its details (see :func:`redact`).
MAX_DEPTH: Final = 16
MAX_ITEMS: Final = 1_000
MAX_TEXT: Final = 2_000
#: The ``prev`` of the first record ever written.
GENESIS: Final = ""

_SECRET_KEY = re.compile(
    r"(^|_)(password|passwd|pwd|passphrase|passcode|code|secret|token|pin|api_key|apikey|authorization|cookie)(_|$)",
    re.I,
)
#: A key ending in one of these names a secret without holding it (``token_id``, ``secretName``):
#: the audit must say which token acted, so a revoked one can still be traced.
_HANDLE_KEY = re.compile(r"(^|_)(id|name)$", re.I)
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _is_secret(key: str) -> bool:
    """``lock_code``, ``secretKey``, ``Authorization``: by word, in snake or camel case; not
    ``token_id`` or ``token_name``, which name a secret but do not hold it."""
    words = _CAMEL_HUMP.sub("_", key)
    return _SECRET_KEY.search(words) is not None and _HANDLE_KEY.search(words) is None

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
    token_id: str | None = None  # the id (never the secret) of the token the act was made with

    @classmethod
    def for_user(cls, user: User | None, source: str, ip: str | None = None, token_id: str | None = None) -> Actor:
        if user is None:
            return cls(source, None, None, ip)
        return cls(source, user.name, user.id, ip, token_id)


def redact(value: Any) -> Any:
    """``value`` as JSON data with every secret-named key's value replaced by ``***``.

    Never fails, whatever a plugin passed: details deeper than ``MAX_DEPTH`` are cut
    (``"<nested too deep>"``), more than ``MAX_ITEMS`` values or text longer than
    ``MAX_TEXT`` are left out, and what cannot be written becomes ``"<unwritable TYPE>"``.
    """
    return jsonable(value, secret=_is_secret, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_text=MAX_TEXT)


class AuditLog:
    """Writes audit records; never blocks (the recorder queues them)."""

    def __init__(self, recorder: Recorder, keep: timedelta = DEFAULT_KEEP) -> None:
        self._recorder = recorder
        self._last_hash = GENESIS
        recorder.set_retention(KIND, keep)

    async def resume(self) -> None:
        """Continue the chain from the last record written, so a restart does not break it."""
        last = await self._recorder.last(KIND)
        if last is not None:
            self._last_hash = str(last.data.get("hash", GENESIS))

    async def read(self, *, subject: str | None = None, act: str | None = None, since: float | None = None,
                   until: float | None = None, limit: int | None = 100) -> list[Record]:
        """Records newest first, by one user's id and of one act if asked; flushed first, so an
        act just recorded (the read that asks, say) is not missing from what is shown."""
        await self._recorder.flush()
        return await self._recorder.query(KIND, subject=subject, since=since, until=until,
                                          where=None if act is None else {"act": act}, newest_first=True, limit=limit)

    def record(self, act: str, actor: Actor, **details: Any) -> None:
        """Record ``act``; the act happened, so losing its record must not undo or break it.

        If the details cannot be recorded, the record is written without them, naming the
        error — never the unredacted details, in the record or in the log.
        """
        data = {"act": act, "by": actor.name, "source": actor.source, "ip": actor.ip}
        if actor.token_id is not None:
            data["by_token"] = actor.token_id
        try:
            data.update(redact(details))
        except Exception as err:  # redact cannot fail; if it ever does, the act is still on record
            data["error"] = f"details not recorded: {type(err).__name__}"
        _LOGGER.debug("audit: %s by %s (%s, %s)", act, actor.name, actor.source, actor.ip)
        try:
            self._chain(data, actor.user_id)
        except Exception as err:  # the recorder stopped, say: the details are redacted, so they may be named
            _LOGGER.error("Could not record audit %s by %s: %s", act, actor.name, err)

    def _chain(self, data: dict[str, Any], subject: str | None) -> None:
        """Link ``data`` to the record before it and queue it; on the loop, so in call order."""
        when = self._recorder.now()
        data["prev"] = self._last_hash
        data["hash"] = record_hash(subject, when, data)
        self._recorder.record(KIND, data, subject=subject, time=when)
        self._last_hash = data["hash"]


def record_hash(subject: str | None, when: float, data: dict[str, Any]) -> str:
    """SHA-256 over a canonical JSON of what a record says (its ``hash`` aside)."""
    said = {key: value for key, value in data.items() if key != "hash"}
    text = json.dumps(
        {"subject": subject, "time": when, "data": said},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Verdict:
    """What :func:`verify` found: the breaks in words, and the span of records it checked."""

    breaks: list[str] = field(default_factory=list)
    count: int = 0
    first: Record | None = None
    last: Record | None = None


def verify(records: Iterable[Record]) -> Verdict:
    """Walk audit records in commit order (``seq``) and name each break in the chain.

    The first chained record's ``prev`` is taken on trust: the records before it were purged.
    Records without a ``hash`` before it were written before the chain existed and are skipped.
    """
    verdict = Verdict()
    for record in records:
        if verdict.first is None and "hash" not in record.data:
            continue
        expected = None if verdict.last is None else verdict.last.data.get("hash")
        verdict.breaks.extend(_breaks(record, expected))
        verdict.first = verdict.first or record
        verdict.last = record
        verdict.count += 1
    return verdict


def _breaks(record: Record, expected: Any) -> list[str]:
    found: list[str] = []
    if expected is not None and record.data.get("prev") != expected:
        found.append(f"record seq {record.seq}: follows a record that is missing or changed")
    if record.data.get("hash") != record_hash(record.subject, record.time, record.data):
        found.append(f"record seq {record.seq} ({describe(record)}): its hash does not match its contents")
    return found


def describe(record: Record) -> str:
    """``login by office, 2026-12-06 10:01:02``: enough for staff to find the record."""
    return f"{record.data.get('act')} by {record.data.get('by')}, {local_time(record.time)}"


def local_time(when: float) -> str:
    """The site's local time to the second, as staff read it on the dashboard."""
    return datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M:%S")
