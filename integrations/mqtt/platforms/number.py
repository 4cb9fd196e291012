"""MQTT number: a value within ``min``..``max`` in ``step``s, set through ``command_topic``."""
from __future__ import annotations

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

DOMAIN = "number"
SERVICES = [("set_value", "set_value", {vol.Required("value"): vol.Coerce(float)})]


def _text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


class MqttNumber(MqttEntity):
    domain = DOMAIN
    CONFIG_ATTRIBUTES = ("device_class", "unit_of_measurement", "min", "max", "step", "mode")
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("min", default=1): vol.Coerce(float),
        vol.Optional("max", default=100): vol.Coerce(float),
        vol.Optional("step", default=1): vol.All(vol.Coerce(float), vol.Range(min=1e-9)),
        vol.Optional("mode", default="auto"): vol.In(["auto", "box", "slider"]),
        vol.Optional("unit_of_measurement"): optional_string,
        vol.Optional("payload_reset", default=PAYLOAD_NONE): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._value: float | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == self.config["payload_reset"]:
            self._value = None
        else:
            try:
                self._value = float(value)
            except ValueError:
                self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not a number")
                return
        self.update()

    @property
    def state(self) -> str:
        return STATE_UNKNOWN if self._value is None else _text(self._value)

    def set_value(self, value: float) -> None:
        low, high = self.config["min"], self.config["max"]
        if not low <= value <= high:
            raise ServiceValidationError(f"value {_text(value)} is outside {_text(low)}..{_text(high)} for {self.entity_id}")
        if "command_topic" in self.config:
            payload = _text(value)
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(value) if template.text else payload)
        if self.optimistic:
            self._value = value
            self.update()


ENTITY = MqttNumber
