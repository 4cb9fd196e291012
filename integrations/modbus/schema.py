"""The ``modbus:`` section of config.yaml (a list of hubs, each with its devices and
entities) and the data of the ``modbus.write_*`` services.

Key names follow Home Assistant's modbus integration, so a working Home Assistant config
needs few changes: ``slave:`` is accepted as the old name of ``device_id:`` (pymodbus 3.10
renamed it), and ``type`` is ``tcp``, ``rtuovertcp`` or ``rtu`` (a serial line; Home
Assistant writes ``type: serial`` with ``method: rtu``).
"""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import (
    boolean,
    ensure_list,
    key_value_schemas,
    number,
    port,
    positive_int,
    renamed_keys,
    string,
    time_period,
    vol,
)

from .codec import DataType, Swap
from .const import (
    DEFAULT_DEVICE_ID,
    DEFAULT_HUB_NAME,
    DEFAULT_RETRIES,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_TIMEOUT,
    MAX_WRITE_COILS,
    MAX_WRITE_REGISTERS,
    Table,
)

PLATFORMS = ("sensors", "binary_sensors", "switches")


def _bounded_int(low: int, high: int, what: str) -> Any:
    message = f"expected {what}, {low} to {high}"

    def validate(value: Any) -> int:
        try:
            number = positive_int(value) if low >= 0 else int(value)
        except (vol.Invalid, TypeError, ValueError):
            raise vol.Invalid(message) from None
        if not low <= number <= high:
            raise vol.Invalid(message)
        return number

    return validate


address = _bounded_int(0, 0xFFFF, "a Modbus address")
device_id = _bounded_int(0, 255, "a device id (unit id)")
register_value = _bounded_int(0, 0xFFFF, "a register value")


def _seconds(allow_zero: bool) -> Any:
    def validate(value: Any) -> float:
        seconds = time_period(value).total_seconds()
        if seconds < 0 or (seconds == 0 and not allow_zero):
            raise vol.Invalid("expected a time period of more than 0 seconds" if not allow_zero
                              else "expected a time period of 0 seconds or more")
        return seconds

    return validate


def _one_of(*choices: str) -> Any:
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
    message = f"expected {listed}"

    def validate(value: Any) -> str:
        if isinstance(value, str) and value in choices:
            return value
        raise vol.Invalid(message)

    return validate


