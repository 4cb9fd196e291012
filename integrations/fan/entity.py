"""The base class of every fan, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from xiaoqu.core.entity import ServiceNotSupported, ToggleEntity

from .const import ATTR_OSCILLATING, ATTR_PERCENTAGE, ATTR_PRESET_MODE, ATTR_PRESET_MODES, DOMAIN


class FanEntity(ToggleEntity):
    """A fan: ``on`` or ``off`` from ``is_on``, with the speed, preset and oscillation it
    reports. A subclass implements ``turn_on(percentage=None, preset_mode=None)`` and
    ``turn_off``, and each optional service whose feature it declares."""

    domain = DOMAIN

    _attr_percentage: int | None = None
    _attr_preset_mode: str | None = None
    _attr_preset_modes: list[str] | None = None
    _attr_oscillating: bool | None = None

    @property
    def percentage(self) -> int | None:
        return self._attr_percentage

    @property
    def preset_mode(self) -> str | None:
        return self._attr_preset_mode

    @property
    def preset_modes(self) -> list[str] | None:
        return self._attr_preset_modes

    @property
    def oscillating(self) -> bool | None:
        return self._attr_oscillating

    def domain_attributes(self) -> dict[str, Any]:
        values = {
            ATTR_PERCENTAGE: self.percentage,
            ATTR_PRESET_MODE: self.preset_mode,
            ATTR_OSCILLATING: self.oscillating,
            ATTR_PRESET_MODES: self.preset_modes or None,
        }
        return {key: value for key, value in values.items() if value is not None}

    def set_percentage(self, percentage: int) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_percentage")

    def set_preset_mode(self, preset_mode: str) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_preset_mode")

    def oscillate(self, oscillating: bool) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "oscillate")
