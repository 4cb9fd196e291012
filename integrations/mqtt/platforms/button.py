"""MQTT button: ``payload_press`` to ``command_topic``; the state is when it was last pressed."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.validation import string, vol

from ..entity import MqttEntity, publish_topic

DOMAIN = "button"
SERVICES = [("press", "press", {})]


class MqttButton(MqttEntity):
    domain = DOMAIN
    PLATFORM_SCHEMA = {
        vol.Required("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("payload_press", default="PRESS"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._pressed: str | None = None

    @property
    def state(self) -> str:
        return self._pressed or STATE_UNKNOWN

    def press(self) -> None:
        assert self.hub is not None
        template = self.command_template("command_template")
        payload = self.config["payload_press"]
        self.publish(self.config["command_topic"], template.render(payload) if template.text else payload)
        self._pressed = datetime.fromtimestamp(self.hub.clock.time(), ZoneInfo("UTC")).isoformat()
        self.update()


ENTITY = MqttButton
