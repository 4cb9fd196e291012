"""MQTT lock: ``payload_lock``/``payload_unlock``/``payload_open`` and the lock states.

A ``code_format`` (a regular expression) is enforced as Home Assistant enforces it: lock,
unlock and open are refused unless the code given matches it, whole (``LockEntity.check_code``).
"""
from __future__ import annotations

from typing import Any

import regex

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.lock.const import DOMAIN as DOMAIN
from xiaoqu.integrations.lock.const import LockEntityFeature, LockState
from xiaoqu.integrations.lock.entity import LockEntity

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage


def code_format(value: Any) -> str:
    text = string(value)
    try:
        regex.compile(text)
    except regex.error as err:
        raise vol.Invalid(f"code_format is not a regular expression: {err}") from None
    return text


class MqttLock(MqttEntity, LockEntity):
    DEFAULT_NAME = "MQTT Lock"
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("code_format"): code_format,
        vol.Optional("payload_lock", default="LOCK"): string,
        vol.Optional("payload_unlock", default="UNLOCK"): string,
        vol.Optional("payload_open"): string,
        vol.Optional("payload_reset", default=PAYLOAD_NONE): string,
        **{vol.Optional(f"state_{state}", default=state.upper()): string for state in LockState},
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._command = self.command_template("command_template")
        self._by_payload = {config[f"state_{state}"]: state for state in LockState}
        self._attr_code_format = config.get("code_format")
        self._attr_supported_features = LockEntityFeature.OPEN if "payload_open" in config else 0
        self._show(None)

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == self.config["payload_reset"]:
            self._show(None)
        elif value in self._by_payload:
            self._show(self._by_payload[value])
        else:
            return
        self.update()

    def _show(self, state: LockState | None) -> None:
        """Set the lock's fields for a state the device reported (None: not known)."""
        self._attr_is_locked = None if state is None else state is LockState.LOCKED
        self._attr_is_locking = state is LockState.LOCKING
        self._attr_is_unlocking = state is LockState.UNLOCKING
        self._attr_is_jammed = state is LockState.JAMMED
        self._attr_is_open = state is LockState.OPEN
        self._attr_is_opening = state is LockState.OPENING

    def _send(self, payload_key: str, optimistic_state: LockState, code: str | None) -> None:
        self.check_code(code)
        if "command_topic" in self.config:
            payload = self.config[payload_key]
            if self._command.text:
                payload = self._command.render(payload, code=code)
            self.publish(self.config["command_topic"], payload)
        if self.optimistic:
            self._show(optimistic_state)
            self.update()

    def lock(self, code: str | None = None) -> None:
        self._send("payload_lock", LockState.LOCKED, code)

    def unlock(self, code: str | None = None) -> None:
        self._send("payload_unlock", LockState.UNLOCKED, code)

    def open(self, code: str | None = None) -> None:
        self._send("payload_open", LockState.OPEN, code)


ENTITY = MqttLock
