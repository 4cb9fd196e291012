"""The doors and their controllers in the device registry: the office's list of what is on the
estate (number, name, where, maker, model, firmware) and what each door is reached through.

A door and its readers are one device, as a site calls "the door". A controller is a device of
its own (the box in the riser that holds the whitelist and drives the lock), and each door it
serves is reached via it (``via_device``, as Home Assistant links a Zigbee plug to its
coordinator), so the devices page lists a door with its controller and a dead controller
explains its doors. Controllers are registered before the doors, which name them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.entity import DeviceInfo

from .const import DOMAIN

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .settings import DoorSettings

#: What a door device is, when the site does not name its hardware's model.
DOOR_MODEL: Final = "door"


def controller_identifier(controller_id: str) -> str:
    """The identifier a controller's device is found by (a door of the same id has its own)."""
    return f"controller:{controller_id}"


def door_device(settings: DoorSettings) -> DeviceInfo:
    """The door and its readers, reached via its controller when it has one."""
    via = (DOMAIN, controller_identifier(settings.controller)) if settings.controller is not None else None
    return DeviceInfo(identifiers=[f"{DOMAIN}:{settings.id}"], name=settings.name, number=settings.number,
                      location=settings.area, model=settings.model or DOOR_MODEL,
                      manufacturer=settings.manufacturer, via_device=via)


def controller_device(controller_id: str, name: str | None = None, **known: Any) -> DeviceInfo:
    """A controller's device: as its whitelist entity names it (``known`` empty: what else is
    known was registered by :func:`register_controllers` first, and is left as it is)."""
    return DeviceInfo(identifiers=[f"{DOMAIN}:{controller_identifier(controller_id)}"], name=name, **known)


def controller_doors(config: Mapping[str, Any]) -> dict[str, tuple[str, frozenset[str]]]:
    """Each controller of the validated ``door:`` section (listed in ``controllers:`` or
    named by a door's ``controller:``) → (its name, the doors naming it)."""
    named = {c["id"]: c.get("name") or c["id"] for c in config.get("controllers") or ()}
    doors: dict[str, set[str]] = {}
    for door in config.get("doors") or ():
        if door.get("controller") is not None:
            doors.setdefault(door["controller"], set()).add(door["id"])
    return {cid: (named.get(cid, cid), frozenset(doors.get(cid, ()))) for cid in sorted({*named, *doors})}


def controller_devices(config: Mapping[str, Any], doors: Iterable[DoorSettings]) -> list[DeviceInfo]:
    """Every controller (:func:`controller_doors`) with what the section says of it. Where it
    is: its own ``area``, else the one area all its doors are in."""
    entries = {entry["id"]: entry for entry in config.get("controllers") or ()}
    area_of = {door.id: door.area for door in doors}
    found = []
    for controller_id, (name, door_ids) in controller_doors(config).items():
        entry = entries.get(controller_id, {})
        shared = {area_of.get(door_id) for door_id in door_ids}
        found.append(controller_device(
            controller_id, name, number=entry.get("number"), manufacturer=entry.get("manufacturer"),
            model=entry.get("model"), sw_version=entry.get("firmware"),
            location=entry.get("area") or (next(iter(shared)) if len(shared) == 1 else None)))
    return found


async def register_controllers(hub: Hub, config: Mapping[str, Any], doors: Iterable[DoorSettings]) -> None:
    """Put every controller in the device registry, before the doors reached via them."""
    for info in controller_devices(config, doors):
        await hub.devices.get_or_create_for(DOMAIN, info)
