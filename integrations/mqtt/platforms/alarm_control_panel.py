"""MQTT alarm control panel: arm/disarm commands (with the code rules), panel states."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import boolean, string, vol
from xiaoqu.integrations.alarm_control_panel.const import DOMAIN as DOMAIN
from xiaoqu.integrations.alarm_control_panel.const import (
    AlarmControlPanelEntityFeature as Feature,
)
from xiaoqu.integrations.alarm_control_panel.const import (
    AlarmControlPanelState as State,
)
from xiaoqu.integrations.alarm_control_panel.entity import AlarmControlPanelEntity

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage

#: service → (action, payload key, optimistic state)
_ACTIONS = {
    "alarm_disarm": ("DISARM", "payload_disarm", State.DISARMED),
    "alarm_arm_home": ("ARM_HOME", "payload_arm_home", State.ARMED_HOME),
    "alarm_arm_away": ("ARM_AWAY", "payload_arm_away", State.ARMED_AWAY),
    "alarm_arm_night": ("ARM_NIGHT", "payload_arm_night", State.ARMED_NIGHT),
    "alarm_arm_vacation": ("ARM_VACATION", "payload_arm_vacation", State.ARMED_VACATION),
    "alarm_arm_custom_bypass": ("ARM_CUSTOM_BYPASS", "payload_arm_custom_bypass", State.ARMED_CUSTOM_BYPASS),
    "alarm_trigger": ("TRIGGER", "payload_trigger", State.TRIGGERED),
}
#: ``supported_features`` in a discovery config (Home Assistant's names) → the feature
FEATURES = {
    "arm_home": Feature.ARM_HOME,
    "arm_away": Feature.ARM_AWAY,
    "arm_night": Feature.ARM_NIGHT,
    "arm_vacation": Feature.ARM_VACATION,
    "arm_custom_bypass": Feature.ARM_CUSTOM_BYPASS,
    "trigger": Feature.TRIGGER,
}
REMOTE_CODES = ("REMOTE_CODE", "REMOTE_CODE_TEXT")
_STATES = frozenset(State)


class MqttAlarmControlPanel(MqttEntity, AlarmControlPanelEntity):
    DEFAULT_NAME = "MQTT Alarm"
    PLATFORM_SCHEMA = {
        vol.Required("command_topic"): publish_topic,
        vol.Required("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("command_template", default="{{action}}"): string,
        vol.Optional("code"): string,
        vol.Optional("code_arm_required", default=True): boolean,
        vol.Optional("code_disarm_required", default=True): boolean,
        vol.Optional("code_trigger_required", default=True): boolean,
        vol.Optional("supported_features"): [string],
        **{vol.Optional(key, default=action): string for action, key, _ in _ACTIONS.values()},
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_alarm_state = None
        features = Feature(0)
        for name in config.get("supported_features", FEATURES):
            features |= FEATURES.get(name, 0)
        self._attr_supported_features = features

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == PAYLOAD_NONE:
            self._attr_alarm_state = None
        elif value in _STATES:
            self._attr_alarm_state = State(value)
        else:
            self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not an alarm panel state")
            return
        self.update()

    def _check_code(self, service: str, code: str | None) -> None:
        expected = self.config.get("code")
        if expected is None or expected in REMOTE_CODES:
            return
        required = {
            "alarm_disarm": self.config["code_disarm_required"],
            "alarm_trigger": self.config["code_trigger_required"],
        }.get(service, self.config["code_arm_required"])
        if required and code != expected:
            raise ServiceValidationError(f"{self.entity_id}: wrong or missing code for {service}")

    def _run(self, service: str, code: str | None) -> None:
        self._check_code(service, code)
        action, key, state = _ACTIONS[service]
        payload = self.command_template("command_template").render(None, action=self.config[key], code=code)
        self.publish(self.config["command_topic"], payload)
        if self.config.get("optimistic"):
            self._attr_alarm_state = state
            self.update()

    def alarm_disarm(self, code: str | None = None) -> None:
        self._run("alarm_disarm", code)

    def alarm_arm_home(self, code: str | None = None) -> None:
        self._run("alarm_arm_home", code)

    def alarm_arm_away(self, code: str | None = None) -> None:
        self._run("alarm_arm_away", code)

    def alarm_arm_night(self, code: str | None = None) -> None:
        self._run("alarm_arm_night", code)

    def alarm_arm_vacation(self, code: str | None = None) -> None:
        self._run("alarm_arm_vacation", code)

    def alarm_arm_custom_bypass(self, code: str | None = None) -> None:
        self._run("alarm_arm_custom_bypass", code)

    def alarm_trigger(self, code: str | None = None) -> None:
        self._run("alarm_trigger", code)


ENTITY = MqttAlarmControlPanel
