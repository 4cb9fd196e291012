"""The alarm control panel services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import string, vol

from .const import ATTR_CODE
from .const import AlarmControlPanelEntityFeature as Feature

_CODE = {vol.Optional(ATTR_CODE): string}

SERVICES = (
    EntityService("alarm_disarm", "alarm_disarm", _CODE, "Disarm"),
    EntityService("alarm_arm_home", "alarm_arm_home", _CODE, "Arm for people at home", Feature.ARM_HOME),
    EntityService("alarm_arm_away", "alarm_arm_away", _CODE, "Arm for nobody at home", Feature.ARM_AWAY),
    EntityService("alarm_arm_night", "alarm_arm_night", _CODE, "Arm for the night", Feature.ARM_NIGHT),
    EntityService("alarm_arm_vacation", "alarm_arm_vacation", _CODE, "Arm for a long absence", Feature.ARM_VACATION),
    EntityService("alarm_arm_custom_bypass", "alarm_arm_custom_bypass", _CODE, "Arm with some zones bypassed",
                  Feature.ARM_CUSTOM_BYPASS),
    EntityService("alarm_trigger", "alarm_trigger", _CODE, "Set the alarm off", Feature.TRIGGER),
)
