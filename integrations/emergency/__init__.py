"""Emergency plans as data and the fire-alarm linkage (docs/emergency.md).

    emergency:
      fire_alarm: binary_sensor.fire_panel        # on → the fire plan, latched
      plans:
        fire:
          steps: [{text: 确认火情, responsible: 值班保安, target_seconds: 120}]
          actions: [{unlock_doors: all}, {open_barriers: all}, {announce: {title: 火警, body: 请走楼梯疏散}}]
          return: [{restore_doors: true}, {close_barriers: all}]

``emergency.activate`` / ``emergency.stand_down`` {plan}; ``get_emergency(hub)`` for plugins.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import DOMAIN, EVENT_ACTIVATED, EVENT_STOOD_DOWN, ROLE_PERMISSIONS
from .pages import register_pages
from .runtime import Emergency, get_emergency
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_ACTIVATED", "EVENT_STOOD_DOWN", "Emergency", "get_emergency"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)
    register_pages(hub)


@hookimpl
def xiaoqu_stop(hub: Hub) -> None:
    runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
