"""Vehicle lanes: a licence-plate camera, a barrier gate, and the cars queueing at them.

A car rolls onto the loop, the camera reads its plate (two or three reads, the first one
sometimes wrong), and the car waits for the arm. Whoever opens it — the hub over Modbus or
MQTT, or, when the hub says nothing for a while, the guard with the remote — the car drives
through once it is up, and the arm comes down behind it. The next car rolls onto the loop
only when the arm is down (one car per opening); a queue longer than :data:`QUEUE_LIMIT`
turns newcomers away.

The MQTT barrier variant takes ``barrier/<id>/command`` and reports ``barrier/<id>/state``
(on every change and every minute), the same mechanics behind another transport.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .barrier import BarrierGate, BarrierState, FaultCode
from .context import SimContext
from .estate import Lane
from .plates import is_new_energy, misread

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle

#: Real seconds a car waits for the hub to open the barrier before the guard raises it.
GUARD_DELAY = 8.0
#: Real seconds from the arm being fully up to the car leaving the loop.
DRIVE_THROUGH = (1.5, 3.5)
#: Seconds between repeated reads of the same car.
REREAD = (0.3, 0.8)
QUEUE_LIMIT = 5
#: How often the MQTT barrier repeats its state with nothing changed (seconds).
STATE_HEARTBEAT = 60.0

FAULT_TEXT = {
    FaultCode.MOTOR_OVERLOAD: "motor overload",
    FaultCode.ENCODER_LOST: "encoder lost",
    FaultCode.ARM_BREAKAWAY: "arm knocked off",
    FaultCode.LOOP_DETECTOR: "loop detector fault",
}


@dataclass(slots=True, frozen=True)
class Car:
    plate: str
    direction: str  # "in" or "out"
    who: str  # "resident 1-2-0601" or "visitor"


class MqttBarrier:
    """A barrier gate speaking the device protocol instead of Modbus."""

    STATES = {
        BarrierState.CLOSED: "closed",
        BarrierState.OPENING: "opening",
        BarrierState.OPEN: "open",
        BarrierState.CLOSING: "closing",
        BarrierState.STOPPED: "stopped",
        BarrierState.FAULT: "fault",
    }

    def __init__(self, ctx: SimContext, barrier_id: str, gate: BarrierGate) -> None:
        self.ctx = ctx
        self.barrier_id = barrier_id
        self.gate = gate
        self._reported: tuple[BarrierState, FaultCode] | None = None
        gate.on_change(self._changed)
        ctx.listen("barrier", barrier_id, "command", self._on_command)

    def start(self) -> None:
        self._report()
        self._heartbeat()

    def _heartbeat(self) -> None:
        self.ctx.timers.later(STATE_HEARTBEAT, self._heartbeat)
        self._report()

    def _on_command(self, payload: dict[str, Any]) -> None:
        action = {"open": self.gate.open, "close": self.gate.close, "stop": self.gate.stop}.get(payload.get("action", ""))
        if action is not None:
            action()

    def _changed(self, gate: BarrierGate) -> None:
        if self._reported != (gate.state, gate.fault_code):
            self._report()

    def _report(self) -> None:
        gate = self.gate
        self._reported = (gate.state, gate.fault_code)
        payload: dict[str, Any] = {"state": self.STATES[gate.state], "ts": self.ctx.stamp()}
        if gate.state is BarrierState.FAULT:
            payload["fault"] = FAULT_TEXT.get(gate.fault_code, f"fault {int(gate.fault_code)}")
        self.ctx.publish("barrier", self.barrier_id, "state", payload)


class VehicleLane:
    """One lane: its camera (if any), its barrier and the queue of cars."""

    def __init__(self, ctx: SimContext, lane: Lane, gate: BarrierGate) -> None:
        self.ctx = ctx
        self.lane = lane
        self.gate = gate
        self.queue: deque[Car] = deque()
        self.passed: list[Car] = []
        self.turned_away = 0
        self.guard_opened = 0
        self._current: Car | None = None
        self._driving = False
        self._guard_timer: TimerHandle | None = None
        gate.on_change(self._gate_changed)

    def serves(self, direction: str) -> bool:
        return self.lane.direction in (direction, "both")

    def arrive(self, car: Car) -> bool:
        """A car joins the queue; False when the queue is too long and it turns away."""
        if len(self.queue) >= QUEUE_LIMIT:
            self.turned_away += 1
            return False
        self.queue.append(car)
        self._next_car()
        return True

    def _next_car(self) -> None:
        """The first car in the queue rolls onto the loop, once the last one is through and
        the arm is down."""
        if not self.queue or self._current is not None or self.gate.state is not BarrierState.CLOSED:
            return
        car = self._current = self.queue.popleft()
        self._driving = False
        self.gate.vehicle_arrived()
        self._read_plate(car)
        self._call_guard()

    def _call_guard(self) -> None:
        if self._guard_timer is None:
            self._guard_timer = self.ctx.timers.later(GUARD_DELAY, self._guard_opens)

    def _read_plate(self, car: Car) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        camera = self.lane.camera
        if camera is None:
            ctx.log.act("car", "%s: %s %s (%s), no camera", self.lane.name, car.who, car.plate, car.direction)
            return
        reads = [(misread(car.plate, rng), rng.uniform(0.55, 0.8))] if rng.random() < 0.1 else []
        reads += [(car.plate, rng.uniform(0.86, 0.995)) for _ in range(rng.choice((1, 2, 2, 3)))]
        color = "green" if is_new_energy(car.plate) else ("yellow" if rng.random() < 0.03 else "blue")
        delay = 0.2
        for plate, confidence in reads:
            payload = {"plate": plate, "confidence": round(confidence, 3), "direction": car.direction, "color": color}
            # ignored: mypy cannot infer the type of a lambda with a default argument (python/mypy#15459)
            ctx.timers.later(delay, lambda p=payload: ctx.publish(  # type: ignore[misc]
                "lpr", camera, "plate", {**p, "ts": ctx.stamp()}))
            delay += rng.uniform(*REREAD)
        ctx.log.act("car", "%s: camera %s reads %s (%s, %s) ×%d", self.lane.name, camera, car.plate, car.who,
                    car.direction, len(reads))

    def _guard_opens(self) -> None:
        self._guard_timer = None
        if self._current is None or self.gate.state is BarrierState.FAULT:
            return  # a faulty arm waits for the technician's reset
        self.guard_opened += 1
        self.ctx.log.act("car", "%s: no open command from the hub; the guard raises the arm for %s",
                         self.lane.name, self._current.plate)
        self.gate.open()

    def _gate_changed(self, gate: BarrierGate) -> None:
        waiting = self._current is not None and not self._driving
        if gate.state is BarrierState.OPEN and waiting:
            if self._guard_timer is not None:
                self._guard_timer.cancel()
                self._guard_timer = None
            self._drive_through()
        elif gate.state is BarrierState.CLOSED and self._current is None:
            self._next_car()
        elif waiting and gate.state in (BarrierState.CLOSED, BarrierState.STOPPED):
            self._call_guard()  # back from a fault, or stopped half-way: the guard tries again

    def _drive_through(self) -> None:
        self._driving = True
        self.ctx.timers.later(self.ctx.rng.uniform(*DRIVE_THROUGH), self._left_loop)

    def _left_loop(self) -> None:
        """The car is through; the arm comes down behind it and the next car rolls up once it is down."""
        car, self._current, self._driving = self._current, None, False
        if car is not None:
            self.passed.append(car)
        self.gate.vehicle_left()
