"""A gate whose controller speaks the reference register map on a hub of the modbus
integration (``reference_map.py`` has the map).

The six status registers are polled through ``ModbusHub.poll`` (batched with anything else
read from that unit, on the hub's clock, ``on_error`` when the unit stops answering: the gate
is then unavailable with the modbus hub's reason). A command is a coil write, answered by
the controller; while an open command waits for confirmation the status block is read back
at once (:meth:`ModbusBarrier.read_back`) rather than at the next poll.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.modbus import ModbusError, Table

from .const import BarrierEntityFeature, Command
from .devices import gate_device
from .entity import BarrierEntity
from .reference_map import COILS, STATUS_ADDRESS, STATUS_REGISTERS, decode
from .settings import GateOptions

if TYPE_CHECKING:
    from xiaoqu.integrations.modbus import ModbusHub


class ModbusBarrier(BarrierEntity):
    _attr_supported_features = BarrierEntityFeature.STOP

    def __init__(self, modbus: ModbusHub, conf: Mapping[str, Any]) -> None:
        self.modbus = modbus
        self.unit_id: int = conf["modbus"]["device_id"]  # not `device_id`: an entity's is its registry device
        self.scan_interval: float = conf["modbus"]["scan_interval"]
        self.options = GateOptions.from_config(conf)
        self._attr_name = conf.get("name") or conf["id"]
        self._attr_unique_id = conf["id"]
        self._attr_suggested_object_id = conf["id"]
        self._attr_device_info = gate_device(conf)
        self._stop_polling: Callable[[], None] | None = None

    async def added_to_hub(self) -> None:
        self._stop_polling = self.modbus.poll(self.unit_id, Table.INPUT, STATUS_ADDRESS, STATUS_REGISTERS,
                                              self.scan_interval, self._on_data, self._on_error)

    async def will_remove_from_hub(self) -> None:
        await super().will_remove_from_hub()
        if self._stop_polling is not None:
            self._stop_polling()
            self._stop_polling = None

    def _on_data(self, values: Sequence[int] | Sequence[bool]) -> None:
        reading = decode([int(v) for v in values])
        self._attr_barrier_state = reading.state
        self._attr_vehicle_present = reading.vehicle_present
        self._attr_fault = reading.fault
        self._attr_extra_state_attributes = {"fault_code": reading.fault_code, "position": reading.position,
                                             "cycles": reading.cycles}
        self._attr_available, self._attr_unavailable_reason = True, None
        self.write_state()

    def _on_error(self, err: ModbusError) -> None:
        self._attr_available, self._attr_unavailable_reason = False, str(err)
        self.write_state()

    async def send_command(self, command: Command, request_id: str | None = None) -> None:
        """Pulse the command's coil; a ModbusError names hub, unit and coil if it fails."""
        await self.modbus.write_coil(self.unit_id, COILS[command], True)

    async def read_back(self) -> bool:
        try:
            values = await self.modbus.read(Table.INPUT, self.unit_id, STATUS_ADDRESS, STATUS_REGISTERS)
        except ModbusError as err:
            self._on_error(err)
        else:
            self._on_data(values)
        return True
