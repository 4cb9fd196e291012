"""MQTT fan: on/off, speed as a percentage of ``speed_range_min``..``speed_range_max``,
preset modes and oscillation."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from xiaoqu.core.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from xiaoqu.core.validation import boolean, string, vol

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    check_option,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage

DOMAIN = "fan"
_PERCENT = vol.All(vol.Coerce(int), vol.Range(min=0, max=100))
SERVICES = [
    ("turn_on", "turn_on", {vol.Optional("percentage"): _PERCENT, vol.Optional("preset_mode"): string}),
    ("turn_off", "turn_off", {}),
    ("toggle", "toggle", {}),
    ("set_percentage", "set_percentage", {vol.Required("percentage"): _PERCENT}),
    ("set_preset_mode", "set_preset_mode", {vol.Required("preset_mode"): string}),
    ("oscillate", "oscillate", {vol.Required("oscillating"): boolean}),
]


def to_percentage(low: int, high: int, value: float) -> int:
    """Home Assistant's ``ranged_value_to_percentage``."""
    return int((value - (low - 1)) * 100 // (high - low + 1))


def from_percentage(low: int, high: int, percentage: int) -> int:
    """Home Assistant's ``percentage_to_ranged_value``, rounded up as its MQTT fan does."""
    return math.ceil((high - low + 1) * percentage / 100 + (low - 1))


class MqttFan(MqttEntity):
    domain = DOMAIN
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
        self._is_on: bool | None = None
        self._percentage: int | None = None
        self._preset: str | None = None
        self._oscillating: bool | None = None

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
            self._is_on = True
        elif value == self.config["payload_off"]:
            self._is_on = False
        elif value == PAYLOAD_NONE:
            self._is_on = None
        else:
            return False
        return True

    def _speed(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_reset_percentage"]:
            self._percentage = None
            return True
        try:
            raw = float(value)
        except ValueError:
            self.reject("unexpected_value", f"{message.topic}: speed {value[:40]!r} is not a number")
            return False
        low, high = self.config["speed_range_min"], self.config["speed_range_max"]
        self._percentage = 0 if raw == 0 else max(0, min(100, to_percentage(low, high, raw)))
        return True

    def _preset_mode(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_reset_preset_mode"]:
            self._preset = None
        elif value in self.config["preset_modes"]:
            self._preset = value
        else:
            return False
        return True

    def _oscillation(self, value: str, message: ReceiveMessage) -> bool:
        if value == self.config["payload_oscillation_on"]:
            self._oscillating = True
        elif value == self.config["payload_oscillation_off"]:
            self._oscillating = False
        else:
            return False
        return True

    @property
    def state(self) -> str:
        return STATE_UNKNOWN if self._is_on is None else STATE_ON if self._is_on else STATE_OFF

    def platform_attributes(self) -> dict[str, Any]:
        values = {"percentage": self._percentage, "preset_mode": self._preset, "oscillating": self._oscillating}
        if self.config["preset_modes"]:
            values["preset_modes"] = self.config["preset_modes"]
        return {key: value for key, value in values.items() if value is not None}

    def _power(self, on: bool) -> None:
        if "command_topic" in self.config:
            payload = self.config["payload_on" if on else "payload_off"]
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(payload) if template.text else payload)
        if self.optimistic:
            self._is_on = on

    def turn_on(self, percentage: int | None = None, preset_mode: str | None = None) -> None:
        self._power(True)
        if percentage is not None:
            self.set_percentage(percentage)
        if preset_mode is not None:
            self.set_preset_mode(preset_mode)
        self.update()

    def turn_off(self) -> None:
        self._power(False)
        self.update()

    def toggle(self) -> None:
        self.turn_off() if self._is_on else self.turn_on()

    def set_percentage(self, percentage: int) -> None:
        if "percentage_command_topic" not in self.config:
            return
        low, high = self.config["speed_range_min"], self.config["speed_range_max"]
        raw = from_percentage(low, high, percentage) if percentage else 0
        template = self.command_template("percentage_command_template")
        self.publish(self.config["percentage_command_topic"], template.render(raw) if template.text else str(raw))
        if "percentage_state_topic" not in self.config:
            self._percentage = percentage
            self.update()

    def set_preset_mode(self, preset_mode: str) -> None:
        check_option(preset_mode, self.config["preset_modes"], "preset mode")
        if "preset_mode_command_topic" in self.config:
            template = self.command_template("preset_mode_command_template")
            self.publish(self.config["preset_mode_command_topic"], template.render(preset_mode) if template.text else preset_mode)
        if "preset_mode_state_topic" not in self.config:
            self._preset = preset_mode
            self.update()

    def oscillate(self, oscillating: bool) -> None:
        if "oscillation_command_topic" in self.config:
            self.publish(self.config["oscillation_command_topic"], self.config["payload_oscillation_on" if oscillating else "payload_oscillation_off"])
        if "oscillation_state_topic" not in self.config:
            self._oscillating = oscillating
            self.update()


ENTITY = MqttFan
