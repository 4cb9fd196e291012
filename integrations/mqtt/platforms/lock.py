"""MQTT lock: ``payload_lock``/``payload_unlock``/``payload_open`` and the lock states.

A ``code_format`` (a regular expression) is enforced as Home Assistant enforces it: lock,
unlock and open are refused unless the code given matches it, whole.
"""
from __future__ import annotations

from typing import Any

import regex
from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import string, vol

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage

DOMAIN = "lock"
_CODE = {vol.Optional("code"): string}
SERVICES = [("lock", "lock", _CODE), ("unlock", "unlock", _CODE), ("open", "open", _CODE)]
_STATES = ("locked", "unlocked", "locking", "unlocking", "jammed", "open", "opening")
#: A code is checked in this long at most (the pattern comes from the device).
CODE_MATCH_SECONDS = 0.05


def code_format(value: Any) -> str:
    text = string(value)
    try:
        regex.compile(text)
    except regex.error as err:
        raise vol.Invalid(f"code_format is not a regular expression: {err}") from None
    return text


class MqttLock(MqttEntity):
    domain = DOMAIN
    CONFIG_ATTRIBUTES = ("code_format",)
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
        **{vol.Optional(f"state_{name}", default=name.upper()): string for name in _STATES},
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._command = self.command_template("command_template")
        self._by_payload = {config[f"state_{name}"]: name for name in _STATES}
        self._code_format = regex.compile(config["code_format"]) if "code_format" in config else None
        self._state: str | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == self.config["payload_reset"]:
            self._state = None
        elif value in self._by_payload:
            self._state = self._by_payload[value]
        else:
            return
        self.update()

    @property
    def state(self) -> str:
        return self._state or STATE_UNKNOWN

    def _check_code(self, code: str | None) -> None:
        pattern = self._code_format
        if pattern is None:
            return
        try:
            matches = pattern.fullmatch(code or "", timeout=CODE_MATCH_SECONDS) is not None
        except TimeoutError:
            matches = False
        if not matches:
            what = "does not match" if code else "is missing; it must match"
            raise ServiceValidationError(f"the code for {self.entity_id} {what} the pattern {pattern.pattern} its device requires")

    def _send(self, payload_key: str, optimistic_state: str, code: str | None) -> None:
        self._check_code(code)
        if "command_topic" in self.config:
            payload = self.config[payload_key]
            self.publish(self.config["command_topic"], self._command.render(payload, code=code) if self._command.text else payload)
        if self.optimistic:
            self._state = optimistic_state
            self.update()

    def lock(self, code: str | None = None) -> None:
        self._send("payload_lock", "locked", code)

    def unlock(self, code: str | None = None) -> None:
        self._send("payload_unlock", "unlocked", code)

    def open(self, code: str | None = None) -> None:
        if "payload_open" not in self.config:
            raise ServiceValidationError(f"{self.entity_id} cannot be opened: its device offers no payload_open")
        self._send("payload_open", "open", code)


ENTITY = MqttLock
