"""The notify services, one table: ``notify.notify``, ``notify.log`` and one per target."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.services import ServiceCall, ServiceSpec

from .const import CHANNEL_LOG, DATA_NOTIFIER, SERVICE_NOTIFY
from .schema import MESSAGE_SCHEMA


async def send_notification(call: ServiceCall) -> None:
    """Every notify service: the service's name is the target (``notify`` for all)."""
    await call.hub.data[DATA_NOTIFIER].send(call.service, call.data, call.context)


def target_names(config: list[dict[str, Any]] | None) -> list[str]:
    """The targets of a validated section: ``log`` always, then those the section names."""
    names = [CHANNEL_LOG]
    names += [target["name"] for target in config or () if target["name"] != CHANNEL_LOG]
    return names


def service_table(config: list[dict[str, Any]] | None) -> list[ServiceSpec]:
    table = [ServiceSpec(SERVICE_NOTIFY, send_notification, MESSAGE_SCHEMA, "Send a message to every notify target")]
    table += [ServiceSpec(name, send_notification, MESSAGE_SCHEMA, f"Send a message to the {name} target")
              for name in target_names(config)]
    return table
