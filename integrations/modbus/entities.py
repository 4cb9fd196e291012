"""Modbus values as entities: sensors (registers), binary sensors (bits), switches (coils or registers).

A polled entity is unavailable until its first read and whenever a read fails; it asks the
hub to poll its registers (``ModbusHub.poll``) when added and stops when removed. Failures
that mean the device is down are logged once by the hub; anything else (an exception
answer, registers that do not decode) is logged here, rate-limited per entity.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import DeviceInfo, Entity
from xiaoqu.integrations.binary_sensor.entity import BinarySensorEntity
from xiaoqu.integrations.sensor.entity import SensorEntity
from xiaoqu.integrations.switch.entity import SwitchEntity

from .codec import DataType, DecodeError, Swap, decoder, to_state
from .const import DOMAIN, Table
from .errors import ModbusError, ModbusNoResponse, describe

if TYPE_CHECKING:
    from collections.abc import Callable

    from .hub import ModbusHub
    from .poller import Values


class ModbusEntity(Entity):
    """What every Modbus entity shares: its device, its poll, its availability."""

    _attr_available = False

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        self._modbus = modbus
        self._device = conf["device_id"]
        self._address = conf["address"]
        self._interval = conf["scan_interval"]
        self._attr_name = conf["name"]
        self._attr_unique_id = conf.get("unique_id")
        self._attr_device_info = DeviceInfo(
            identifiers=[f"{DOMAIN}:{modbus.name}:{self._device}"],
            name=modbus.device_name(self._device),
        )
        self._stop_polling: Callable[[], None] | None = None
        self._last_values: Values | None = None

    def _poll_target(self) -> tuple[Table, int, int] | None:
        """(table, address, count) to poll, or None for an entity that is not polled."""
        raise NotImplementedError

    def _show(self, values: Values) -> None:
        """Set the domain's field (a value, on/off) from freshly read values; raises
        DecodeError, changing nothing, when they make no sense."""
        raise NotImplementedError

    async def added_to_hub(self) -> None:
        if (target := self._poll_target()) is not None:
            table, address, count = target
            self._stop_polling = self._modbus.poll(
                self._device, table, address, count, self._interval, self._on_data, self._on_error
            )

    async def will_remove_from_hub(self) -> None:
        if self._stop_polling is not None:
            self._stop_polling()
            self._stop_polling = None

    def _on_data(self, values: Values) -> None:
        if self._attr_available and values == self._last_values:
            return  # most polls change nothing: skip decoding and the state machine
        try:
            self._show(values)
        except DecodeError as err:
            table, address, count = self._poll_target() or (Table.HOLDING, self._address, 1)
            self._on_error(ModbusError(self._modbus.name, self._device,
                                       describe(table.description, address, count), str(err)))
            return
        self._modbus.problems.clear(self.entity_id, f"{self.entity_id} reads again")
        self._last_values = values
        self._attr_available = True
        self.write_state()

    def _on_error(self, err: ModbusError) -> None:
        if not isinstance(err, ModbusNoResponse):  # the hub already said the device is down
            self._modbus.problems.warning(self.entity_id, f"{self.entity_id} is unavailable: {err}")
        self._attr_available = False
        self.write_state()


class ModbusSensor(ModbusEntity, SensorEntity):
    """A number (or text) from holding or input registers."""

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        super().__init__(modbus, conf)
        self._table = Table(conf["input_type"])
        data_type = DataType(conf["data_type"])
        self._decode = decoder(data_type, Swap(conf["swap"]))
        self._count = conf.get("count") or data_type.registers or 1
        self._scale = conf.get("scale", 1)
        self._offset = conf.get("offset", 0)
        self._precision = conf.get("precision")
        self._attr_unit_of_measurement = conf.get("unit_of_measurement")
        if "device_class" in conf:
            self._attr_extra_state_attributes = {"device_class": conf["device_class"]}

    def _poll_target(self) -> tuple[Table, int, int]:
        return self._table, self._address, self._count

    def _show(self, values: Values) -> None:
        self._attr_native_value = to_state(self._decode(values), self._scale, self._offset, self._precision)


class ModbusBinarySensor(ModbusEntity, BinarySensorEntity):
    """On/off from a coil, a discrete input, or a register (one bit of it, or non-zero)."""

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        super().__init__(modbus, conf)
        self._table = Table(conf["input_type"])
        self._bit = conf.get("bit")
        if "device_class" in conf:
            self._attr_extra_state_attributes = {"device_class": conf["device_class"]}

    def _poll_target(self) -> tuple[Table, int, int]:
        return self._table, self._address, 1

    def _show(self, values: Values) -> None:
        value = int(values[0])
        self._attr_is_on = bool(value >> self._bit & 1) if self._bit is not None else value != 0


class ModbusSwitch(ModbusEntity, SwitchEntity):
    """Written as a coil or as ``command_on``/``command_off`` to a holding register.

    With ``verify`` the switch reads its state back (from the written address, or the one
    ``verify`` names) every ``scan_interval`` and right after each write; without it, the
    state is what was last written and the switch is only unavailable after a failed write.
    """

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        super().__init__(modbus, conf)
        self._write_table = Table(conf["write_type"])
        self._command_on = conf.get("command_on", 1)
        self._command_off = conf.get("command_off", 0)
        verify = conf.get("verify")
        self._verify: tuple[Table, int] | None = None
        if verify is not None:
            self._verify = (Table(verify.get("input_type", self._write_table)), verify.get("address", self._address))
            self._state_on = verify.get("state_on", self._command_on)
            self._state_off = verify.get("state_off", self._command_off)
        else:
            self._attr_available = True

    def _poll_target(self) -> tuple[Table, int, int] | None:
        return None if self._verify is None else (*self._verify, 1)

    def _show(self, values: Values) -> None:
        assert self._verify is not None
        if self._verify[0].is_bits:
            self._attr_is_on = bool(values[0])
            return
        value = int(values[0])
        if value in (self._state_on, self._state_off):
            self._attr_is_on = value == self._state_on
            return
        raise DecodeError(f"read {value}, which is neither state_on ({self._state_on}) "
                          f"nor state_off ({self._state_off})")

    async def turn_on(self, **_: Any) -> None:
        await self._write(True)

    async def turn_off(self, **_: Any) -> None:
        await self._write(False)

    async def _write(self, on: bool) -> None:
        try:
            if self._write_table is Table.COIL:
                await self._modbus.write_coil(self._device, self._address, on)
            else:
                await self._modbus.write_register(
                    self._device, self._address, self._command_on if on else self._command_off
                )
        except ModbusNoResponse:
            if self._verify is None:
                self._attr_available = False
                self.write_state()
            raise
        if self._verify is not None:
            self._modbus.refresh(self._device, *self._verify)
        else:
            self._attr_is_on, self._attr_available = on, True
            self.write_state()
