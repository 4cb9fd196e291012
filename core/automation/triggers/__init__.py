"""The core's trigger types. Plugins add more through ``xiaoqu_automation_triggers``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core.automation.triggers.event import EventTrigger
from xiaoqu.core.automation.triggers.hub import HubTrigger
from xiaoqu.core.automation.triggers.numeric_state import NumericStateTrigger
from xiaoqu.core.automation.triggers.state import StateTrigger
from xiaoqu.core.automation.triggers.template import TemplateTrigger
from xiaoqu.core.automation.triggers.time import TimeTrigger
from xiaoqu.core.automation.triggers.time_pattern import TimePatternTrigger

if TYPE_CHECKING:
    from xiaoqu.core.automation.platforms import TriggerPlatform
    from xiaoqu.core.hub import Hub


def core_triggers(hub: Hub | None) -> dict[str, TriggerPlatform]:
    return {
        "event": EventTrigger(hub),
        "state": StateTrigger(hub),
        "numeric_state": NumericStateTrigger(hub),
        "time": TimeTrigger(),
        "time_pattern": TimePatternTrigger(),
        "template": TemplateTrigger(hub),
        "hub": HubTrigger(),
        "homeassistant": HubTrigger("homeassistant"),  # Home Assistant's name for it
    }
