"""The core's trigger types. Plugins add more through ``xiaoqu_automation_triggers``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.automation.triggers.event import EventTrigger
from core.automation.triggers.hub import HubTrigger
from core.automation.triggers.numeric_state import NumericStateTrigger
from core.automation.triggers.state import StateTrigger
from core.automation.triggers.template import TemplateTrigger
from core.automation.triggers.time import TimeTrigger
from core.automation.triggers.time_pattern import TimePatternTrigger

if TYPE_CHECKING:
    from core.automation.platforms import TriggerPlatform
    from core.hub import Hub


def core_triggers(hub: Hub | None) -> dict[str, TriggerPlatform]:
    return {
        "event": EventTrigger(),
        "state": StateTrigger(hub),
        "numeric_state": NumericStateTrigger(hub),
        "time": TimeTrigger(),
        "time_pattern": TimePatternTrigger(),
        "template": TemplateTrigger(hub),
        "hub": HubTrigger(),
    }
