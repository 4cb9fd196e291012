"""A Modbus hub: one line, the health of the devices on it, their polling, and the API for plugins.

Other plugins (a vendor's barrier gate, the simulator's checks) reach a device through
:func:`xiaoqu.integrations.modbus.get_hub` and the four calls below; every request, whoever makes
it, goes through the same line (one at a time), the same per-device timeout and retries,
and counts towards the same device health:

- a device that does not answer (after its retries) is *down*: ``modbus_device_fault``
  ``{hub, device_id, reason}`` fires once, every polled value of it becomes unavailable,
  and from then on each request to it is tried once (it costs the line one timeout, not
  1 + retries);
- any answer, even a Modbus exception, means it is up again: ``modbus_device_recovered``
  ``{hub, device_id}`` fires and its schedules are polled at once.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ratelimit import RateLimitedLog

from .connection import Line, LineSettings
from .const import EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED, MAX_WRITE_COILS, MAX_WRITE_REGISTERS, Table
from .errors import ModbusError, ModbusExceptionResponse, ModbusNoResponse, describe
from .poller import Poller, Slot, Values

if TYPE_CHECKING:
    from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
    from pymodbus.pdu import ModbusPDU

    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

MAX_ADDRESS = 0xFFFF
PROBLEM_REPEAT = 600.0
"""Seconds of hub time before the same recurring problem is logged again."""


@dataclass(slots=True)
class DeviceSettings:
    """Per-device overrides of the hub's defaults (the ``devices:`` list of a hub)."""

    device_id: int
    name: str | None = None
    timeout: float | None = None
    retries: int | None = None


