"""The base class of every climate device, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    ATTR_SWING_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ATTR_TEMPERATURE,
    DEFAULT_MAX_TEMP,
    DEFAULT_MIN_TEMP,
    DOMAIN,
)


class ClimateEntity(Entity):
    """A thermostat or an air conditioner: the state is its HVAC mode; the modes it offers,
    its temperature limits and what it reports (temperatures, humidity, action, fan, preset
    and swing modes) are attributes, those not known left out. A subclass implements
    :meth:`set_hvac_mode` and each optional service whose feature it declares."""

    domain = DOMAIN

    _attr_hvac_mode: str | None = None
    _attr_hvac_modes: Sequence[str] = ()
    _attr_hvac_action: str | None = None
    _attr_min_temp: float = DEFAULT_MIN_TEMP
    _attr_max_temp: float = DEFAULT_MAX_TEMP
    _attr_current_temperature: float | None = None
    _attr_current_humidity: float | None = None
    _attr_target_temperature: float | None = None
    _attr_target_temperature_high: float | None = None
    _attr_target_temperature_low: float | None = None
    _attr_fan_mode: str | None = None
    _attr_preset_mode: str | None = None
    _attr_preset_modes: list[str] | None = None
    _attr_swing_mode: str | None = None

    @property
    def hvac_mode(self) -> str | None:
        return self._attr_hvac_mode

    @property
    def hvac_modes(self) -> Sequence[str]:
        return self._attr_hvac_modes

    @property
    def hvac_action(self) -> str | None:
        return self._attr_hvac_action

    @property
    def min_temp(self) -> float:
        return self._attr_min_temp

    @property
    def max_temp(self) -> float:
        return self._attr_max_temp

    @property
    def current_temperature(self) -> float | None:
        return self._attr_current_temperature

    @property
    def current_humidity(self) -> float | None:
        return self._attr_current_humidity

    @property
    def target_temperature(self) -> float | None:
        return self._attr_target_temperature

    @property
    def target_temperature_high(self) -> float | None:
        return self._attr_target_temperature_high

    @property
    def target_temperature_low(self) -> float | None:
        return self._attr_target_temperature_low

    @property
    def fan_mode(self) -> str | None:
        return self._attr_fan_mode

    @property
    def preset_mode(self) -> str | None:
        return self._attr_preset_mode

    @property
    def preset_modes(self) -> list[str] | None:
        return self._attr_preset_modes

    @property
    def swing_mode(self) -> str | None:
        return self._attr_swing_mode

    @property
    def state(self) -> str | None:
        return self.hvac_mode

    def domain_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            ATTR_HVAC_MODES: self.hvac_modes,
            ATTR_MIN_TEMP: self.min_temp,
            ATTR_MAX_TEMP: self.max_temp,
        }
        reported = {
            ATTR_PRESET_MODES: self.preset_modes or None,
            ATTR_TEMPERATURE: self.target_temperature,
            ATTR_TARGET_TEMP_HIGH: self.target_temperature_high,
            ATTR_TARGET_TEMP_LOW: self.target_temperature_low,
            ATTR_CURRENT_TEMPERATURE: self.current_temperature,
            ATTR_CURRENT_HUMIDITY: self.current_humidity,
            ATTR_HVAC_ACTION: self.hvac_action,
            ATTR_FAN_MODE: self.fan_mode,
            ATTR_PRESET_MODE: self.preset_mode,
            ATTR_SWING_MODE: self.swing_mode,
        }
        attributes.update((key, value) for key, value in reported.items() if value is not None)
        return attributes

    def set_hvac_mode(self, hvac_mode: str) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_hvac_mode")

    def set_temperature(self, **kwargs: Any) -> Awaitable[None] | None:
        """``temperature``, or ``target_temp_low`` and ``target_temp_high``, and perhaps ``hvac_mode``."""
        raise ServiceNotSupported(self, "set_temperature")

    def set_preset_mode(self, preset_mode: str) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_preset_mode")

    def set_fan_mode(self, fan_mode: str) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_fan_mode")
