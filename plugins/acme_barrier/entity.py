"""The barrier entity: one Acme controller on a Modbus hub (``barriers`` makes them from the config).

``AcmeBarrier`` subclasses ``BarrierEntity``, the barrier integration's base class, which
owns the states and the ``barrier.*`` services: the plugin only fills the base class's
fields from each reading and implements ``open``, ``close`` and ``stop``. It asks the modbus
integration to poll its status block (batched with whatever else the hub polls from that
device); commands are coil writes through the same hub, followed by an immediate re-poll so
the state moves at once.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import DeviceInfo
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.barrier.const import BarrierEntityFeature
from xiaoqu.integrations.barrier.entity import BarrierEntity
from xiaoqu.integrations.modbus import ModbusError, Table, get_hub

from .const import DOMAIN
from .registers import COIL_CLOSE, COIL_OPEN, COIL_STOP, REG_STATUS, STATUS_REGISTERS, decode

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.modbus import ModbusHub


class AcmeBarrier(BarrierEntity):
    _attr_icon = "mdi:boom-gate"
    _attr_supported_features = BarrierEntityFeature.STOP

    def __init__(self, modbus: ModbusHub, conf: dict[str, Any]) -> None:
        self.modbus = modbus
        self.unit_id: int = conf["device_id"]  # not `device_id`: an entity's device_id is its registry device
        self.scan_interval: float = conf["scan_interval"]
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
        if self._stop_polling is not None:
            self._stop_polling()
            self._stop_polling = None

    def _on_data(self, values: Sequence[int]) -> None:
        reading = decode([int(v) for v in values])
        self._attr_barrier_state = reading.state
        self._attr_vehicle_present = reading.vehicle_present
        self._attr_fault = reading.fault
        self._attr_extra_state_attributes = {"fault_code": reading.fault_code, "cycles": reading.cycles}
        self._attr_available = True
        self.write_state()

    def _on_error(self, _err: ModbusError) -> None:
        self._attr_available = False  # the modbus hub has logged why
        self.write_state()

    # --- what barrier.open / barrier.close / barrier.stop run ---------------------------------

    async def open(self) -> None:
        await self._press(COIL_OPEN)

    async def close(self) -> None:
        await self._press(COIL_CLOSE)

    async def stop(self) -> None:
        await self._press(COIL_STOP)

    async def _press(self, coil: int) -> None:
        """Pulse a command coil (a ModbusError names hub, device and coil if it fails)."""
        await self.modbus.write_coil(self.unit_id, coil, True)
        self.modbus.refresh(self.unit_id, Table.HOLDING, REG_STATUS, STATUS_REGISTERS)


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

