"""Door readers (card and face) and the doors they control.

A resident presents a credential: the reader publishes ``reader/<id>/credential`` and waits
for the hub's ``reader/<id>/result``; the door opens only when the hub sends
``door/<id>/command`` ``unlock``, and the door contact reports ``door/<id>/state`` as it
opens and shuts. Two incidents need no hub at all: a forced door (the contact opens with no
unlock) and a door propped open by a cleaner with a key (open for minutes). While the hub is
away, or does not answer in time, the reader's controller decides alone (controllers.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import SimContext
from .estate import Reader

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle

    from .controllers import OfflineController

#: Real seconds a reader waits for the hub's decision before giving up.
ANSWER_TIMEOUT = 5.0
#: Real seconds a person takes to walk through an unlocked door (and it swings shut).
WALK_THROUGH = (3.0, 7.0)
#: Real seconds the door of each incident stays open.
FORCED_OPEN = (5.0, 30.0)
PROPPED_OPEN = (120.0, 300.0)


class DoorReader:
    """One reader and its door."""

    def __init__(self, ctx: SimContext, reader: Reader, controller: OfflineController | None = None) -> None:
        self.ctx = ctx
        self.reader = reader
        self.controller = controller
        self.door_open = False
        self.answers = {"granted": 0, "denied": 0, "unanswered": 0}
        self._pending: dict[str, tuple[str, TimerHandle]] = {}  # request id → who, timeout
        self._admitted: list[str] = []  # people granted, waiting for the door to unlock
        self._close_timer: TimerHandle | None = None
        ctx.listen("reader", reader.id, "result", self._on_result)
        ctx.listen("door", reader.id, "command", self._on_command)

    @property
    def label(self) -> str:
        return f"{self.reader.name} ({self.reader.id})"

    def present(self, kind: str, value: str, who: str) -> None:
        """Someone holds a card, their face or a QR code to the reader."""
        ctx = self.ctx
        ctx.log.act("door", "%s: %s shows %s %s", self.label, who, kind, value)
        if self.controller is not None and not self.controller.hub_reachable:
            self._decide_alone(kind, value, who)
            return
        request_id = ctx.next_id(f"r-{self.reader.id}")
        timeout = ctx.timers.later(ANSWER_TIMEOUT, lambda: self._unanswered(request_id, kind, value))
        self._pending[request_id] = (who, timeout)
        ctx.publish("reader", self.reader.id, "credential",
                    {"request_id": request_id, "type": kind, "value": value, "ts": ctx.stamp()})

    def _unanswered(self, request_id: str, kind: str, value: str) -> None:
        pending = self._pending.pop(request_id, None)
        if pending is not None:
            self.answers["unanswered"] += 1
            if self.controller is not None:
                self._decide_alone(kind, value, pending[0])

    def _decide_alone(self, kind: str, value: str, who: str) -> None:
        assert self.controller is not None
        if self.controller.decide(kind, value):
            self.ctx.log.act("door", "%s: %s let in by the controller alone", self.label, who)
            self._open_for(self.ctx.rng.uniform(*WALK_THROUGH))
        else:
            self.ctx.log.act("door", "%s: %s turned away by the controller alone", self.label, who)

    def _on_result(self, payload: dict[str, Any]) -> None:
        request_id = payload.get("request_id")
        pending = self._pending.pop(request_id, None) if isinstance(request_id, str) else None
        if pending is None:
            return
        who, timeout = pending
        timeout.cancel()
        if payload.get("granted") is True:
            self.answers["granted"] += 1
            self._admitted.append(who)
        else:
            self.answers["denied"] += 1
            reason = payload.get("reason") or (payload.get("error") or {}).get("message") or "no reason given"
            self.ctx.log.act("door", "%s: %s turned away (%s)", self.label, who, reason)

    def _on_command(self, payload: dict[str, Any]) -> None:
        action = payload.get("action")
        rng = self.ctx.rng
        if action == "unlock":
            who = self._admitted.pop(0) if self._admitted else None
            if who is not None:  # someone is there to push the door
                self._open_for(rng.uniform(*WALK_THROUGH))
        elif action == "hold_open":
            duration = payload.get("duration")
            self._open_for(float(duration) if isinstance(duration, (int, float)) and duration > 0 else None)
        elif action == "lock" and self.door_open:
            self._shut()

    def force(self) -> None:
        """The contact opens with no unlock: someone forced the door."""
        self.ctx.log.alarm("forced_door", "%s: door forced open", self.label)
        self._open_for(self.ctx.rng.uniform(*FORCED_OPEN))

    def prop_open(self) -> None:
        """A cleaner opens the door with a key and props it open while mopping the hall."""
        self.ctx.log.alarm("held_open", "%s: door propped open by a cleaner with a key", self.label)
        self._open_for(self.ctx.rng.uniform(*PROPPED_OPEN))

    def _open_for(self, seconds: float | None) -> None:
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        if not self.door_open:
            self.door_open = True
            self._report()
        if seconds is not None:
            self._close_timer = self.ctx.timers.later(seconds, self._shut)

    def _shut(self) -> None:
        self._close_timer = None
        if self.door_open:
            self.door_open = False
            self._report()

    def _report(self) -> None:
        state = "open" if self.door_open else "closed"
        self.ctx.publish("door", self.reader.id, "state", {"state": state, "ts": self.ctx.stamp()})
