"""Each offline controller's whitelist as an entity: staff see at a glance which controller
holds what it should (``in_step``), is catching up (``behind``), holds something else
(``out_of_step``), or is ``offline``, with the versions and counts behind the word. It is the
controller's entity on the devices page (its device: ``devices.py``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.sensor.entity import SensorEntity

from .devices import controller_device

if TYPE_CHECKING:
    from .controllers import Controller


class ControllerEntity(SensorEntity):
    _attr_icon = "mdi:card-account-details-outline"

    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self._attr_name = f"{controller.name} whitelist"
        self._attr_unique_id = f"door_controller_{controller.id}_whitelist"
        self._attr_device_info = controller_device(controller.id, controller.name)

    @property
    def native_value(self) -> str:
        return self.controller.state

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        assert self.hub is not None
        attributes = self.controller.as_dict(self.hub.clock.tz)
        del attributes["state"], attributes["name"]
        return attributes
