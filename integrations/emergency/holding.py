"""Keeping gates up and displays switched while a plan is active.

The barrier integration has no "hold open": each gate's own auto-close (the hub's, after
``auto_close`` seconds or behind a car; the controller's, after its own delay) brings an arm
down. Both count from the last open command (docs/barrier.md: an open sent to a raised arm
restarts the controller's wait and the hub's), so a held gate is sent ``open`` again every
``hold_every`` seconds (10 s, below the 30 s default), and at once whenever it reports its arm
going down (closing, closed or stopped) or comes back from a fault or silence. Sending ``open``
to an arm already up moves nothing.

A display shows an emergency for at most ``DISPLAY_SECONDS`` (the device protocol's longest
event); it is sent again at half that while the plan is active, then the all-clear ends it.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.tracking import track_state_change
from xiaoqu.integrations import mqtt

from .const import DISPLAY_SECONDS

if TYPE_CHECKING:
    from collections.abc import Callable

    from xiaoqu.core.bus import Context, Event
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__package__)
#: Gate states that mean the arm is (going) down, or that a gate is back and may be raised.
_DOWN: Final = frozenset({"closing", "closed", "stopped"})


class GateHold:
    def __init__(self, hub: Hub, every: float, context: Callable[[], Context], reason: Callable[[], str]) -> None:
        self.hub = hub
        self.every = every
        self._context = context
        self._reason = reason
        self._gates: dict[str, Callable[[], None]] = {}
        self._shown: dict[str, dict[str, Any]] = {}
        self._timer: TimerHandle | None = None
        self._tick = 0
        #: Re-opens sent since the hub started (the page and the bench show it).
        self.reopened = 0

    @property
    def gates(self) -> list[str]:
        return sorted(self._gates)

    def hold(self, gates: list[str]) -> None:
        for gate in gates:
            if gate not in self._gates:
                self._gates[gate] = track_state_change(self.hub, gate, self._changed)
        self._arm()

    def release(self, gates: list[str]) -> None:
        for gate in gates:
            unsubscribe = self._gates.pop(gate, None)
            if unsubscribe is not None:
                unsubscribe()
        self._disarm_if_idle()

    def show(self, displays: list[str], payload: dict[str, Any]) -> None:
        for display in displays:
            self._shown[display] = payload
        self._arm()

    def unshow(self, displays: list[str]) -> None:
        for display in displays:
            self._shown.pop(display, None)
        self._disarm_if_idle()

    def close(self) -> None:
        self.release(list(self._gates))
        self._shown.clear()
        self._disarm_if_idle()

    def _changed(self, event: Event) -> None:
        new, old = event.data.get("new_state"), event.data.get("old_state")
        if new is None or new.state not in _DOWN:
            return
        if old is not None and old.state in _DOWN and old.state != "stopped":
            return  # closing → closed: already sent back up when it began to close
        self._reopen(new.entity_id)

    def _reopen(self, gate: str) -> None:
        self.reopened += 1
        self.hub.create_task(self._open(gate), name=f"emergency hold {gate}")

    async def _open(self, gate: str) -> None:
        if gate not in self._gates:
            return  # released (stood down) between the tick or change that asked and this turn
        try:
            await self.hub.services.call("barrier", "open", {"entity_id": gate, "reason": self._reason()},
                                         context=self._context())
        except Exception as err:  # a gate in fault or silent: tried again when it changes, or at the next tick
            _LOGGER.warning("emergency: %s could not be held open: %s", gate, err)

    def _arm(self) -> None:
        if self._timer is None and (self._gates or self._shown):
            self._timer = self.hub.clock.call_later(self.every, self._due)

    def _disarm_if_idle(self) -> None:
        if not self._gates and not self._shown and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _due(self) -> None:
        self._timer = None
        for gate in self._gates:
            state = self.hub.states.get(gate)
            if state is not None and state.state not in ("unavailable", "fault"):
                self._reopen(gate)
        self._tick += 1
        if self._tick * self.every >= DISPLAY_SECONDS / 2:
            self._tick = 0
            root = mqtt.topic_root(self.hub)
            for display, payload in self._shown.items():
                mqtt.publish_nowait(self.hub, f"{root}/display/{display}/show", payload, qos=1)
        self._arm()
