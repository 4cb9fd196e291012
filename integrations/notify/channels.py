"""Where a notification goes. A channel is anything with ``async send(notification)``.

The log channel is built in. Other integrations add targets of their own channels with
:func:`xiaoqu.integrations.notify.register_target` (the notices integration: app, MQTT,
webhook), and each target becomes a ``notify.<name>`` service.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Notification:
    """One message, as a person asked for it to be sent."""

    message: str
    title: str | None = None
    target: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    async def send(self, notification: Notification) -> None: ...


@dataclass(slots=True)
class LogChannel:
    """Writes each notification to the hub's log at ``level`` (``notify.<target>`` as logger)."""

    target: str
    level: int

    async def send(self, notification: Notification) -> None:
        logger = _LOGGER.getChild(self.target)
        title = f"[{notification.title}] " if notification.title else ""
        to = f" (to {', '.join(notification.target)})" if notification.target else ""
        logger.log(self.level, "%s%s%s", title, notification.message, to)
