"""The base class of every number, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from xiaoqu.core.entity import Entity, ServiceNotSupported
from xiaoqu.core.errors import ServiceValidationError

from .const import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_MODE,
    ATTR_STEP,
    ATTR_UNIT_OF_MEASUREMENT,
    DEFAULT_MAX_VALUE,
    DEFAULT_MIN_VALUE,
    DEFAULT_STEP,
    DEVICE_CLASS_NAMES,
    DOMAIN,
    NumberMode,
)


def number_text(number: float) -> str:
    """``40.0`` → ``"40"``, ``2.5`` → ``"2.5"``: how a number is shown and sent."""
    return str(int(number)) if float(number).is_integer() else str(number)


class NumberEntity(Entity):
    """A number within ``min_value``..``max_value`` in ``step``s: the state is the value
    (``unknown`` while it is ``None``), the limits are attributes. A subclass implements
    :meth:`set_value`, calling :meth:`check_value` first."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES

    _attr_native_value: float | None = None
    _attr_native_min_value: float = DEFAULT_MIN_VALUE
    _attr_native_max_value: float = DEFAULT_MAX_VALUE
    _attr_native_step: float = DEFAULT_STEP
    _attr_mode: str = NumberMode.AUTO
    _attr_unit_of_measurement: str | None = None

    @property
    def native_value(self) -> float | None:
        return self._attr_native_value

    @property
    def min_value(self) -> float:
        return self._attr_native_min_value

    @property
    def max_value(self) -> float:
        return self._attr_native_max_value

    @property
    def step(self) -> float:
        return self._attr_native_step

    @property
    def mode(self) -> str:
        return self._attr_mode

    @property
    def unit_of_measurement(self) -> str | None:
        return self._attr_unit_of_measurement

    @property
    def state(self) -> str | None:
        value = self.native_value
        return None if value is None else number_text(value)

    def domain_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {ATTR_MIN: self.min_value, ATTR_MAX: self.max_value, ATTR_STEP: self.step,
                                      ATTR_MODE: self.mode}
        if self.unit_of_measurement is not None:
            attributes[ATTR_UNIT_OF_MEASUREMENT] = self.unit_of_measurement
        return attributes

    def check_value(self, value: float) -> None:
        """Refuse a value outside the limits, naming them and the entity."""
        if not self.min_value <= value <= self.max_value:
            raise ServiceValidationError(
                f"value {number_text(value)} is outside {number_text(self.min_value)}..{number_text(self.max_value)} "
                f"for {self.entity_id}"
            )

    def set_value(self, value: float) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_value")
