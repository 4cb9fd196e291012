"""A card's history: each act on it in the recorder (kind ``cards``, subject the card's UID),
and in the audit log with who did it and from where.

The recorder keeps what the office reads back at the counter ("when was this card reported
lost, by whom, what did the recharge bring it to"); the audit log is the security record of
the same act. Both are written for every act, so neither depends on the other's retention.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError

from .const import DOMAIN, HISTORY_KIND

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


@dataclass(frozen=True, slots=True)
class Who:
    """Who acts: the name a history and a restriction show, and the call's context (user, source)."""

    by: str
    context: Context | None = None


class History:
    """Writes and reads the acts on cards."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def act(self, uid: str, act: str, who: Who, **details: Any) -> None:
        """Record ``act`` on card ``uid`` with what it changed, in both places."""
        context = who.context
        source = None if context is None else context.source
        user = None if context is None else context.user_id
        self.hub.recorder.record(HISTORY_KIND, {"act": act, "by": who.by, "source": source, "user": user, **details},
                                 subject=uid)
        self.audit(act, context, card=uid, **details)

    def audit(self, act: str, context: Context | None, **details: Any) -> None:
        """The act in the audit log only (an export: no card's history)."""
        try:
            get_auth(self.hub).record(f"{DOMAIN}_{act}", context, **details)
        except HubError:
            pass  # no auth on this hub: nobody to audit for

    async def of(self, uid: str, limit: int) -> list[dict[str, Any]]:
        """Card ``uid``'s acts, newest first."""
        await self.hub.recorder.flush()
        records = await self.hub.recorder.query(HISTORY_KIND, subject=uid, limit=limit)
        return [{"time": record.time, **record.data} for record in records]
