"""Residents' own devices, each belonging to a household (docs/smart_home.md).

    smart_home:
      max_entities_per_household: 50

A device that announces itself under ``xiaoqu/<site>/household/<id>/homeassistant/...``
(its Zigbee2MQTT's or ESPHome's discovery prefix) belongs to household ``<id>``: the broker
lets only that household's account publish there. Staff give devices discovered elsewhere
to a household with ``smart_home.assign``. A resident (a hub user linked to a person in
residents) sees and controls only their household's entities: this plugin answers the
core's ``xiaoqu_entity_scope`` for them and grants residents the entity services of lights,
switches, covers, climate, fans, locks, buttons, numbers and selects.
``smart_home.write_accounts`` writes each household's MQTT account for the embedded broker
and Mosquitto's ``acl_file`` and ``password_file``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import DOMAIN, ROLE_PERMISSIONS
from .households import SmartHome
from .runtime import get_smart_home
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.auth import User
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "SmartHome", "get_smart_home"]


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


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS


@hookimpl
def xiaoqu_entity_scope(hub: Hub, user: User) -> Callable[[str], bool] | None:
    return runtime.scope_for(hub, user.name)
