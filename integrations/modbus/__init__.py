"""Modbus devices (TCP, RTU over TCP, RTU on a serial line) as entities, services and an API.

The config (``modbus:``, see ``schema.py`` and docs/modbus.md) lists hubs; each hub is one
line (a TCP connection or a serial port) with devices on it, and its entities are polled
in batches on the hub's clock. Other plugins use a hub directly::

    from xiaoqu.integrations.modbus import get_hub

    line = get_hub(hub, "gate_line")
    status = await line.read_registers(3, 100, 2)
    await line.write_coil(3, 0, True)

Every request goes through the hub's one line with the device's timeout and retries, and
raises a :class:`ModbusError` (naming hub, device and address) when it fails.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.const import EVENT_HUB_STARTED, EVENT_HUB_STOP
from xiaoqu.core.errors import HubError
from xiaoqu.core.hub import HubState

from .codec import DataType, DecodeError, Swap, decode, decoder, encode
from .connection import LineSettings
from .const import (
    DATA_HUBS,
    DEFAULT_SERIAL_MESSAGE_WAIT_MS,
    DOMAIN,
    EVENT_DEVICE_FAULT,
    EVENT_DEVICE_RECOVERED,
    SERVICE_WRITE_COIL,
    SERVICE_WRITE_REGISTER,
    Table,
)
from .entities import ModbusBinarySensor, ModbusSensor, ModbusSwitch
from .errors import ModbusError, ModbusExceptionResponse, ModbusNoResponse
from .hub import DeviceSettings, ModbusHub
from .schema import CONFIG_SCHEMA, PLATFORMS
from .services import register_services

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.validation import vol

__all__ = [
    "EVENT_DEVICE_FAULT",
    "EVENT_DEVICE_RECOVERED",
    "DataType",
    "DecodeError",
    "ModbusError",
    "ModbusExceptionResponse",
    "ModbusHub",
    "ModbusNoResponse",
    "Swap",
    "Table",
    "decode",
    "decoder",
    "encode",
    "get_hub",
]

RECONNECT_MAX = 30.0
_ENTITY_CLASSES = {"sensors": ModbusSensor, "binary_sensors": ModbusBinarySensor, "switches": ModbusSwitch}


class ModbusHubNotFound(HubError, LookupError):
    """No hub of that name in the ``modbus:`` section."""


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


@hookimpl
def xiaoqu_config_schema() -> vol.Schema | Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return [f"{DOMAIN}.{SERVICE_WRITE_REGISTER}", f"{DOMAIN}.{SERVICE_WRITE_COIL}"]


@hookimpl
async def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]] | None) -> None:
    hubs = hub.data[DATA_HUBS] = {}
    for conf in config or []:
        modbus = hubs[conf["name"]] = build_hub(hub, conf)
        await hub.entities.add(DOMAIN, [
            _ENTITY_CLASSES[platform](modbus, entity_conf)
            for platform in PLATFORMS for entity_conf in conf[platform]
        ])
    register_services(hub, hubs)

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


@hookimpl
def xiaoqu_stop(hub: Hub) -> None:
    for modbus in hub.data.get(DATA_HUBS, {}).values():
        modbus.close()
