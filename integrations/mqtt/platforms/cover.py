"""MQTT cover: open/close/stop, position and tilt, with the states a device reports."""
from __future__ import annotations

import math
from typing import Any

from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import string, vol

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    optional_string,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage

DOMAIN = "cover"
_PERCENT = vol.All(vol.Coerce(int), vol.Range(min=0, max=100))
SERVICES = [
    ("open_cover", "open_cover", {}),
    ("close_cover", "close_cover", {}),
    ("stop_cover", "stop_cover", {}),
    ("set_cover_position", "set_cover_position", {vol.Required("position"): _PERCENT}),
    ("set_cover_tilt_position", "set_cover_tilt_position", {vol.Required("tilt_position"): _PERCENT}),
]


def _finite(value: str) -> float | None:
    """The number a device sent, or None for text, ``inf`` and ``nan`` (no position)."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _scale(value: float, low: float, high: float, to_percent: bool) -> int:
    if to_percent:
        return round((value - low) * 100 / (high - low)) if high != low else 0
    return round(low + value * (high - low) / 100)


class MqttCover(MqttEntity):
    domain = DOMAIN
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("position_topic"): subscribe_topic,
        vol.Optional("position_template"): string,
        vol.Optional("set_position_topic"): publish_topic,
        vol.Optional("set_position_template"): string,
        vol.Optional("payload_open", default="OPEN"): optional_string,
        vol.Optional("payload_close", default="CLOSE"): optional_string,
        vol.Optional("payload_stop", default="STOP"): optional_string,
        vol.Optional("state_open", default="open"): string,
        vol.Optional("state_opening", default="opening"): string,
        vol.Optional("state_closed", default="closed"): string,
        vol.Optional("state_closing", default="closing"): string,
        vol.Optional("state_stopped", default="stopped"): string,
        vol.Optional("position_open", default=100): vol.Coerce(float),
        vol.Optional("position_closed", default=0): vol.Coerce(float),
        vol.Optional("tilt_command_topic"): publish_topic,
        vol.Optional("tilt_command_template"): string,
        vol.Optional("tilt_status_topic"): subscribe_topic,
        vol.Optional("tilt_status_template"): string,
        vol.Optional("tilt_min", default=0): vol.Coerce(float),
        vol.Optional("tilt_max", default=100): vol.Coerce(float),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._state: str | None = None
        self._position: int | None = None
        self._tilt: int | None = None
        self._states = {
            config["state_open"]: "open",
            config["state_opening"]: "opening",
            config["state_closed"]: "closed",
            config["state_closing"]: "closing",
        }

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._state_received)
        self.subscribe_value(self._position_received, "position_topic", "position_template")
        self.subscribe_value(self._tilt_received, "tilt_status_topic", "tilt_status_template")

    def _state_received(self, value: str, message: ReceiveMessage) -> None:
        value = value.strip()
        if value in self._states:
            self._state = self._states[value]
        elif value == self.config["state_stopped"]:
            if self._position is not None:
                self._state = "closed" if self._position == 0 else "open"
            elif self._state in ("opening", "closing"):
                self._state = "open" if self._state == "opening" else "closed"
        elif value == PAYLOAD_NONE:
            self._state = None
        else:
            return
        self.update()

    def _position_received(self, value: str, message: ReceiveMessage) -> None:
        if value == PAYLOAD_NONE:
            return
        raw = _finite(value)
        if raw is None:
            self.reject("unexpected_value", f"{message.topic}: position {value[:40]!r} is not a number")
            return
        config = self.config
        self._position = max(0, min(100, _scale(raw, config["position_closed"], config["position_open"], True)))
        if "state_topic" not in config:
            self._state = "closed" if self._position == 0 else "open"
        self.update()

    def _tilt_received(self, value: str, message: ReceiveMessage) -> None:
        raw = _finite(value)
        if raw is None:
            return  # PAYLOAD_NONE, or not a tilt
        self._tilt = max(0, min(100, _scale(raw, self.config["tilt_min"], self.config["tilt_max"], True)))
        self.update()

    @property
    def state(self) -> str:
        return self._state or STATE_UNKNOWN

    def platform_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if self._position is not None:
            attributes["current_position"] = self._position
        if self._tilt is not None:
            attributes["current_tilt_position"] = self._tilt
        return attributes

    def _move(self, payload_key: str, optimistic_state: str, position: int) -> None:
        payload = self.config.get(payload_key)
        if payload is None or "command_topic" not in self.config:
            raise ServiceValidationError(f"{self.entity_id} does not support {payload_key.removeprefix('payload_')}")
        self.publish(self.config["command_topic"], payload)
        if self.optimistic:
            self._state = optimistic_state
            if "position_topic" in self.config or "set_position_topic" in self.config:
                self._position = position
            self.update()

    def open_cover(self) -> None:
        self._move("payload_open", "open", 100)

    def close_cover(self) -> None:
        self._move("payload_close", "closed", 0)

    def stop_cover(self) -> None:
        payload = self.config.get("payload_stop")
        if payload is None or "command_topic" not in self.config:
            raise ServiceValidationError(f"{self.entity_id} cannot be stopped")
        self.publish(self.config["command_topic"], payload)

    def set_cover_position(self, position: int) -> None:
        config = self.config
        if "set_position_topic" not in config:
            raise ServiceValidationError(f"{self.entity_id} cannot be set to a position")
        raw = _scale(position, config["position_closed"], config["position_open"], False)
        template = self.command_template("set_position_template")
        payload = template.render(raw, position=raw) if template.text else str(raw)
        self.publish(config["set_position_topic"], payload)
        if self.optimistic or "position_topic" not in config:
            self._position = position
            self._state = "closed" if position == 0 else "open"
            self.update()

    def set_cover_tilt_position(self, tilt_position: int) -> None:
        config = self.config
        if "tilt_command_topic" not in config:
            raise ServiceValidationError(f"{self.entity_id} has no tilt")
        raw = _scale(tilt_position, config["tilt_min"], config["tilt_max"], False)
        template = self.command_template("tilt_command_template")
        self.publish(config["tilt_command_topic"], template.render(raw, tilt_position=raw) if template.text else str(raw))
        if "tilt_status_topic" not in config:
            self._tilt = tilt_position
            self.update()


ENTITY = MqttCover
