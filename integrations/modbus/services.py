"""``modbus.write_register`` and ``modbus.write_coil``: raw writes for automations and staff.

Field names follow Home Assistant (``hub``, ``address``, ``value``, ``state``), with
``device_id`` for the unit id (``slave`` is accepted as its old name). ``hub`` may be left
out when there is only one hub.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.services import ServiceCall
from xiaoqu.core.validation import boolean, renamed_keys, string, vol

from .const import DEFAULT_DEVICE_ID, DOMAIN, SERVICE_WRITE_COIL, SERVICE_WRITE_REGISTER
from .hub import MAX_WRITE_COILS, MAX_WRITE_REGISTERS
from .schema import address, device_id, register_value

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .hub import ModbusHub


def _many(item: Any, most: int, what: str) -> Any:
    """One value, or a list of 1 to ``most`` of them (written to consecutive addresses)."""

    def validate(value: Any) -> Any:
        if not isinstance(value, list):
            return item(value)
        if not 1 <= len(value) <= most:
            raise vol.Invalid(f"expected a list of 1 to {most} {what} (this one has {len(value)})")
        return [item(v) for v in value]

    return validate


_TARGET = {
    vol.Optional("hub"): string,
    vol.Optional("device_id", default=DEFAULT_DEVICE_ID): device_id,
    vol.Required("address"): address,
}

WRITE_REGISTER_SCHEMA = vol.All(renamed_keys({"slave": "device_id"}), vol.Schema({
    **_TARGET,
    vol.Required("value"): _many(register_value, MAX_WRITE_REGISTERS, "register values"),
}))

WRITE_COIL_SCHEMA = vol.All(renamed_keys({"slave": "device_id"}), vol.Schema({
    **_TARGET,
    vol.Required("state"): _many(boolean, MAX_WRITE_COILS, "coil states"),
}))


def register_services(hub: Hub, hubs: dict[str, ModbusHub]) -> None:
    def target(call: ServiceCall) -> ModbusHub:
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
        await target(call).write_register(call.data["device_id"], call.data["address"], call.data["value"])

    async def write_coil(call: ServiceCall) -> None:
        await target(call).write_coil(call.data["device_id"], call.data["address"], call.data["state"])

    hub.services.register(DOMAIN, SERVICE_WRITE_REGISTER, write_register, WRITE_REGISTER_SCHEMA,
                          description="Write a holding register, or consecutive ones from a list")
    hub.services.register(DOMAIN, SERVICE_WRITE_COIL, write_coil, WRITE_COIL_SCHEMA,
                          description="Write a coil, or consecutive ones from a list")
