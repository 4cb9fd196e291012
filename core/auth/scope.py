"""Which entities a user of a scoped role (a resident) may see and act on.

The core knows no households. It asks the plugins (``xiaoqu_entity_scope``) for a predicate
per user and lets the user reach an entity when any of them allows it; with none, the user
reaches nothing. A predicate that fails is logged (once a minute per plugin) and counts as
"no": a scope that cannot be read must close, not open.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from xiaoqu.core.errors import Unauthorized
from xiaoqu.core.ratelimit import RateLimitedLog

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User

_LOGGER = logging.getLogger(__name__)

Grant = Callable[[str], bool]
#: How many entity ids a refusal names, at most (a call may name hundreds).
MAX_NAMED: Final = 5


class UserScope:
    """The entities one user may reach: those any of the plugins' grants allows."""

    __slots__ = ("user", "_grants", "_log", "_on_refuse")

    def __init__(
        self,
        user: User,
        grants: Sequence[tuple[str, Grant]],
        log: RateLimitedLog,
        on_refuse: Callable[[str, Sequence[str]], None],
    ) -> None:
        self.user = user
        self._grants = tuple(grants)
        self._log = log
        self._on_refuse = on_refuse

    def allows(self, entity_id: str) -> bool:
        for plugin, grant in self._grants:
            try:
                if grant(entity_id) is True:  # not merely truthy: an async predicate's coroutine is no "yes"
                    return True
            except Exception:
                self._log.exception(("entity_scope", plugin), "%s: its xiaoqu_entity_scope predicate failed on %s; "
                                    "it grants nothing there", plugin, entity_id)
        return False

    def refuse(self, service: str, entity_ids: Sequence[str]) -> Exception:
        """Audit the refusal and return the error to raise: it names only what the caller sent."""
        self._on_refuse(service, entity_ids)
        shown = ", ".join(entity_ids[:MAX_NAMED]) + (f" and {len(entity_ids) - MAX_NAMED} more"
                                                    if len(entity_ids) > MAX_NAMED else "")
        return Unauthorized(f"user {self.user.name} (role {self.user.role}) may not call {service} on {shown}")
