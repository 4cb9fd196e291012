"""The base class of every sensor, whoever reads it."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.entity import Entity

from .const import ATTR_STATE_CLASS, ATTR_UNIT_OF_MEASUREMENT, DEVICE_CLASS_NAMES, DOMAIN


class SensorEntity(Entity):
    """A value: the state is ``native_value`` as text (``unknown`` while it is ``None``),
    with its unit and state class as attributes when it has them."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES

    _attr_native_value: str | int | float | None = None
    _attr_unit_of_measurement: str | None = None
    _attr_state_class: str | None = None

    @property
    def native_value(self) -> str | int | float | None:
        return self._attr_native_value

    @property
    def unit_of_measurement(self) -> str | None:
        return self._attr_unit_of_measurement

    @property
    def state_class(self) -> str | None:
        return self._attr_state_class

    @property
    def state(self) -> str | None:
        value = self.native_value
        return None if value is None else str(value)

    def domain_attributes(self) -> dict[str, Any]:
        values = {ATTR_UNIT_OF_MEASUREMENT: self.unit_of_measurement, ATTR_STATE_CLASS: self.state_class}
        return {key: value for key, value in values.items() if value is not None}
