"""Barrier gates: the ``barrier`` entity domain and the gate model every driver shares.

    barrier:
      gates:
        - id: main-1
          name: Main gate lane 1 (in)
          modbus: {hub: gates, device_id: 1}     # the reference register map on a modbus hub
          auto_close: 30
        - id: back-1                             # no modbus: the device protocol over MQTT
          name: Back gate

It owns the base class (``entity.BarrierEntity``): the states (``closed``, ``opening``,
``open``, ``closing``, ``stopped``, ``fault``, ``unavailable``), fault episodes
(``barrier_fault`` / ``barrier_recovered``), an arm raised by hand at the gate
(``barrier_raised_locally``), auto-close behind the car or after N seconds,
and the services ``barrier.open``, ``barrier.close`` and ``barrier.stop`` with a ``reason``
(a person's act is audited). Its two drivers — the reference Modbus map and the device
protocol — and vendor plugins (``plugins/acme_barrier``) subclass it. Other integrations use
``get_barriers(hub).open(entity_id, reason=..., context=...)``, which resolves when the gate
confirms (docs/barrier.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.entity_domain import register_services, service_names

from . import runtime
from .const import (
    DOMAIN,
    EVENT_BARRIER_FAULT,
    EVENT_BARRIER_RAISED_LOCALLY,
    EVENT_BARRIER_RECOVERED,
    ROLE_PERMISSIONS,
    BarrierEntityFeature,
    BarrierState,
    Command,
)
from .dashboard_pages import register_pages
from .entity import BarrierEntity
from .gates import Barriers
from .models import BarrierNotOpened, NotOpenedWhy, Opened
from .runtime import get_barriers
from .schema import CONFIG_SCHEMA, GATE_OPTIONS
from .services import SERVICES
from .settings import GateOptions

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "DOMAIN",
    "EVENT_BARRIER_FAULT",
    "EVENT_BARRIER_RAISED_LOCALLY",
    "EVENT_BARRIER_RECOVERED",
    "GATE_OPTIONS",
    "BarrierEntity",
    "BarrierEntityFeature",
    "BarrierNotOpened",
    "BarrierState",
    "Barriers",
    "Command",
    "GateOptions",
    "NotOpenedWhy",
    "Opened",
    "get_barriers",
]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    register_services(hub, DOMAIN, SERVICES)
    await runtime.set_up(hub, config)
    register_pages(hub)


@hookimpl
def xiaoqu_stop(hub: Hub) -> None:
    runtime.stop(hub)


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
