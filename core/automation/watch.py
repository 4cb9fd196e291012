"""Re-rendering a template only when something it read may have changed.

A template trigger (``{{ states('sensor.water_level') | float(0) > 80 }}``) and a
``wait_template`` step must notice when their template turns true. Re-rendering on every
state change in the community would cost each of them a render per change; instead each
render reports what it read (`RenderInfo`), and the watch listens to exactly that: those
entities (through the indexed ``core.tracking``), a whole domain or every state when the
template iterated them, and the clock's minute when it called ``now()``. What it listens to
is updated after every render, because a template may read other entities next time.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.templates import Template, as_boolean
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.tracking import track_state_change

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.template import RenderInfo

_LOGGER = logging.getLogger(__name__)

#: Called with the template's result as a boolean and the state change that led to it
#: (None for the first render and for a render the clock asked for).
OnResult = Callable[[bool, Event | None], None]


class TemplateWatch:
    """Renders ``template`` now and again whenever what it read changes; reports each result."""

    __slots__ = ("_hub", "_template", "_variables", "_on_result", "_entities", "_untrack",
                 "_domains", "_unlisten", "_timer", "_stopped", "last_error")

    def __init__(self, hub: Hub, template: Template, variables: Mapping[str, Any], on_result: OnResult) -> None:
        self._hub = hub
        self._template = template
        self._variables = variables
        self._on_result = on_result
        self._entities: frozenset[str] = frozenset()
        self._untrack: Unsubscribe | None = None
        self._domains: frozenset[str] | None = None  # None: no domain listener; empty: every state
        self._unlisten: Unsubscribe | None = None
        self._timer: TimerHandle | None = None
        self._stopped = False
        self.last_error: str | None = None

    def start(self) -> bool:
        """Render the first time and start listening; returns that first result."""
        return self._render()

    def stop(self) -> None:
        self._stopped = True
        if self._untrack is not None:
            self._untrack()
        if self._unlisten is not None:
            self._unlisten()
        if self._timer is not None:
            self._timer.cancel()

    def _render(self) -> bool:
        info = self._template.render_info(self._variables, native=True)
        if info.error is not None:
            if str(info.error) != self.last_error:
                _LOGGER.warning("Template failed, counted as false: %s", info.error)
            self.last_error = str(info.error)
            result = False
        else:
            self.last_error = None
            result = as_boolean(info.result)
        self._listen(info)
        return result

    def _changed(self, event: Event | None) -> None:
        if self._stopped:
            return
        result = self._render()
        self._on_result(result, event)

    def _listen(self, info: RenderInfo) -> None:
        entities = frozenset(info.entities)
        if entities != self._entities:
            if self._untrack is not None:
                self._untrack()
                self._untrack = None
            if entities:
                self._untrack = track_state_change(self._hub, entities, self._changed)
            self._entities = entities
        domains = frozenset() if info.all_states else frozenset(info.domains) if info.domains else None
        if domains != self._domains:
            if self._unlisten is not None:
                self._unlisten()
                self._unlisten = None
            if domains is not None:
                self._unlisten = self._hub.bus.listen(
                    EVENT_STATE_CHANGED, self._changed, self._domain_filter(domains, entities)
                )
            self._domains = domains
        if info.uses_time and self._timer is None:
            self._timer = self._hub.clock.call_at(_next_minute(self._hub.clock.now()), self._tick)
        elif not info.uses_time and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @staticmethod
    def _domain_filter(domains: frozenset[str], entities: frozenset[str]) -> Callable[[Mapping[str, Any]], bool]:
        def wanted(data: Mapping[str, Any]) -> bool:
            entity_id = data["entity_id"]
            if entity_id in entities:  # already delivered by the entity tracker
                return False
            return not domains or entity_id.partition(".")[0] in domains

        return wanted

    def _tick(self) -> None:
        self._timer = None
        self._changed(None)


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)
