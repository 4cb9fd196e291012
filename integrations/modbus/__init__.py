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
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .codec import DataType, DecodeError, Swap, decode, decoder, encode
from .const import DOMAIN, EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED, Table
from .errors import ModbusError, ModbusExceptionResponse, ModbusHubNotFound, ModbusNoResponse
from .hub import ModbusHub
from .runtime import get_hub
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "EVENT_DEVICE_FAULT",
    "EVENT_DEVICE_RECOVERED",
    "DataType",
    "DecodeError",
    "ModbusError",
    "ModbusExceptionResponse",
    "ModbusHub",
    "ModbusHubNotFound",
    "ModbusNoResponse",
    "Swap",
    "Table",
    "decode",
    "decoder",
    "encode",
    "get_hub",
]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)


@hookimpl
def xiaoqu_stop(hub: Hub) -> None:
    runtime.close_all(hub)
