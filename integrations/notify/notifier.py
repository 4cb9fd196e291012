"""The notify targets of one hub, sending to them, and adding them (``register_target``)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceSpec, register_services
from xiaoqu.core.validation import vol

from .channels import Channel, LogChannel, Notification
from .const import (
    ATTR_DATA,
    ATTR_MESSAGE,
    ATTR_TARGET,
    ATTR_TITLE,
    DATA_NOTIFIER,
    DOMAIN,
    EVENT_NOTIFICATION_SENT,
    SERVICE_NOTIFY,
)
from .schema import MESSAGE_SCHEMA, target_name
from .services import send_notification, target_names

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__package__)


class Notifier:
    """``notify.<target>`` sends through that target's channel; ``notify.notify`` through all."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.targets: dict[str, Channel] = {}

    async def send(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        notification = Notification(
            message=data[ATTR_MESSAGE],
            title=data.get(ATTR_TITLE),
            target=tuple(data.get(ATTR_TARGET, ())),
            data=dict(data.get(ATTR_DATA, {})),
        )
        names = list(self.targets) if service == SERVICE_NOTIFY else [service]
        failed = []
        for name in names:
            try:
                await self.targets[name].send(notification)
            except Exception as err:  # one channel's failure (a plugin's) must not stop the others
                _LOGGER.warning("notify.%s could not send %r: %s: %s", name, notification.title or notification.message[:40],
                                type(err).__name__, err)
                failed.append(name)
                continue
            self.hub.bus.fire(EVENT_NOTIFICATION_SENT, {
                "target": name, "title": notification.title, "message": notification.message,
                "recipients": list(notification.target),
            }, context=context)
        if failed and len(failed) == len(names):
            raise HubError(f"notify.{service}: not sent ({', '.join(failed)} failed; the log says why)")


def set_up(hub: Hub, config: list[dict[str, Any]]) -> None:
    """The notifier, with a log channel for ``log`` and for each target the section names."""
    notifier = hub.data[DATA_NOTIFIER] = Notifier(hub)
    levels = {target["name"]: target["level"] for target in config}
    for name in target_names(config):
        notifier.targets[name] = LogChannel(name, logging.getLevelName(levels.get(name, "INFO")))


def register_target(hub: Hub, name: str, channel: Channel, description: str | None = None) -> None:
    """Add ``notify.<name>``, sending through ``channel`` (declare it in your ``xiaoqu_services``)."""
    try:
        name = target_name(name)
    except vol.Invalid as err:
        raise HubError(f"notify target {name!r}: {err}") from None
    notifier = hub.data[DATA_NOTIFIER]
    if name in notifier.targets:
        raise HubError(f"notify.{name} already exists")
    notifier.targets[name] = channel
    register_services(hub, DOMAIN, [ServiceSpec(name, send_notification, MESSAGE_SCHEMA, description)])
