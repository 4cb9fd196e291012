"""Doors and their readers: the ``door`` entity domain and the device protocol's door side.

    door:
      offline_after: 180            # seconds of silence that make a door unavailable (optional)
      doors:
        - id: b1-u1                 # the door's (and, by default, its one reader's) device id
          name: Building 1 unit 1 entrance
          area: building-1          # where anti-passback counts presence
          readers: [{id: b1-u1-in, direction: in}, {id: b1-u1-out, direction: out}]
          unlock_seconds: 5
          held_open_seconds: 60
          interlock: b1-u1-inner    # one of the pair opens only while the other is closed and locked
          first_card_groups: [office-staff]

Each reader's credential is decided by access (``Access.check``) and answered on
``reader/<id>/result``; a grant unlocks the door (``door/<id>/command``). Doors report their
contact on ``door/<id>/state``; a door opened while locked is forced, one open too long is
held open, a silent one unavailable (docs/door.md). Other plugins use ``get_doors(hub)``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import (
    DOMAIN,
    EVENT_DOOR_AVAILABLE,
    EVENT_DOOR_EMERGENCY,
    EVENT_DOOR_FAULT,
    EVENT_DOOR_FORCED,
    EVENT_DOOR_HELD_OPEN,
    EVENT_DOOR_RESTORED,
    EVENT_DOOR_UNAVAILABLE,
    EVENT_DOOR_UNLOCKED,
    ROLE_PERMISSIONS,
    DoorState,
    UnlockSource,
)
from .dashboard_pages import register_pages
from .doors import Doors
from .entities import DoorEntity, ReaderEntity
from .runtime import get_doors
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "DOMAIN",
    "EVENT_DOOR_AVAILABLE",
    "EVENT_DOOR_EMERGENCY",
    "EVENT_DOOR_FAULT",
    "EVENT_DOOR_FORCED",
    "EVENT_DOOR_HELD_OPEN",
    "EVENT_DOOR_RESTORED",
    "EVENT_DOOR_UNAVAILABLE",
    "EVENT_DOOR_UNLOCKED",
    "DoorEntity",
    "DoorState",
    "Doors",
    "ReaderEntity",
    "UnlockSource",
    "get_doors",
]


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
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.stop(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
