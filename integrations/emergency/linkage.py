"""The fire-alarm input: a binary sensor (a Modbus discrete input, an MQTT topic) whose ``on``
starts the fire plan.

The rule for an input that flaps (on, off, on within seconds — a loose contact, a detector
resetting itself):

1. **Activation is immediate and latched.** The first change to ``on`` activates the plan at
   once; nothing is debounced, because a second's delay is a second of locked escape doors.
2. **The input never stands the plan down.** Going ``off`` (or ``unavailable``) changes nothing:
   no door is relocked and no gate lowered by the sensor. A person stands the plan down.
3. **Changes while latched are counted, not acted on.** Each is an ``emergency.input_ignored``
   event with the state, and the activation's ``input_changes`` counts them, so a flapping panel
   is visible for maintenance.
4. **After a stand-down the input must go on again** (off → on) to re-activate: an input still
   ``on`` when a person stands the plan down (a panel not yet reset) does not start it again at
   once; it is written in the log and the event.
5. **At start-up**, an input already ``on`` activates the plan (the alarm may have come while
   the hub was down), unless the plan is already active from before the restart.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xiaoqu.core.bus import Context
from xiaoqu.core.tracking import track_state_change

from .const import DOMAIN, EVENT_INPUT_IGNORED, LINKAGE

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

    from .plans import Plans

_LOGGER = logging.getLogger(__package__)


class FireAlarmLinkage:
    def __init__(self, hub: Hub, plans: Plans, entity_id: str, plan: str, on_state: str = "on") -> None:
        self.hub = hub
        self.plans = plans
        self.entity_id = entity_id
        self.plan = plan
        self.on_state = on_state
        self._unsubscribe = track_state_change(hub, entity_id, self._changed)

    def start(self) -> None:
        state = self.hub.states.get(self.entity_id)
        if state is not None and state.state == self.on_state and self.plan not in self.plans.active:
            self._activate("the fire-alarm input was on when the hub started")

    def close(self) -> None:
        self._unsubscribe()

    def _changed(self, event: Event) -> None:
        new, old = event.data.get("new_state"), event.data.get("old_state")
        if new is None:
            return
        rising = new.state == self.on_state and (old is None or old.state != self.on_state)
        activation = self.plans.active.get(self.plan)
        if activation is not None:
            activation.input_changes += 1
            self.plans.entities[self.plan].changed(activation)
            self._ignored(new.state, "the plan is latched until a person stands it down")
        elif rising:
            self._activate(f"fire alarm: {new.attributes.get('friendly_name') or self.entity_id} is on")

    def _activate(self, reason: str) -> None:
        _LOGGER.warning("emergency: %s: %s", self.entity_id, reason)
        context = Context(source=LINKAGE)
        self.hub.create_task(self.plans.activate(self.plan, reason, context), name=f"{DOMAIN} fire linkage")

    def _ignored(self, state: str, why: str) -> None:
        _LOGGER.info("emergency: %s went %s: %s", self.entity_id, state, why)
        self.hub.bus.fire(EVENT_INPUT_IGNORED, {"plan": self.plan, "entity_id": self.entity_id, "state": state,
                                                "why": why})
