"""The base class of every binary sensor, whoever reads it."""
from __future__ import annotations

from xiaoqu.core.const import STATE_OFF, STATE_ON
from xiaoqu.core.entity import Entity

from .const import DEVICE_CLASS_NAMES, DOMAIN


class BinarySensorEntity(Entity):
    """``on`` or ``off`` from ``is_on`` (``unknown`` while it is ``None``). Unlike a switch,
    nothing turns it on: it only reports."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES

    _attr_is_on: bool | None = None

    @property
    def is_on(self) -> bool | None:
        return self._attr_is_on

    @property
    def state(self) -> str | None:
        return None if self.is_on is None else STATE_ON if self.is_on else STATE_OFF
