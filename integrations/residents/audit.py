"""Who may read personal data, and where the record of each read and each change goes.

In the hub that is auth's :class:`~xiaoqu.core.auth.Access` (the user's name and role, the
address they called from); for ``xiaoqu residents`` on a stopped hub, the audit log itself,
under the OS user who ran the command. A change made by no person (an automation, the hub
itself) is not audited: the audit log is of people's acts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import Unauthorized

from .const import PERMISSION_REVEAL

if TYPE_CHECKING:
    from xiaoqu.core.auth.access import Access
    from xiaoqu.core.auth.audit import AuditLog

#: Who made a change or a read: a hub context (a user's, an automation's) or a command line's actor.
Who = Context | Actor | None


class Auditor:
    """Records residents' audit acts and answers "may this caller see personal data?"."""

    def __init__(self, access: Access | None = None, log: AuditLog | None = None) -> None:
        self._access = access
        self._log = log

    def record(self, act: str, who: Who, **details: Any) -> None:
        if isinstance(who, Actor):
            if self._log is not None:
                self._log.record(act, who, **details)
            elif self._access is not None:
                self._access.manager.audit.record(act, who, **details)
        elif isinstance(who, Context) and self._access is not None and who.user_id is not None:
            self._access.record(act, who, **details)

    def check_reveal(self, who: Who) -> None:
        """Refuse a user whose role lacks ``residents.reveal``; the hub and the command line may."""
        if not isinstance(who, Context) or who.user_id is None or self._access is None:
            return
        user = self._access.manager.user(who.user_id)
        if user is None or not self._access.allows(user, PERMISSION_REVEAL):
            role = "" if user is None else f" (role {user.role})"
            name = who.user_id if user is None else user.name
            raise Unauthorized(f"user {name}{role} may not read personal data ({PERMISSION_REVEAL})")

    def user_exists(self, name: str) -> bool | None:
        """Whether the hub has a user ``name``; None when there is no hub to ask."""
        if self._access is None:
            return None
        return self._access.manager.user_by_name(name) is not None
