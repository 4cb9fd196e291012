"""The doors at run time: built from the section, registered with access, wired to the
device protocol, their watchdogs started, their offline controllers kept in step
(``controllers.py``); unwired when the hub stops."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.integrations import mqtt
from xiaoqu.integrations.access import get_access

from . import controllers
from .const import DATA_DOORS, DOMAIN
from .devices import register_controllers
from .doors import Doors
from .entities import ReaderEntity
from .first_card import FirstCard
from .protocol import MqttDoor, Unconfigured, door_state_handler
from .readers import CredentialHandler
from .settings import DoorSettings

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def get_doors(hub: Hub) -> Doors:
    """The hub's doors; a plugin that uses them lists ``"door"`` in its manifest's dependencies."""
    doors = hub.data.get(DATA_DOORS)
    if doors is None:
        raise RuntimeError("the door integration is not set up: add 'door:' to config.yaml or depend on 'door'")
    return doors


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    access = get_access(hub)
    root = mqtt.topic_root(hub)
    settings = [DoorSettings.from_config(entry, config.get("offline_after")) for entry in config["doors"]]
    doors = [MqttDoor(door, root) for door in settings]
    readers = [ReaderEntity(reader, door) for door in doors for reader in door.settings.readers]
    registry = hub.data[DATA_DOORS] = Doors(hub, access, doors, readers, config["controllers"])
    for each in settings:
        access.register_door(each.id, kind=each.kind.value, area=each.area, anti_passback=each.anti_passback,
                             name=each.name)
    await register_controllers(hub, config, settings)
    await hub.entities.add(DOMAIN, [*doors, *readers])
    unconfigured = Unconfigured(hub)
    credentials = CredentialHandler(registry, access, FirstCard(access), unconfigured)
    registry.on_stop(mqtt.register_device_message(hub, "reader/credential", "reader_credential", credentials))
    registry.on_stop(mqtt.register_device_message(hub, "door/state", "door_state",
                                                  door_state_handler(registry, unconfigured)))
    for door in doors:
        door.start_watchdog()
    await controllers.set_up(hub, config, access, registry.controller_status)


async def stop(hub: Hub) -> None:
    await controllers.tear_down(hub)
    doors = hub.data.get(DATA_DOORS)
    if doors is not None:
        doors.close()
