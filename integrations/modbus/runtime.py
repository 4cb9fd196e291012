"""The configured Modbus hubs at run time: built from the section, polled while the hub
runs, found by name by the plugins that use them, closed when it stops."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.const import EVENT_HUB_STARTED, EVENT_HUB_STOP
from xiaoqu.core.hub import HubState

from .connection import LineSettings
from .const import DATA_HUBS, DEFAULT_SERIAL_MESSAGE_WAIT_MS, DOMAIN
from .entities import ModbusBinarySensor, ModbusSensor, ModbusSwitch
from .errors import ModbusHubNotFound
from .hub import DeviceSettings, ModbusHub
from .schema import PLATFORMS

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

#: The longest wait between reconnection attempts (shorter when an entity polls more often).
RECONNECT_MAX: Final = 30.0
_ENTITY_CLASSES: Final = {"sensors": ModbusSensor, "binary_sensors": ModbusBinarySensor, "switches": ModbusSwitch}


def get_hub(hub: Hub, name: str | None = None) -> ModbusHub:
    """The Modbus hub called ``name`` (or the only one, when ``name`` is None).

    A plugin that uses it lists ``"modbus"`` in its manifest's dependencies, so the hubs
    exist before it is set up.
    """
    hubs = hub.data.get(DATA_HUBS, {})
    if name is None and len(hubs) == 1:
        return next(iter(hubs.values()))
    if name in hubs:
        return hubs[name]
    configured = ", ".join(hubs) or "none"
    wanted = "a hub name" if name is None else f"modbus hub '{name}'"
    raise ModbusHubNotFound(f"no {wanted} to use; configured hubs: {configured}")


def build_hub(hub: Hub, conf: dict[str, Any]) -> ModbusHub:
    """A ModbusHub from one validated entry of the ``modbus:`` list."""
    serial = conf["type"] == "rtu"
    wait_ms = conf.get("message_wait_milliseconds", DEFAULT_SERIAL_MESSAGE_WAIT_MS if serial else 0)
    settings = LineSettings(
        name=conf["name"], type=conf["type"], host=conf.get("host"), port=conf["port"],
        baudrate=conf.get("baudrate", 9600), bytesize=conf.get("bytesize", 8),
        parity=conf.get("parity", "N"), stopbits=conf.get("stopbits", 1),
        timeout=conf["timeout"], delay=conf["delay"], message_wait=wait_ms / 1000,
    )
    intervals = [e["scan_interval"] for platform in PLATFORMS for e in conf[platform]]
    devices = [DeviceSettings(d["device_id"], d.get("name"), d.get("timeout"), d.get("retries"))
               for d in conf["devices"]]
    return ModbusHub(hub, settings, retries=conf["retries"], devices=devices,
                     reconnect_max=min([RECONNECT_MAX, *intervals]))


async def set_up(hub: Hub, config: list[dict[str, Any]]) -> None:
    """Build each configured hub and its entities; poll them once the hub runs."""
    hubs = hub.data[DATA_HUBS] = {}
    for conf in config:
        modbus = hubs[conf["name"]] = build_hub(hub, conf)
        await hub.entities.add(DOMAIN, [
            _ENTITY_CLASSES[platform](modbus, entity_conf)
            for platform in PLATFORMS for entity_conf in conf[platform]
        ])

    def start_polling(_event: Event | None = None) -> None:
        for modbus in hubs.values():
            modbus.start()

    def stop_polling(_event: Event) -> None:
        for modbus in hubs.values():
            modbus.stop_polling()

    # Polls are tracked tasks (so a test's block_till_done waits for them); starting them once
    # the hub runs keeps a busy line from holding up hub.start(), which waits for tracked tasks.
    if hub.state is HubState.RUNNING:
        start_polling()
    else:
        hub.bus.listen_once(EVENT_HUB_STARTED, start_polling)
    hub.bus.listen(EVENT_HUB_STOP, stop_polling)


def close_all(hub: Hub) -> None:
    for modbus in hub.data.get(DATA_HUBS, {}).values():
        modbus.close()
