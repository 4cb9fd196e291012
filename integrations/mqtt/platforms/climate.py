"""MQTT climate (HVAC): mode, target temperature(s), current temperature and humidity,
action, fan and preset modes, each on its own topics with its own templates."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.climate.const import DOMAIN as DOMAIN
from xiaoqu.integrations.climate.const import ClimateEntityFeature
from xiaoqu.integrations.climate.entity import ClimateEntity

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage

#: (state key, the ClimateEntity field it sets, parse as number)
_READINGS = (
    ("mode", "hvac_mode", False),
    ("temperature", "target_temperature", True),
    ("temperature_high", "target_temperature_high", True),
    ("temperature_low", "target_temperature_low", True),
    ("current_temperature", "current_temperature", True),
    ("current_humidity", "current_humidity", True),
    ("action", "hvac_action", False),
    ("fan_mode", "fan_mode", False),
    ("preset_mode", "preset_mode", False),
    ("swing_mode", "swing_mode", False),
)
_FIELDS = {name: field for name, field, _ in _READINGS}
#: feature → the state keys whose topics offer it (Home Assistant's MQTT climate)
_FEATURES = {
    ClimateEntityFeature.TARGET_TEMPERATURE: ("temperature",),
    ClimateEntityFeature.TARGET_TEMPERATURE_RANGE: ("temperature_low", "temperature_high"),
    ClimateEntityFeature.FAN_MODE: ("fan_mode",),
    ClimateEntityFeature.PRESET_MODE: ("preset_mode",),
}


def _state_keys(name: str) -> tuple[str, str]:
    """(topic key, template key): Home Assistant names some ``*_template``, others ``*_state_template``."""
    if name in ("current_temperature", "current_humidity", "action"):
        return f"{name}_topic", f"{name}_template"
    if name == "preset_mode":
        return "preset_mode_state_topic", "preset_mode_value_template"
    return f"{name}_state_topic", f"{name}_state_template"


class MqttClimate(MqttEntity, ClimateEntity):
    DEFAULT_NAME = "MQTT HVAC"
    PLATFORM_SCHEMA = {
        **{vol.Optional(key): subscribe_topic for name, _, _ in _READINGS for key in (_state_keys(name)[0],)},
        **{vol.Optional(key): string for name, _, _ in _READINGS for key in (_state_keys(name)[1],)},
        **{
            vol.Optional(f"{name}_command_topic"): publish_topic
            for name in ("mode", "temperature", "temperature_high", "temperature_low", "fan_mode", "preset_mode", "swing_mode")
        },
        **{
            vol.Optional(f"{name}_command_template"): string
            for name in ("mode", "temperature", "temperature_high", "temperature_low", "fan_mode", "preset_mode", "swing_mode")
        },
        vol.Optional("modes", default=["auto", "off", "cool", "heat", "dry", "fan_only"]): [string],
        vol.Optional("fan_modes", default=["auto", "low", "medium", "high"]): [string],
        vol.Optional("preset_modes", default=[]): [string],
        vol.Optional("swing_modes", default=["on", "off"]): [string],
        vol.Optional("min_temp", default=7): vol.Coerce(float),
        vol.Optional("max_temp", default=35): vol.Coerce(float),
        vol.Optional("temp_step", default=1): vol.Coerce(float),
        vol.Optional("precision"): vol.Coerce(float),
        vol.Optional("temperature_unit"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        for name in _FIELDS:
            self._store(name, None)
        self._attr_hvac_modes = config["modes"]
        self._attr_preset_modes = config["preset_modes"]
        self._attr_min_temp, self._attr_max_temp = config["min_temp"], config["max_temp"]
        features = ClimateEntityFeature(0)
        for feature, names in _FEATURES.items():
            if any(f"{name}_command_topic" in config or _state_keys(name)[0] in config for name in names):
                features |= feature
        self._attr_supported_features = features

    def _store(self, name: str, value: Any) -> None:
        """Set the field a state key stands for (``"mode"`` → ``hvac_mode``)."""
        setattr(self, f"_attr_{_FIELDS[name]}", value)

    def subscribe_topics(self) -> None:
        for name, _, numeric in _READINGS:
            self.subscribe_value(self._receiver(name, numeric), *_state_keys(name))

    def _receiver(self, name: str, numeric: bool) -> Callable[[str, ReceiveMessage], None]:
        def received(value: str, message: ReceiveMessage) -> None:
            value = value.strip()
            if value == PAYLOAD_NONE:
                self._store(name, None)
            elif numeric:
                try:
                    self._store(name, float(value))
                except ValueError:
                    self.reject("unexpected_value", f"{message.topic}: {name} {value[:40]!r} is not a number")
                    return
            elif name == "mode" and value not in self.config["modes"]:
                self.reject("unexpected_value", f"{message.topic}: mode {value[:40]!r} is not one of the modes")
                return
            else:
                self._store(name, value)
            self.update()

        return received

    def _send(self, name: str, value: Any) -> None:
        topic = self.config.get(f"{name}_command_topic")
        if topic is None:
            return
        if isinstance(value, float) and value.is_integer() and self.config["temp_step"] >= 1:
            value = int(value)
        template = self.command_template(f"{name}_command_template")
        self.publish(topic, template.render(value) if template.text else str(value))
        topic_key, _ = _state_keys(name)
        if self.config.get("optimistic") or topic_key not in self.config:
            self._store(name, value)

    def set_temperature(self, **kwargs: Any) -> None:
        targets = (
            ("temperature", "temperature"),
            ("target_temp_high", "temperature_high"),
            ("target_temp_low", "temperature_low"),
        )
        for key, name in targets:
            if kwargs.get(key) is None:
                continue
            value = kwargs[key]
            if not self.config["min_temp"] <= value <= self.config["max_temp"]:
                raise ServiceValidationError(
                    f"{key} {value} is outside {self.config['min_temp']}..{self.config['max_temp']} for {self.entity_id}"
                )
            self._send(name, float(value))
        if kwargs.get("hvac_mode") is not None:
            self.set_hvac_mode(kwargs["hvac_mode"])
        self.update()

    def set_hvac_mode(self, hvac_mode: str) -> None:
        self.check_offered("hvac mode", hvac_mode, self.config["modes"])
        self._send("mode", hvac_mode)
        self.update()

    def set_preset_mode(self, preset_mode: str) -> None:
        self.check_offered("preset mode", preset_mode, self.config["preset_modes"])
        self._send("preset_mode", preset_mode)
        self.update()

    def set_fan_mode(self, fan_mode: str) -> None:
        self.check_offered("fan mode", fan_mode, self.config["fan_modes"])
        self._send("fan_mode", fan_mode)
        self.update()


ENTITY = MqttClimate