def _int_choice(*choices: int) -> Any:
    message = "expected " + " or ".join(str(c) for c in choices)

    def validate(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value in choices:
            return value
        raise vol.Invalid(message)

    return validate


ENTITY = {
    vol.Required("name"): string,
    vol.Required("address"): address,
    vol.Optional("device_id", default=DEFAULT_DEVICE_ID): device_id,
    vol.Optional("scan_interval", default=DEFAULT_SCAN_INTERVAL): _seconds(allow_zero=False),
    vol.Optional("unique_id"): string,
}


def _check_sensor(conf: dict[str, Any]) -> dict[str, Any]:
    data_type = DataType(conf["data_type"])
    swap = Swap(conf["swap"])
    if data_type is DataType.STRING:
        if "count" not in conf:
            raise vol.Invalid("data_type string needs count: the number of registers the text takes",
                              path=["data_type"])
        for key in ("scale", "offset", "precision"):
            if key in conf:
                raise vol.Invalid(f"{key} is for numbers, not for data_type string", path=[key])
        registers = conf["count"]
    else:
        registers = data_type.registers or 1
        if "count" in conf:
            raise vol.Invalid(f"count is only for data_type string; {data_type} always takes "
                              f"{registers} register{'s' if registers > 1 else ''}", path=["count"])
    if swap.swaps_words and (data_type is DataType.STRING or registers == 1):
        raise vol.Invalid(f"swap {swap} reorders the registers of a value of 2 or more; "
                          f"{data_type} {'is text' if data_type is DataType.STRING else 'takes one'} "
                          "(use byte or none)", path=["swap"])
    if conf["address"] + registers - 1 > 0xFFFF:
        raise vol.Invalid(f"{registers} registers from address {conf['address']} run past address 65535",
                          path=["address"])
    return conf


SENSOR = vol.All(renamed_keys({"slave": "device_id"}), vol.Schema({
    **ENTITY,
    vol.Optional("input_type", default=Table.HOLDING.value): _one_of(Table.HOLDING, Table.INPUT),
    vol.Optional("data_type", default=DataType.INT16.value): _one_of(*DataType),
    vol.Optional("count"): _bounded_int(1, 125, "a number of registers"),
    vol.Optional("swap", default=Swap.NONE.value): _one_of(*Swap),
    vol.Optional("scale"): number,
    vol.Optional("offset"): number,
    vol.Optional("precision"): _bounded_int(0, 10, "a number of decimals"),
    vol.Optional("unit_of_measurement"): string,
    vol.Optional("device_class"): string,
}), _check_sensor)


def _check_binary_sensor(conf: dict[str, Any]) -> dict[str, Any]:
    if "bit" in conf and Table(conf["input_type"]).is_bits:
        raise vol.Invalid(f"bit picks a bit of a register; input_type {conf['input_type']} is a single bit already",
                          path=["bit"])
    return conf


BINARY_SENSOR = vol.All(renamed_keys({"slave": "device_id"}), vol.Schema({
    **ENTITY,
    vol.Optional("input_type", default=Table.COIL.value): _one_of(*Table),
    vol.Optional("bit"): _bounded_int(0, 15, "a bit number"),
    vol.Optional("device_class"): string,
}), _check_binary_sensor)

VERIFY = vol.Schema({
    vol.Optional("address"): address,
    vol.Optional("input_type"): _one_of(*Table),
    vol.Optional("state_on"): register_value,
    vol.Optional("state_off"): register_value,
})


def _verify(value: Any) -> dict[str, Any]:
    """``verify:`` with nothing under it means "read back what was written"."""
    return {} if value is None else VERIFY(value)


def _check_switch(conf: dict[str, Any]) -> dict[str, Any]:
    if conf["write_type"] == Table.COIL:
        for key in ("command_on", "command_off"):
            if key in conf:
                raise vol.Invalid(f"{key} is for write_type holding; a coil is written on or off", path=[key])
    return conf


SWITCH = vol.All(renamed_keys({"slave": "device_id"}), vol.Schema({
    **ENTITY,
    vol.Optional("write_type", default=Table.HOLDING.value): _one_of(Table.HOLDING, Table.COIL),
    vol.Optional("command_on"): register_value,
    vol.Optional("command_off"): register_value,
    vol.Optional("verify"): _verify,
}), _check_switch)

DEVICE = vol.Schema({
    vol.Required("device_id"): device_id,
    vol.Optional("name"): string,
    vol.Optional("timeout"): _seconds(allow_zero=False),
    vol.Optional("retries"): _bounded_int(0, 10, "a number of retries"),
})

COMMON = {
    vol.Optional("name", default=DEFAULT_HUB_NAME): string,
    vol.Required("type"): string,
    vol.Optional("timeout", default=DEFAULT_TIMEOUT): _seconds(allow_zero=False),
    vol.Optional("retries", default=DEFAULT_RETRIES): _bounded_int(0, 10, "a number of retries"),
    vol.Optional("delay", default=0): _seconds(allow_zero=True),
    vol.Optional("message_wait_milliseconds"): _bounded_int(0, 10_000, "milliseconds"),
    vol.Optional("devices", default=list): [DEVICE],
    vol.Optional("sensors", default=list): [SENSOR],
    vol.Optional("binary_sensors", default=list): [BINARY_SENSOR],
    vol.Optional("switches", default=list): [SWITCH],
}

NETWORK_HUB = {
    **COMMON,
    vol.Required("host"): string,
    vol.Optional("port", default=502): port,
}

SERIAL_HUB = {
    **COMMON,
    vol.Required("port"): string,
    vol.Optional("baudrate", default=9600): _bounded_int(50, 4_000_000, "a baud rate"),
    vol.Optional("bytesize", default=8): _int_choice(5, 6, 7, 8),
    vol.Optional("parity", default="N"): _one_of("E", "O", "N"),
    vol.Optional("stopbits", default=1): _int_choice(1, 2),
}

HUB = key_value_schemas("type", {"tcp": NETWORK_HUB, "rtuovertcp": NETWORK_HUB, "rtu": SERIAL_HUB})


def _unique(hubs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hub names, unique ids and each hub's device ids must not repeat."""
    errors: list[vol.Invalid] = []
    names: dict[str, int] = {}
    unique_ids: dict[str, tuple[Any, ...]] = {}
    for index, hub in enumerate(hubs):
        if hub["name"] in names:
            errors.append(vol.Invalid(f"already the name of modbus[{names[hub['name']]}] "
                                      "(give each hub its own name)", path=[index, "name"]))
        names.setdefault(hub["name"], index)
        seen_devices: set[int] = set()
        for d_index, device in enumerate(hub["devices"]):
            if device["device_id"] in seen_devices:
                errors.append(vol.Invalid("this device is already listed above",
                                          path=[index, "devices", d_index, "device_id"]))
            seen_devices.add(device["device_id"])
        for platform in PLATFORMS:
            for e_index, entity in enumerate(hub[platform]):
                if (uid := entity.get("unique_id")) is None:
                    continue
                if uid in unique_ids:
                    first_hub, first_platform, first_index = unique_ids[uid]
                    errors.append(vol.Invalid(f"already used by modbus[{first_hub}].{first_platform}[{first_index}]",
                                              path=[index, platform, e_index, "unique_id"]))
                unique_ids.setdefault(uid, (index, platform, e_index))
    if errors:
        raise vol.MultipleInvalid(errors)
    return hubs


CONFIG_SCHEMA = vol.All(ensure_list, [HUB], _unique)
"""The ``modbus:`` section: a list of hubs (one mapping is taken as a list of one)."""


# --- modbus.write_register and modbus.write_coil ---------------------------------------------


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
