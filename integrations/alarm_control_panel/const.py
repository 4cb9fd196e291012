"""Names of the alarm control panel domain: its states and features."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Final

DOMAIN: Final = "alarm_control_panel"


class AlarmControlPanelState(StrEnum):
    DISARMED = "disarmed"
    ARMED_HOME = "armed_home"
    ARMED_AWAY = "armed_away"
    ARMED_NIGHT = "armed_night"
    ARMED_VACATION = "armed_vacation"
    ARMED_CUSTOM_BYPASS = "armed_custom_bypass"
    PENDING = "pending"
    ARMING = "arming"
    DISARMING = "disarming"
    TRIGGERED = "triggered"


class AlarmControlPanelEntityFeature(IntFlag):
    """The ways a panel can be armed, and triggering it (Home Assistant's values); every
    panel can be disarmed."""

    ARM_HOME = 1
    ARM_AWAY = 2
    ARM_NIGHT = 4
    TRIGGER = 8
    ARM_CUSTOM_BYPASS = 16
    ARM_VACATION = 32


ATTR_CODE: Final = "code"
