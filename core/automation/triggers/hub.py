"""``trigger: hub``: the hub started (``event: start``) or is shutting down (``event: shutdown``).

Home Assistant's ``homeassistant`` trigger, which is also accepted under that name (an
automation copied from Home Assistant runs unchanged; ``trigger.platform`` is the name
written). ``start`` fires once, when the hub has finished
starting (every plugin set up, every automation armed); an automation armed later (by a
reload) does not see it. ``shutdown`` fires when the hub begins to stop; the hub lets its run
finish (within its stop time-out) unless the run waits (a delay, a wait step): then it is
cancelled with every other run when the automations stop.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.const import EVENT_HUB_STARTED, EVENT_HUB_STOP
from xiaoqu.core.validation import vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


class HubTrigger:
    def __init__(self, name: str = "hub") -> None:
        self.name = name
        self.schema = vol.Schema({
            vol.Required("trigger"): name,
            vol.Required("event"): vol.In(("start", "shutdown"), msg="expected start or shutdown"),
        })

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        from xiaoqu.core.hub import HubState

        which = config["event"]

        def fired(event: Event) -> None:
            fire({"platform": self.name, "event": which, "description": f"hub {which}"}, event.context)

        if which == "shutdown":
            return hub.bus.listen_once(EVENT_HUB_STOP, fired)
        if hub.state in (HubState.NOT_RUNNING, HubState.STARTING):
            return hub.bus.listen_once(EVENT_HUB_STARTED, fired)
        return lambda: None
