"""MQTT select: one of ``options``, chosen through ``command_topic``."""
from __future__ import annotations

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

DOMAIN = "select"
SERVICES = [("select_option", "select_option", {vol.Required("option"): string})]


class MqttSelect(MqttEntity):
    domain = DOMAIN
    CONFIG_ATTRIBUTES = ("options",)
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Required("options"): vol.All([string], vol.Length(min=1)),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._option: str | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == PAYLOAD_NONE:
            self._option = None
        elif value in self.config["options"]:
            self._option = value
        else:
            self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not one of the options")
            return
        self.update()

    @property
    def state(self) -> str:
        return self._option or STATE_UNKNOWN

    def select_option(self, option: str) -> None:
        check_option(option, self.config["options"], "option")
        if "command_topic" in self.config:
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(option) if template.text else option)
        if self.optimistic:
            self._option = option
            self.update()


ENTITY = MqttSelect
