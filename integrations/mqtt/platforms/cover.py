"""MQTT cover: open/close/stop, position and tilt, with the states a device reports."""
from __future__ import annotations

import math
from typing import Any

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.cover.const import DOMAIN as DOMAIN
from xiaoqu.integrations.cover.const import CoverEntityFeature, CoverState
from xiaoqu.integrations.cover.entity import CoverEntity

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    optional_string,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage


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


class MqttCover(MqttEntity, CoverEntity):
    DEFAULT_NAME = "MQTT Cover"
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
        self._show(None)
        self._attr_current_cover_position = None
        self._attr_current_cover_tilt_position = None
        self._states = {config[f"state_{state}"]: state for state in CoverState}
        self._attr_supported_features = _features(config)

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._state_received)
        self.subscribe_value(self._position_received, "position_topic", "position_template")
        self.subscribe_value(self._tilt_received, "tilt_status_topic", "tilt_status_template")

    def _state_received(self, value: str, message: ReceiveMessage) -> None:
        value = value.strip()
        if value in self._states:
            self._show(self._states[value])
        elif value == self.config["state_stopped"]:
            if self.current_cover_position is not None:
                self._show_position()
            elif self.state in (CoverState.OPENING, CoverState.CLOSING):
                self._show(CoverState.OPEN if self.state == CoverState.OPENING else CoverState.CLOSED)
        elif value == PAYLOAD_NONE:
            self._show(None)
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
        position = _scale(raw, config["position_closed"], config["position_open"], True)
        self._attr_current_cover_position = max(0, min(100, position))
        if "state_topic" not in config:
            self._show_position()
        self.update()

    def _tilt_received(self, value: str, message: ReceiveMessage) -> None:
        raw = _finite(value)
        if raw is None:
            return  # PAYLOAD_NONE, or not a tilt
        tilt = _scale(raw, self.config["tilt_min"], self.config["tilt_max"], True)
        self._attr_current_cover_tilt_position = max(0, min(100, tilt))
        self.update()

    def _show(self, state: CoverState | None) -> None:
        """Set the cover's fields for a state the device reported (None: not known)."""
        self._attr_is_opening = state is CoverState.OPENING
        self._attr_is_closing = state is CoverState.CLOSING
        self._attr_is_closed = None if state is None else state is CoverState.CLOSED

    def _show_position(self) -> None:
        """Closed at position 0, open anywhere else."""
        self._show(CoverState.CLOSED if self.current_cover_position == 0 else CoverState.OPEN)

    def _move(self, payload_key: str, optimistic_state: CoverState, position: int) -> None:
        self.publish(self.config["command_topic"], self.config[payload_key])
        if self.optimistic:
            self._show(optimistic_state)
            if "position_topic" in self.config or "set_position_topic" in self.config:
                self._attr_current_cover_position = position
            self.update()

    def open_cover(self) -> None:
        self._move("payload_open", CoverState.OPEN, 100)

    def close_cover(self) -> None:
        self._move("payload_close", CoverState.CLOSED, 0)

    def stop_cover(self) -> None:
        self.publish(self.config["command_topic"], self.config["payload_stop"])

    def set_cover_position(self, position: int) -> None:
        config = self.config
        raw = _scale(position, config["position_closed"], config["position_open"], False)
        template = self.command_template("set_position_template")
        payload = template.render(raw, position=raw) if template.text else str(raw)
        self.publish(config["set_position_topic"], payload)
        if self.optimistic or "position_topic" not in config:
            self._attr_current_cover_position = position
            self._show_position()
            self.update()

    def set_cover_tilt_position(self, tilt_position: int) -> None:
        config = self.config
        raw = _scale(tilt_position, config["tilt_min"], config["tilt_max"], False)
        template = self.command_template("tilt_command_template")
        self.publish(config["tilt_command_topic"], template.render(raw, tilt_position=raw) if template.text else str(raw))
        if "tilt_status_topic" not in config:
            self._attr_current_cover_tilt_position = tilt_position
            self.update()


def _features(config: dict[str, Any]) -> CoverEntityFeature:
    """What the config lets the cover do, as Home Assistant's MQTT cover reads it."""
    features = CoverEntityFeature(0)
    if "command_topic" in config:
        for key, feature in (("payload_open", CoverEntityFeature.OPEN), ("payload_close", CoverEntityFeature.CLOSE),
                             ("payload_stop", CoverEntityFeature.STOP)):
            if config[key] is not None:
                features |= feature
    if "set_position_topic" in config:
        features |= CoverEntityFeature.SET_POSITION
    if "tilt_command_topic" in config:
        features |= CoverEntityFeature.SET_TILT_POSITION
    return features


ENTITY = MqttCover
