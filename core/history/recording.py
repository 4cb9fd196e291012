"""What the history keeps: each state change, and the events the logbook shows.

State changes go to the recorder as kind ``state`` with the entity as subject, so one
entity's past is one indexed read. The logbook's own events (an automation triggered, a
``logbook.log`` entry) go as kind ``logbook``.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.const import EVENT_AUTOMATION_TRIGGERED
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.payload import jsonable
from xiaoqu.core.script.const import EVENT_SCRIPT_STARTED

from .services import EVENT_LOGBOOK_ENTRY

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

KIND_STATE: Final = "state"
KIND_LOGBOOK: Final = "logbook"
#: Events the logbook shows besides state changes (``logbook_entry`` is ``logbook.log``'s).
LOGBOOK_EVENTS: Final = (EVENT_AUTOMATION_TRIGGERED, EVENT_SCRIPT_STARTED, EVENT_LOGBOOK_ENTRY)


class Exclusions:
    """Entities whose states are not kept: by domain, by id, or by glob (``sensor.*_rssi``)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.domains = frozenset(config.get("domains", ()))
        self.entities = frozenset(config.get("entities", ()))
        globs = config.get("entity_globs", ())
        self.pattern = re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None

    def __contains__(self, entity_id: object) -> bool:
        if not isinstance(entity_id, str):
            return False
        return (entity_id in self.entities or entity_id.partition(".")[0] in self.domains
                or (self.pattern is not None and self.pattern.match(entity_id) is not None))


def start_recording(hub: Hub, exclude: Exclusions) -> None:
    """Record every state change (but the excluded) and every logbook event from now on."""
    recorder = hub.recorder

    def state_changed(event: Event) -> None:
        entity_id = event.data["entity_id"]
        if entity_id in exclude:
            return
        new = event.data["new_state"]
        if new is None:  # removed: the logbook says so, the history ends
            data: dict[str, Any] = {"removed": True}
        else:
            data = {"s": new.state, "a": new.attributes, "lc": new.last_changed}
            if new.context is not None and new.context.user_id:  # who set it, for the logbook
                data["u"] = new.context.user_id
        when = new.last_updated if new else event.time_fired
        try:
            recorder.record(KIND_STATE, data, subject=entity_id, time=when)
        except ValueError:  # an attribute JSON or UTF-8 cannot hold (a plugin's NaN, an object): kept cleaned
            recorder.record(KIND_STATE, jsonable(data), subject=entity_id, time=when)

    def logbook_event(event: Event) -> None:
        plain = {key: value for key, value in event.data.items() if isinstance(value, str | int | float | None)}
        data = {"event": event.event_type, **jsonable(plain)}
        if event.context.user_id:
            data["u"] = event.context.user_id
        recorder.record(KIND_LOGBOOK, data, subject=event.data.get("entity_id"), time=event.time_fired)

    hub.bus.listen(EVENT_STATE_CHANGED, state_changed)
    for event_type in LOGBOOK_EVENTS:
        hub.bus.listen(event_type, logbook_event)
