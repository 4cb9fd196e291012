"""``sensor.<lot>_free_spaces``: the spaces free in a lot, with the counts behind the figure."""
from __future__ import annotations

from typing import Any

from xiaoqu.integrations.sensor.const import SensorStateClass
from xiaoqu.integrations.sensor.entity import SensorEntity

from .occupancy import Count


class FreeSpaces(SensorEntity):
    _attr_icon = "mdi:parking"
    _attr_unit_of_measurement = "spaces"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, count: Count) -> None:
        lot = count.lot
        self.count = count
        self._attr_name = f"{lot.name} free spaces"
        self._attr_unique_id = f"parking_{lot.id}_free_spaces"
        self._attr_suggested_object_id = f"{lot.id}_free_spaces"

    @property
    def native_value(self) -> int:
        return self.count.free

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        lot = self.count.lot
        return {
            "lot": lot.id,
            "capacity": lot.capacity,
            "occupied": self.count.occupied,
            "fixed_spaces": len(lot.spaces),
            "temporary_spaces": lot.temporary_spaces,
            "temporary_occupied": self.count.temporary,
            "temporary_free": self.count.temporary_free if lot.admit_temporary else 0,
        }

    def changed(self, count: Count) -> None:
        if count is self.count and self.hub is not None and self.entity_id is not None:
            self.write_state()