class ModbusHub:
    """One entry of the ``modbus:`` list."""

    def __init__(
        self,
        hub: Hub,
        settings: LineSettings,
        *,
        retries: int,
        devices: Sequence[DeviceSettings] = (),
        reconnect_max: float = 30.0,
    ) -> None:
        self.hub = hub
        self.name = settings.name
        self.settings = settings
        self.retries = retries
        self.devices = {d.device_id: d for d in devices}
        self.problems = RateLimitedLog(_LOGGER, hub.clock.time, PROBLEM_REPEAT)
        self.line = Line(
            settings, hub.clock, reconnect_max=reconnect_max,
            longest_timeout=max((d.timeout or 0 for d in devices), default=0),
        )
        self.poller = Poller(hub, self)
        self._online: dict[int, bool] = {}

    # --- devices --------------------------------------------------------------------------

    def device_name(self, device_id: int) -> str:
        device = self.devices.get(device_id)
        return device.name if device is not None and device.name else f"{self.name} device {device_id}"

    def _label(self, device_id: int) -> str:
        """``device 3`` or ``device 3 (North gate)``, for log lines that already name the hub."""
        device = self.devices.get(device_id)
        return f"device {device_id} ({device.name})" if device is not None and device.name else f"device {device_id}"

    def _timeout(self, device_id: int) -> float:
        device = self.devices.get(device_id)
        return device.timeout if device is not None and device.timeout is not None else self.settings.timeout

    def _retries(self, device_id: int) -> int:
        device = self.devices.get(device_id)
        return device.retries if device is not None and device.retries is not None else self.retries

    def online(self, device_id: int) -> bool | None:
        """True once the device answered, False while it is down, None before any request."""
        return self._online.get(device_id)

    # --- the API other plugins use ---------------------------------------------------------

    async def read_registers(self, device_id: int, address: int, count: int = 1, *, input: bool = False) -> list[int]:
        """Read holding registers (``input=True``: input registers) as 16-bit unsigned ints."""
        values = await self.read(Table.INPUT if input else Table.HOLDING, device_id, address, count)
        return [int(v) for v in values]

    async def read_coils(self, device_id: int, address: int, count: int = 1, *, discrete: bool = False) -> list[bool]:
        """Read coils (``discrete=True``: discrete inputs)."""
        values = await self.read(Table.DISCRETE_INPUT if discrete else Table.COIL, device_id, address, count)
        return [bool(v) for v in values]

    async def write_register(self, device_id: int, address: int, value: int | Sequence[int]) -> None:
        """Write one holding register (function 6), or consecutive ones from a list (function 16)."""
        values = [value] if isinstance(value, int) else list(value)
        target = describe(Table.HOLDING.description, address, len(values))
        self._check(device_id, address, len(values), MAX_WRITE_REGISTERS, target)
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0xFFFF for v in values):
            raise ModbusError(self.name, device_id, target, f"register values are whole numbers 0-65535, got {value!r}")
        if isinstance(value, int):
            await self._request(device_id, target, lambda c: c.write_register(address, values[0], device_id=device_id))
        else:
            await self._request(device_id, target, lambda c: c.write_registers(address, values, device_id=device_id))
        self.poller.refresh(device_id, Table.HOLDING, address, len(values))

    async def write_coil(self, device_id: int, address: int, state: bool | Sequence[bool]) -> None:
        """Write one coil (function 5), or consecutive ones from a list (function 15)."""
        states = [state] if isinstance(state, bool) else list(state)
        target = describe(Table.COIL.description, address, len(states))
        self._check(device_id, address, len(states), MAX_WRITE_COILS, target)
        if not all(isinstance(s, bool) for s in states):
            raise ModbusError(self.name, device_id, target, f"coil states are true or false, got {state!r}")
        if isinstance(state, bool):
            await self._request(device_id, target, lambda c: c.write_coil(address, state, device_id=device_id))
        else:
            await self._request(device_id, target, lambda c: c.write_coils(address, states, device_id=device_id))
        self.poller.refresh(device_id, Table.COIL, address, len(states))

    def poll(
        self,
        device_id: int,
        table: Table | str,
        address: int,
        count: int,
        interval: float,
        on_data: Callable[[Values], Any],
        on_error: Callable[[ModbusError], Any],
    ) -> Callable[[], None]:
        """Read ``count`` values every ``interval`` seconds, batched with everything else polled
        from the device at that interval. ``on_data(values)`` gets exactly ``count`` values;
        ``on_error(err)`` is called when they could not be read (also when the device goes
        down). Returns a function that stops the polling."""
        table = Table(table)
        target = describe(table.description, address, count)
        self._check(device_id, address, count, table.max_read, target)
        return self.poller.add(Slot(device_id, table, address, count, interval, on_data, on_error))

    def refresh(self, device_id: int, table: Table | str, address: int, count: int = 1) -> None:
        """Poll now whatever is polled from these addresses (after a command that changes them)."""
        self.poller.refresh(device_id, Table(table), address, count)

    async def read(self, table: Table, device_id: int, address: int, count: int) -> Values:
        """Read ``count`` values of any table; the poller's and the read API's one path."""
        target = describe(table.description, address, count)
        self._check(device_id, address, count, table.max_read, target)
        readers = {
            Table.COIL: "read_coils", Table.DISCRETE_INPUT: "read_discrete_inputs",
            Table.HOLDING: "read_holding_registers", Table.INPUT: "read_input_registers",
        }
        response = await self._request(
            device_id, target, lambda c: getattr(c, readers[table])(address, count=count, device_id=device_id)
        )
        values: Values = response.bits[:count] if table.is_bits else response.registers
        if len(values) != count:
            raise ModbusError(self.name, device_id, target, f"the device answered {len(values)} values")
        self.line.stats.values_read += count
        return values

    # --- requests and health ----------------------------------------------------------------

    def _check(self, device_id: int, address: int, count: int, limit: int, target: str) -> None:
        if not 0 <= device_id <= 255:
            raise ModbusError(self.name, device_id, target, "device ids are 0-255")
        if not 1 <= count <= limit:
            raise ModbusError(self.name, device_id, target, f"one request covers 1 to {limit} values, not {count}")
        if not 0 <= address or address + count - 1 > MAX_ADDRESS:
            raise ModbusError(self.name, device_id, target, "addresses are 0-65535")

    async def _request(
        self,
        device_id: int,
        target: str,
        call: Callable[[AsyncModbusTcpClient | AsyncModbusSerialClient], Awaitable[ModbusPDU]],
    ) -> ModbusPDU:
        attempts = 1 if self._online.get(device_id) is False else 1 + self._retries(device_id)
        try:
            response = await self.line.request(
                call, hub=self.name, device_id=device_id, target=target,
                timeout=self._timeout(device_id), attempts=attempts,
            )
        except ModbusNoResponse as err:
            self._down(device_id, err)
            raise
        except ModbusExceptionResponse:
            self._up(device_id)
            raise
        self._up(device_id)
        return response

    def _down(self, device_id: int, err: ModbusNoResponse) -> None:
        if self._online.get(device_id) is False:
            return
        self._online[device_id] = False
        _LOGGER.warning("modbus hub '%s': %s does not answer: %s; its values are unavailable",
                        self.name, self._label(device_id), err.reason)
        self.hub.bus.fire(EVENT_DEVICE_FAULT, {"hub": self.name, "device_id": device_id, "reason": err.reason})
        self.poller.fail_device(device_id, err)

    def _up(self, device_id: int) -> None:
        was = self._online.get(device_id)
        self._online[device_id] = True
        if was is False:
            _LOGGER.info("modbus hub '%s': %s answers again", self.name, self._label(device_id))
            self.hub.bus.fire(EVENT_DEVICE_RECOVERED, {"hub": self.name, "device_id": device_id})
            self.poller.refresh(device_id, again=False)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self.poller.start()

    def stop_polling(self) -> None:
        self.poller.stop()

    def close(self) -> None:
        self.poller.stop()
        self.line.close()
