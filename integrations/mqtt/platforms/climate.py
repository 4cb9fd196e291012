"""MQTT climate (HVAC): mode, target temperature(s), current temperature and humidity,
action, fan and preset modes, each on its own topics with its own templates."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.validation import string, vol

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    check_option,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage

DOMAIN = "climate"
_TEMP = vol.Coerce(float)
SERVICES = [
    (
        "set_temperature",
        "set_temperature",
        {
            vol.Optional("temperature"): _TEMP,
            vol.Optional("target_temp_high"): _TEMP,
            vol.Optional("target_temp_low"): _TEMP,
            vol.Optional("hvac_mode"): string,
        },
    ),
    ("set_hvac_mode", "set_hvac_mode", {vol.Required("hvac_mode"): string}),
    ("set_preset_mode", "set_preset_mode", {vol.Required("preset_mode"): string}),
    ("set_fan_mode", "set_fan_mode", {vol.Required("fan_mode"): string}),
]
#: (state key, attribute, parse as number)
_READINGS = (
    ("mode", None, False),
    ("temperature", "temperature", True),
    ("temperature_high", "target_temp_high", True),
    ("temperature_low", "target_temp_low", True),
    ("current_temperature", "current_temperature", True),
    ("current_humidity", "current_humidity", True),
    ("action", "hvac_action", False),
    ("fan_mode", "fan_mode", False),
    ("preset_mode", "preset_mode", False),
    ("swing_mode", "swing_mode", False),
)


def _state_keys(name: str) -> tuple[str, str]:
    """(topic key, template key): Home Assistant names some ``*_template``, others ``*_state_template``."""
    if name in ("current_temperature", "current_humidity", "action"):
        return f"{name}_topic", f"{name}_template"
    if name == "preset_mode":
        return "preset_mode_state_topic", "preset_mode_value_template"
    return f"{name}_state_topic", f"{name}_state_template"


class MqttClimate(MqttEntity):
    domain = DOMAIN
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
        self._values: dict[str, Any] = {}

    def subscribe_topics(self) -> None:
        for name, _, numeric in _READINGS:
            self.subscribe_value(self._receiver(name, numeric), *_state_keys(name))

    def _receiver(self, name: str, numeric: bool) -> Callable[[str, ReceiveMessage], None]:
        def received(value: str, message: ReceiveMessage) -> None:
            value = value.strip()
            if value == PAYLOAD_NONE:
                self._values.pop(name, None)
            elif numeric:
                try:
                    self._values[name] = float(value)
                except ValueError:
                    self.reject("unexpected_value", f"{message.topic}: {name} {value[:40]!r} is not a number")
                    return
            elif name == "mode" and value not in self.config["modes"]:
                self.reject("unexpected_value", f"{message.topic}: mode {value[:40]!r} is not one of the modes")
                return
            else:
                self._values[name] = value
            self.update()

        return received

    @property
    def state(self) -> str:
        return self._values.get("mode") or STATE_UNKNOWN

    def platform_attributes(self) -> dict[str, Any]:
        config = self.config
        attributes: dict[str, Any] = {"hvac_modes": config["modes"], "min_temp": config["min_temp"], "max_temp": config["max_temp"]}
        if config["preset_modes"]:
            attributes["preset_modes"] = config["preset_modes"]
        for name, attribute, _ in _READINGS:
            if attribute and name in self._values:
                attributes[attribute] = self._values[name]
        return attributes

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
            self._values[name] = value

    def set_temperature(self, **kwargs: Any) -> None:
        from xiaoqu.core.errors import ServiceValidationError

        for key, name in (("temperature", "temperature"), ("target_temp_high", "temperature_high"), ("target_temp_low", "temperature_low")):
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
        check_option(hvac_mode, self.config["modes"], "hvac mode")
        self._send("mode", hvac_mode)
        self.update()

    def set_preset_mode(self, preset_mode: str) -> None:
        check_option(preset_mode, self.config["preset_modes"], "preset mode")
        self._send("preset_mode", preset_mode)
        self.update()

    def set_fan_mode(self, fan_mode: str) -> None:
        check_option(fan_mode, self.config["fan_modes"], "fan mode")
        self._send("fan_mode", fan_mode)
        self.update()


ENTITY = MqttClimate
