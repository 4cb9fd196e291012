"""MQTT fan: on/off, speed as a percentage of ``speed_range_min``..``speed_range_max``,
preset modes and oscillation."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.fan.const import DOMAIN as DOMAIN
from xiaoqu.integrations.fan.const import FanEntityFeature
from xiaoqu.integrations.fan.entity import FanEntity

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage


def to_percentage(low: int, high: int, value: float) -> int:
    """Home Assistant's ``ranged_value_to_percentage``."""
    return int((value - (low - 1)) * 100 // (high - low + 1))


def from_percentage(low: int, high: int, percentage: int) -> int:
    """Home Assistant's ``percentage_to_ranged_value``, rounded up as its MQTT fan does."""
    return math.ceil((high - low + 1) * percentage / 100 + (low - 1))


class MqttFan(MqttEntity, FanEntity):
    DEFAULT_NAME = "MQTT Fan"
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("state_value_template"): string,
        vol.Optional("payload_on", default="ON"): string,
        vol.Optional("payload_off", default="OFF"): string,
        vol.Optional("percentage_command_topic"): publish_topic,
        vol.Optional("percentage_command_template"): string,
        vol.Optional("percentage_state_topic"): subscribe_topic,
        vol.Optional("percentage_value_template"): string,
        vol.Optional("speed_range_min", default=1): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Optional("speed_range_max", default=100): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Optional("payload_reset_percentage", default=PAYLOAD_NONE): string,
        vol.Optional("preset_mode_command_topic"): publish_topic,
        vol.Optional("preset_mode_command_template"): string,
        vol.Optional("preset_mode_state_topic"): subscribe_topic,
        vol.Optional("preset_mode_value_template"): string,
        vol.Optional("preset_modes", default=[]): [string],
        vol.Optional("payload_reset_preset_mode", default=PAYLOAD_NONE): string,
        vol.Optional("oscillation_command_topic"): publish_topic,
        vol.Optional("oscillation_state_topic"): subscribe_topic,
        vol.Optional("oscillation_value_template"): string,
        vol.Optional("payload_oscillation_on", default="oscillate_on"): string,
        vol.Optional("payload_oscillation_off", default="oscillate_off"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_is_on = None
        self._attr_percentage = None
        self._attr_preset_mode = None
        self._attr_preset_modes = config["preset_modes"]
        self._attr_oscillating = None
        features = FanEntityFeature(0)
        for key, feature in (("percentage_command_topic", FanEntityFeature.SET_SPEED),
                             ("preset_mode_command_topic", FanEntityFeature.PRESET_MODE),
                             ("oscillation_command_topic", FanEntityFeature.OSCILLATE)):
            if key in config:
                features |= feature
        self._attr_supported_features = features

    def subscribe_topics(self) -> None:
        for topic_key, template_key, handle in (
            ("state_topic", "state_value_template", self._on_off),
            ("percentage_state_topic", "percentage_value_template", self._speed),
            ("preset_mode_state_topic", "preset_mode_value_template", self._preset_mode),
            ("oscillation_state_topic", "oscillation_value_template", self._oscillation),
        ):
            self.subscribe_value(self._receiver(handle), topic_key, template_key)

    def _receiver(self, handle: Callable[[str, ReceiveMessage], bool]) -> Callable[[str, ReceiveMessage], None]:
        def received(value: str, message: ReceiveMessage) -> None:
            if handle(value.strip(), message) is not False:
                self.update()

        return received

    def _on_off(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_on"]:
            self._attr_is_on = True
        elif value == self.config["payload_off"]:
            self._attr_is_on = False
        elif value == PAYLOAD_NONE:
            self._attr_is_on = None
        else:
            return False
        return True

    def _speed(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_reset_percentage"]:
            self._attr_percentage = None
            return True
        try:
            raw = float(value)
        except ValueError:
            raw = math.nan
        if not math.isfinite(raw):  # "inf" and "nan" parse as floats but are no speed
            self.reject("unexpected_value", f"{message.topic}: speed {value[:40]!r} is not a number")
            return False
        low, high = self.config["speed_range_min"], self.config["speed_range_max"]
        self._attr_percentage = 0 if raw == 0 else max(0, min(100, to_percentage(low, high, raw)))
        return True

    def _preset_mode(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_reset_preset_mode"]:
            self._attr_preset_mode = None
        elif value in self.config["preset_modes"]:
            self._attr_preset_mode = value
        else:
            return False
        return True

    def _oscillation(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_oscillation_on"]:
            self._attr_oscillating = True
        elif value == self.config["payload_oscillation_off"]:
            self._attr_oscillating = False
        else:
            return False
        return True

    def _power(self, on: bool) -> None:
        if "command_topic" in self.config:
            payload = self.config["payload_on" if on else "payload_off"]
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(payload) if template.text else payload)
        if self.optimistic:
            self._attr_is_on = on

    def turn_on(self, percentage: int | None = None, preset_mode: str | None = None, **_: Any) -> None:
        self._power(True)
        if percentage is not None:
            self.set_percentage(percentage)
        if preset_mode is not None:
            self.set_preset_mode(preset_mode)
        self.update()

    def turn_off(self, **_: Any) -> None:
        self._power(False)
        self.update()

    def set_percentage(self, percentage: int) -> None:
        if "percentage_command_topic" not in self.config:
            return
        low, high = self.config["speed_range_min"], self.config["speed_range_max"]
        raw = from_percentage(low, high, percentage) if percentage else 0
        template = self.command_template("percentage_command_template")
        self.publish(self.config["percentage_command_topic"], template.render(raw) if template.text else str(raw))
        if "percentage_state_topic" not in self.config:
            self._attr_percentage = percentage
            self.update()

    def set_preset_mode(self, preset_mode: str) -> None:
        self.check_offered("preset mode", preset_mode, self.config["preset_modes"])
        if "preset_mode_command_topic" in self.config:
            template = self.command_template("preset_mode_command_template")
            self.publish(self.config["preset_mode_command_topic"], template.render(preset_mode) if template.text else preset_mode)
        if "preset_mode_state_topic" not in self.config:
            self._attr_preset_mode = preset_mode
            self.update()

    def oscillate(self, oscillating: bool) -> None:
        if "oscillation_command_topic" in self.config:
            payload = self.config["payload_oscillation_on" if oscillating else "payload_oscillation_off"]
            self.publish(self.config["oscillation_command_topic"], payload)
        if "oscillation_state_topic" not in self.config:
            self._attr_oscillating = oscillating
            self.update()


ENTITY = MqttFan
