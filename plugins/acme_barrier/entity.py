"""The barrier entity: one Acme controller on a Modbus hub (``barriers`` makes them from the config).

``AcmeBarrier`` subclasses ``BarrierEntity``, the barrier integration's base class, which
owns the states, the ``barrier.*`` services and the gate model (fault events, auto-close,
confirmed opens): the plugin only fills the base class's fields from each reading and says
how a command reaches the controller (``send_command``) and how to ask it for its state now
(``read_back``). It asks the modbus integration to poll its status block (batched with
whatever else the hub polls from that device); commands are coil writes through the same hub.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import DeviceInfo
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.barrier import BarrierEntity, BarrierEntityFeature, Command, GateOptions
from xiaoqu.integrations.modbus import ModbusError, Table, get_hub

from .const import DOMAIN
from .registers import COMMAND_COILS, REG_STATUS, STATUS_REGISTERS, decode

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.modbus import ModbusHub


class AcmeBarrier(BarrierEntity):
    _attr_supported_features = BarrierEntityFeature.STOP

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        self.modbus = modbus
        self.unit_id: int = conf["device_id"]  # not `device_id`: an entity's device_id is its registry device
        self.scan_interval: float = conf["scan_interval"]
        self.options = GateOptions.from_config(conf)  # auto-close and the confirmation wait
        self._attr_name = conf["name"]
        self._attr_unique_id = f"acme_{modbus.name}_{self.unit_id}"
        self._attr_device_info = DeviceInfo(
            identifiers=[f"acme_barrier:{modbus.name}:{self.unit_id}"],
            name=conf["name"],
            model="AB-300",
            manufacturer="Acme",
        )
        self._stop_polling: Callable[[], None] | None = None

    async def added_to_hub(self) -> None:
        self._stop_polling = self.modbus.poll(
            self.unit_id, Table.HOLDING, REG_STATUS, STATUS_REGISTERS, self.scan_interval,
            self._on_data, self._on_error,
        )

    async def will_remove_from_hub(self) -> None:
        await super().will_remove_from_hub()
        if self._stop_polling is not None:
            self._stop_polling()
            self._stop_polling = None

    def _on_data(self, values: Sequence[int]) -> None:
        reading = decode([int(v) for v in values])
        self._attr_barrier_state = reading.state
        self._attr_vehicle_present = reading.vehicle_present
        self._attr_fault = reading.fault
        self._attr_extra_state_attributes = {"fault_code": reading.fault_code, "cycles": reading.cycles}
        self._attr_available, self._attr_unavailable_reason = True, None
        self.write_state()

    def _on_error(self, err: ModbusError) -> None:
        self._attr_available, self._attr_unavailable_reason = False, str(err)  # the fault event's words
        self.write_state()

    # --- what the barrier integration asks of a driver ------------------------------------

    async def send_command(self, command: Command, request_id: str | None = None) -> None:
        """Pulse the command's coil (a ModbusError names hub, device and coil if it fails),
        then poll at once so the state moves without waiting for the next poll."""
        await self.modbus.write_coil(self.unit_id, COMMAND_COILS[command], True)
        self.modbus.refresh(self.unit_id, Table.HOLDING, REG_STATUS, STATUS_REGISTERS)

    async def read_back(self) -> bool:
        """Read the status block now (an open command waits for the arm to rise)."""
        try:
            values = await self.modbus.read(Table.HOLDING, self.unit_id, REG_STATUS, STATUS_REGISTERS)
        except ModbusError as err:
            self._on_error(err)
        else:
            self._on_data(values)
        return True


def barriers(hub: Hub, config: list[dict[str, Any]]) -> list[AcmeBarrier]:
    """One entity per configured controller, on the modbus hub its entry names.

    Whether that hub exists is known only now, at set-up: the error names the barrier.
    """
    found = []
    for index, conf in enumerate(config):
        try:
            modbus = get_hub(hub, conf.get("hub"))
        except HubError as err:
            raise HubError(f"{DOMAIN}[{index}] ({conf['name']}): {err}") from None
        found.append(AcmeBarrier(modbus, conf))
    return found

