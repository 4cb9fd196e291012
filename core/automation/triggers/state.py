"""``trigger: state``: an entity's state (or one attribute) changes, with Home Assistant's rules.

- Neither ``from``/``to``/``not_from``/``not_to`` nor ``attribute``: any change fires, an
  attribute-only change too. ``to:`` written empty: any change of the state itself.
- With ``from``/``to`` (lists allowed) or ``not_from``/``not_to``: the state must change and
  match them; attribute-only changes do not fire.
- With ``attribute``: the attribute's value is compared instead of the state, and it must change.
- ``for``: the new state (or attribute value) must hold that long; any change of it in the
  meantime cancels. The run then sees the states of the moment it matched.

Watching goes through ``core.tracking`` (indexed by entity id), so a change of any other
entity costs this trigger nothing.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.triggers.common import HoldTimers
from xiaoqu.core.automation.validators import optional_state_values, period_or_template, state_values
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.tracking import track_state_change
from xiaoqu.core.validation import entity_ids, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State

_MISSING = object()


def schema(hub: Hub | None) -> vol.Schema:
    return vol.Schema({
        vol.Required("trigger"): "state",
        vol.Required("entity_id"): entity_ids,
        vol.Optional("from"): optional_state_values,
        vol.Optional("to"): optional_state_values,
        vol.Optional("not_from"): state_values,
        vol.Optional("not_to"): state_values,
        vol.Optional("attribute"): string,
        vol.Optional("for"): period_or_template(hub),
    })


def _value(state: State | None, attribute: str | None) -> Any:
    if state is None:
        return _MISSING
    if attribute is None:
        return state.state
    return state.attributes.get(attribute, _MISSING)


def _matches(value: Any, wanted: list[str] | None) -> bool:
    if wanted is None:
        return True
    return value is not _MISSING and str(value) in wanted


class StateTrigger:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = schema(hub)

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        attribute = config.get("attribute")
        from_states = config.get("from")
        to_states = config.get("to")
        not_from = config.get("not_from", ())
        not_to = config.get("not_to", ())
        # Any change at all (attributes included) only when nothing narrows it down.
        any_change = not ({"from", "to", "not_from", "not_to"} & set(config)) and attribute is None
        holds = HoldTimers(hub, config, info, fire)

        def changed(event: Event) -> None:
            entity_id = event.data["entity_id"]
            old, new = event.data["old_state"], event.data["new_state"]
            old_value, new_value = _value(old, attribute), _value(new, attribute)
            if holds.pending(entity_id):
                if new_value == holds.held(entity_id) and not any_change:
                    return  # an attribute changed; what matched still holds
                holds.cancel(entity_id)  # what matched did not hold; this change is judged afresh
            if not any_change and old_value == new_value:
                return
            if new is None and attribute is None and not any_change:
                return
            if not (_matches(old_value, from_states) and _matches(new_value, to_states)):
                return
            if (old_value is not _MISSING and str(old_value) in not_from) or (
                new_value is not _MISSING and str(new_value) in not_to
            ):
                return
            data = {
                "platform": "state",
                "entity_id": entity_id,
                "from_state": old,
                "to_state": new,
                "attribute": attribute,
                "for": None,
                "description": f"state of {entity_id}",
            }
            holds.fire(entity_id, data, event.context, held=new_value)

        unsubscribe = track_state_change(hub, config["entity_id"], changed)

        def detach() -> None:
            unsubscribe()
            holds.cancel_all()

        return detach
