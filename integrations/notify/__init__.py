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

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import notifier
from .channels import Channel, Notification
from .const import DOMAIN, EVENT_NOTIFICATION_SENT
from .notifier import register_target
from .schema import CONFIG_SCHEMA
from .services import service_table

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_NOTIFICATION_SENT", "Channel", "Notification", "register_target"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services(config: list[dict[str, Any]]) -> list[str]:
    return service_names(DOMAIN, service_table(config))


@hookimpl
def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]]) -> None:
    notifier.set_up(hub, config)
    register_services(hub, DOMAIN, service_table(config))
