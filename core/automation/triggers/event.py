"""``trigger: event``: an event of a type, optionally with data and a user to match.

``event_type``, ``event_data`` and ``context`` may hold limited templates, as in Home
Assistant: they are rendered once, with the automation's ``trigger_variables``, when the
trigger attaches (never per event), so an event trigger stays an index lookup.

All event triggers of a hub share one index: one bus listener per event type, holding the
triggers on that type. An event of a type no automation waits for reaches no automation
code at all (the bus finds no listener), so 1,000 automations on other types cost nothing.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.templates import Template, dynamic, render
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.validation import ensure_list, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_INDEX: Final = HubKey["_EventIndex"]("automation.event_index")


def schema(hub: Hub | None) -> vol.Schema:
    text = vol.All(string, dynamic(hub))
    return vol.Schema({
        vol.Required("trigger"): "event",
        vol.Required("event_type"): vol.All(ensure_list, [text]),
        vol.Optional("event_data"): vol.All(dict, dynamic(hub)),
        vol.Optional("context"): {vol.Optional("user_id"): vol.All(ensure_list, [text])},
    })


def _texts(config: Mapping[str, Any], key: str, variables: Mapping[str, Any], what: str) -> list[str]:
    """``config[key]``'s event types (or user ids), each template rendered as text (limited)."""
    texts = []
    for value in config[key]:
        text = value.render(variables, limited=True).strip() if isinstance(value, Template) else value
        if not text:
            raise ValueError(f"{key}: the template gave {text!r}, not {what}")
        texts.append(text)
    return texts


def data_matches(wanted: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether ``data`` holds every key of ``wanted`` with an equal value (nested mappings
    are matched the same way, so ``{door: {building: 3}}`` ignores the door's other keys)."""
    for key, value in wanted.items():
        if key not in data:
            return False
        actual = data[key]
        if isinstance(value, Mapping):
            if not isinstance(actual, Mapping) or not data_matches(value, actual):
                return False
        elif actual != value:
            return False
    return True


class _EventIndex:
    """Event triggers by event type, one bus listener per type in use."""

    __slots__ = ("_hub", "_by_type", "_unlisten")

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._by_type: dict[str, tuple[_Entry, ...]] = {}
        self._unlisten: dict[str, Unsubscribe] = {}

    def add(self, event_type: str, entry: _Entry) -> Unsubscribe:
        entries = self._by_type.get(event_type, ())
        self._by_type[event_type] = (*entries, entry)
        if not entries:
            self._unlisten[event_type] = self._hub.bus.listen(event_type, self._dispatch)

        def remove() -> None:
            remaining = tuple(e for e in self._by_type.get(event_type, ()) if e is not entry)
            if remaining:
                self._by_type[event_type] = remaining
                return
            self._by_type.pop(event_type, None)
            unlisten = self._unlisten.pop(event_type, None)
            if unlisten is not None:
                unlisten()

        return remove

    def _dispatch(self, event: Event) -> None:
        for entry in self._by_type.get(event.event_type, ()):
            entry.check(event)


class _Entry:
    __slots__ = ("data", "user_ids", "fire")

    def __init__(self, data: Mapping[str, Any] | None, user_ids: list[str] | None, fire: FireTrigger) -> None:
        self.data = data
        self.user_ids = user_ids
        self.fire = fire

    def check(self, event: Event) -> None:
        if self.data and not data_matches(self.data, event.data):
            return
        if self.user_ids is not None and event.context.user_id not in self.user_ids:
            return
        self.fire({"platform": "event", "event": event, "description": f"event '{event.event_type}'"},
                  event.context)


class EventTrigger:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = schema(hub)

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        # Limited templates: one that reads a state raises here, and the trigger is not attached.
        variables = info.variables
        event_types = _texts(config, "event_type", variables, "an event type")
        data = render(config["event_data"], variables, limited=True) if "event_data" in config else None
        context = config.get("context", {})
        user_ids = _texts(context, "user_id", variables, "a user id") if "user_id" in context else None
        entry = _Entry(data, user_ids, fire)
        index: _EventIndex | None = hub.data.get(_INDEX)
        if index is None:
            index = hub.data[_INDEX] = _EventIndex(hub)
        removers = [index.add(event_type, entry) for event_type in event_types]

        def detach() -> None:
            for remove in removers:
                remove()

        return detach
