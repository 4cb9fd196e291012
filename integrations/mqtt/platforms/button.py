"""MQTT button: ``payload_press`` to ``command_topic``; the state is when it was last pressed."""
from __future__ import annotations

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.button.const import DOMAIN as DOMAIN
from xiaoqu.integrations.button.entity import ButtonEntity

from ..entity import MqttEntity, publish_topic


class MqttButton(MqttEntity, ButtonEntity):
    DEFAULT_NAME = "MQTT Button"
    PLATFORM_SCHEMA = {
        vol.Required("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("payload_press", default="PRESS"): string,
    }

    def press(self) -> None:
        template = self.command_template("command_template")
        payload = self.config["payload_press"]
        self.publish(self.config["command_topic"], template.render(payload) if template.text else payload)
        self.record_press()


ENTITY = MqttButton
