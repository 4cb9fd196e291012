"""MQTT alarm control panel: arm/disarm commands (with the code rules), panel states."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import boolean, string, vol

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage

DOMAIN = "alarm_control_panel"
_CODE = {vol.Optional("code"): string}
#: service → (action, payload key, optimistic state)
_ACTIONS = {
    "alarm_disarm": ("DISARM", "payload_disarm", "disarmed"),
    "alarm_arm_home": ("ARM_HOME", "payload_arm_home", "armed_home"),
    "alarm_arm_away": ("ARM_AWAY", "payload_arm_away", "armed_away"),
    "alarm_arm_night": ("ARM_NIGHT", "payload_arm_night", "armed_night"),
    "alarm_arm_vacation": ("ARM_VACATION", "payload_arm_vacation", "armed_vacation"),
    "alarm_arm_custom_bypass": ("ARM_CUSTOM_BYPASS", "payload_arm_custom_bypass", "armed_custom_bypass"),
    "alarm_trigger": ("TRIGGER", "payload_trigger", "triggered"),
}
SERVICES = [(service, service, _CODE) for service in _ACTIONS]
STATES = frozenset(
    {"disarmed", "armed_home", "armed_away", "armed_night", "armed_vacation", "armed_custom_bypass", "pending", "triggered", "arming", "disarming"}
)
REMOTE_CODES = ("REMOTE_CODE", "REMOTE_CODE_TEXT")


class MqttAlarmControlPanel(MqttEntity):
    domain = DOMAIN
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
        self._state: str | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == PAYLOAD_NONE:
            self._state = None
        elif value in STATES:
            self._state = value
        else:
            self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not an alarm panel state")
            return
        self.update()

    @property
    def state(self) -> str:
        return self._state or STATE_UNKNOWN

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
            self._state = state
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
