"""Notifications: the ``notify.*`` services, as Home Assistant has them.

    notify:
      - name: guard_room       # notify.guard_room
        channel: log           # the built-in channel (more arrive with the notices integration)
        level: warning

    actions:
      - action: notify.guard_room
        data:
          title: 门被强行打开
          message: "{{ trigger.to_state.name }} was forced open"

``notify.log`` always exists (the log at info) and ``notify.notify`` sends to every target.
Another integration adds targets of its own channel with :func:`register_target`.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceSpec, register_services, service_names

from .channels import Channel, LogChannel, Notification
from .const import DATA_NOTIFIER, DOMAIN, EVENT_NOTIFICATION_SENT
from .notifier import Notifier
from .schema import CONFIG_SCHEMA, MESSAGE_SCHEMA
from .services import send_notification, service_table, target_names

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_NOTIFICATION_SENT", "Channel", "Notification", "register_target"]


def register_target(hub: Hub, name: str, channel: Channel, description: str | None = None) -> None:
    """Add ``notify.<name>``, sending through ``channel`` (declare it in your ``xiaoqu_services``)."""
    notifier = hub.data[DATA_NOTIFIER]
    if name in notifier.targets:
        raise HubError(f"notify.{name} already exists")
    notifier.targets[name] = channel
    register_services(hub, DOMAIN, [ServiceSpec(name, send_notification, MESSAGE_SCHEMA, description)])


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services(config: list[dict[str, Any]] | None) -> list[str]:
    return service_names(DOMAIN, service_table(config))


@hookimpl
async def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]] | None) -> None:
    notifier = hub.data[DATA_NOTIFIER] = Notifier(hub)
    levels = {target["name"]: target["level"] for target in config or ()}
    for name in target_names(config):
        notifier.targets[name] = LogChannel(name, logging.getLevelName(levels.get(name, "INFO")))
    register_services(hub, DOMAIN, service_table(config))
