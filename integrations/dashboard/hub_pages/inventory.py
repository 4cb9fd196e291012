"""Which device each entity belongs to, and where it is: the one reading the entities and the
devices pages share, so an entity's area on one is its device's location on the other.

An entity is on a device when it says so (its ``device_info``, live) or when the entity
registry remembers it (a disabled entity is not live but is still the device's). Its area is
the one it names itself (a door's ``area`` attribute) or its device's location.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.registry import DeviceEntry
    from xiaoqu.core.states import State


@dataclass(frozen=True, slots=True)
class Inventory:
    devices: dict[str, DeviceEntry]
    #: Entity id to device id.
    device_ids: dict[str, str]

    @classmethod
    def read(cls, hub: Hub) -> Inventory:
        device_ids = {entry.entity_id: entry.device_id for entry in hub.entity_registry.all() if entry.device_id}
        device_ids.update((entity.entity_id, entity.device_id) for entity in hub.entities.all()
                          if entity.entity_id and entity.device_id)
        return cls({device.id: device for device in hub.devices.all()}, device_ids)

    def device(self, entity_id: str) -> DeviceEntry | None:
        device_id = self.device_ids.get(entity_id)
        return None if device_id is None else self.devices.get(device_id)

    def area(self, state: State) -> str:
        named = state.attributes.get("area")
        if isinstance(named, str) and named:
            return named
        device = self.device(state.entity_id)
        return (device.location or "") if device is not None else ""

    def entity_ids(self) -> dict[str, list[str]]:
        """Device id to its entities' ids, sorted."""
        found: dict[str, list[str]] = {}
        for entity_id, device_id in sorted(self.device_ids.items()):
            found.setdefault(device_id, []).append(entity_id)
        return found
