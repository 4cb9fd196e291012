"""Subscribe to the state changes of particular entities without scanning every change.

One ``state_changed`` listener per hub looks the entity id up in a dict, so 1,000
automations each watching their own door cost one dict lookup per change, not 1,000 calls.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.bus import Event, Unsubscribe, is_coroutine_callable
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)
_INDEX: Final = HubKey["_StateChangeIndex"]("core.tracking")


class _StateChangeIndex:
    __slots__ = ("hub", "by_entity")

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.by_entity: dict[str, tuple[Callable[[Event], Any], ...]] = {}
        hub.bus.listen(EVENT_STATE_CHANGED, self.dispatch)

    def dispatch(self, event: Event) -> None:
        for action in self.by_entity.get(event.data["entity_id"], ()):
            if is_coroutine_callable(action):
                self.hub.create_task(action(event), name=f"state tracker {event.data['entity_id']}")
                continue
            try:
                action(event)
            except Exception:
                _LOGGER.exception("Error in state tracker %r for %s", action, event.data["entity_id"])

    def add(self, entity_id: str, action: Callable[[Event], Any]) -> None:
        self.by_entity[entity_id] = (*self.by_entity.get(entity_id, ()), action)

    def remove(self, entity_id: str, action: Callable[[Event], Any]) -> None:
        remaining = tuple(a for a in self.by_entity.get(entity_id, ()) if a is not action)
        if remaining:
            self.by_entity[entity_id] = remaining
        else:
            self.by_entity.pop(entity_id, None)


def track_state_change(hub: Hub, entity_ids: str | Iterable[str], action: Callable[[Event], Any]) -> Unsubscribe:
    """Call ``action(event)`` on each ``state_changed`` of the given entities; returns an unsubscribe."""
    index = hub.data.get(_INDEX)
    if index is None:
        index = hub.data[_INDEX] = _StateChangeIndex(hub)
    ids = [entity_ids] if isinstance(entity_ids, str) else list(dict.fromkeys(entity_ids))
    for entity_id in ids:
        index.add(entity_id, action)

    def unsubscribe() -> None:
        for entity_id in ids:
            index.remove(entity_id, action)

    return unsubscribe
