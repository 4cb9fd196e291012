"""``trigger: numeric_state``: a number crosses into a range (``above``, ``below`` or both).

As in Home Assistant it fires on the *crossing*: the value must have been outside the range
(or not a number) and now be inside. An entity already inside the range when the automation
is armed fires only after it has left the range and come back. With ``for``, the value must
stay inside that long.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.numeric import NotANumber, in_range, read_value
from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.templates import template_validator
from xiaoqu.core.automation.triggers.common import HoldTimers
from xiaoqu.core.automation.validators import number_or_entity, period_or_template
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.tracking import track_state_change
from xiaoqu.core.validation import entity_ids, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State


def _above_or_below(config: dict[str, Any]) -> dict[str, Any]:
    if "above" not in config and "below" not in config:
        raise vol.Invalid("give 'above', 'below' or both")
    return config


def schema(hub: Hub | None) -> Any:
    return vol.All(
        vol.Schema({
            vol.Required("trigger"): "numeric_state",
            vol.Required("entity_id"): entity_ids,
            vol.Optional("attribute"): string,
            vol.Optional("above"): number_or_entity,
            vol.Optional("below"): number_or_entity,
            vol.Optional("value_template"): template_validator(hub),
            vol.Optional("for"): period_or_template(hub),
        }),
        _above_or_below,
    )


class NumericStateTrigger:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = schema(hub)

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        attribute = config.get("attribute")
        value_template = config.get("value_template")
        above, below = config.get("above"), config.get("below")
        holds = HoldTimers(hub, config, info, fire)

        def inside(entity_id: str, state: State | None) -> bool:
            try:
                value = read_value(state, entity_id, attribute, value_template, info.variables)
                return in_range(hub, value, above, below)
            except NotANumber:
                return False

        # Armed: may fire on the next crossing into the range.
        armed = {entity_id: not inside(entity_id, hub.states.get(entity_id)) for entity_id in config["entity_id"]}

        def changed(event: Event) -> None:
            entity_id = event.data["entity_id"]
            old, new = event.data["old_state"], event.data["new_state"]
            if not inside(entity_id, new):
                armed[entity_id] = True
                holds.cancel(entity_id)
                return
            if not armed.get(entity_id, True):
                return
            armed[entity_id] = False
            data = {
                "platform": "numeric_state",
                "entity_id": entity_id,
                "from_state": old,
                "to_state": new,
                "above": above,
                "below": below,
                "attribute": attribute,
                "for": None,
                "description": f"numeric state of {entity_id}",
            }
            holds.fire(entity_id, data, event.context)

        unsubscribe = track_state_change(hub, config["entity_id"], changed)

        def detach() -> None:
            unsubscribe()
            holds.cancel_all()

        return detach
