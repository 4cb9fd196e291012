"""``modbus.write_register`` and ``modbus.write_coil``: raw writes for automations and staff.

Field names follow Home Assistant (``hub``, ``address``, ``value``, ``state``), with
``device_id`` for the unit id (``slave`` is accepted as its old name). ``hub`` may be left
out when there is only one hub.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.services import ServiceCall, ServiceSpec

from .const import DATA_HUBS, DOMAIN, SERVICE_WRITE_COIL, SERVICE_WRITE_REGISTER
from .schema import WRITE_COIL_SCHEMA, WRITE_REGISTER_SCHEMA

if TYPE_CHECKING:
    from .hub import ModbusHub


def _target(call: ServiceCall) -> ModbusHub:
    """The hub a call names, or the only one; refused, naming the configured hubs, otherwise."""
    hubs = call.hub.data[DATA_HUBS]
    name = call.data.get("hub")
    if name is None:
        if len(hubs) == 1:
            return next(iter(hubs.values()))
        raise ServiceValidationError(
            f"{DOMAIN}.{call.service}: name the hub, one of {', '.join(hubs) or '(none configured)'}"
        )
    if name not in hubs:
        raise ServiceValidationError(
            f"{DOMAIN}.{call.service}: no modbus hub '{name}'; configured: {', '.join(hubs) or 'none'}"
        )
    return hubs[name]


async def write_register(call: ServiceCall) -> None:
    await _target(call).write_register(call.data["device_id"], call.data["address"], call.data["value"])


async def write_coil(call: ServiceCall) -> None:
    await _target(call).write_coil(call.data["device_id"], call.data["address"], call.data["state"])


SERVICES: Final = (
    ServiceSpec(SERVICE_WRITE_REGISTER, write_register, WRITE_REGISTER_SCHEMA,
                "Write a holding register, or consecutive ones from a list"),
    ServiceSpec(SERVICE_WRITE_COIL, write_coil, WRITE_COIL_SCHEMA, "Write a coil, or consecutive ones from a list"),
)
