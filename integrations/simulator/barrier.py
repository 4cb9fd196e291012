"""A barrier gate's mechanics: the arm moves, a loop detector sees cars, faults happen.

The model is the device's firmware, free of any transport: the Modbus server and the MQTT
variant both drive it and show its state. Timers run on the hub's clock, so a test with a
manual clock moves the arm deterministically.

    closed ──open──▶ opening ──(travel)──▶ open ──(auto-close, no car)──▶ closing ──▶ closed
                         ▲                                                   │
                         └──────────── a car on the loop while closing ──────┘

Besides faults (the arm stops until a reset), two ways a real gate lets the hub down are
played: a controller without power (``power_off``: it answers nothing, so the hub sees it
silent) and an arm locked by the guard's key switch or a seized motor (``lock``: commands
are taken and nothing moves, so an open is never confirmed) — what the barrier integration's
``unavailable`` state and its "did not confirm opening" error are for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from enum import IntEnum

from xiaoqu.core.clock import Clock, TimerHandle

_LOGGER = logging.getLogger(__name__)


class BarrierState(IntEnum):
    """The state register's values (docs/simulator.md)."""

    CLOSED = 0
    OPENING = 1
    OPEN = 2
    CLOSING = 3
    STOPPED = 4
    FAULT = 5


class FaultCode(IntEnum):
    NONE = 0
    MOTOR_OVERLOAD = 1
    ENCODER_LOST = 2
    ARM_BREAKAWAY = 3
    LOOP_DETECTOR = 4


#: Seconds the arm takes from closed to open (and back).
TRAVEL_TIME = 3.0
#: Seconds the arm stays up with no car before it closes by itself (a holding register).
AUTO_CLOSE = 10.0
#: Seconds after a car leaves the loop before the arm comes down behind it.
CLOSE_AFTER_PASS = 1.0


class BarrierGate:
    """One barrier arm with its loop detector, cycle counter and fault register."""

    def __init__(self, clock: Clock, name: str, *, travel_time: float = TRAVEL_TIME, auto_close: float = AUTO_CLOSE) -> None:
        self.clock = clock
        self.name = name
        self.travel_time = travel_time
        self.auto_close = auto_close
        self.state = BarrierState.CLOSED
        self.fault_code = FaultCode.NONE
        self.vehicle_present = False
        self.cycles = 0
        #: False while the controller has no power: it answers nothing and reports nothing
        self.powered = True
        #: True while the arm is locked: commands are taken, the arm does not move
        self.locked = False
        self._position = 0.0  # percent open when the current movement started
        self._moved_at = 0.0
        self._timer: TimerHandle | None = None
        self._listeners: list[Callable[[BarrierGate], None]] = []

    # --- what the registers show ------------------------------------------------------

    @property
    def position(self) -> int:
        """Percent open, computed from the time the arm has been moving."""
        if self.state is BarrierState.OPENING:
            done = self._position + 100 * (self.clock.time() - self._moved_at) / self.travel_time
        elif self.state is BarrierState.CLOSING:
            done = self._position - 100 * (self.clock.time() - self._moved_at) / self.travel_time
        else:
            done = self._position
        return round(min(100.0, max(0.0, done)))

    def on_change(self, listener: Callable[[BarrierGate], None]) -> Callable[[], None]:
        """Call ``listener(gate)`` after every change of state, vehicle or fault."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # --- commands ---------------------------------------------------------------------

    def open(self) -> bool:
        """Raise the arm; refused (False) while in fault; taken and not acted on while locked."""
        if self.state is BarrierState.FAULT:
            return False
        if self.locked:
            return True
        if self.state is BarrierState.OPENING:
            return True
        if self.state is BarrierState.OPEN:  # a new command restarts the wait before auto-close
            self._arm_auto_close()
            return True
        self._move(BarrierState.OPENING, 100 - self.position)
        return True

    def close(self) -> bool:
        """Lower the arm; refused while a car stands on the loop (it would hit it) or in fault."""
        if self.state is BarrierState.FAULT or self.vehicle_present:
            return False
        if self.locked:
            return True
        if self.state in (BarrierState.CLOSED, BarrierState.CLOSING):
            return True
        self._move(BarrierState.CLOSING, self.position)
        return True

    def stop(self) -> bool:
        if self.state not in (BarrierState.OPENING, BarrierState.CLOSING):
            return self.state is not BarrierState.FAULT
        self._position = self.position
        self._cancel_timer()
        self._set(BarrierState.STOPPED)
        return True

    def fail(self, code: FaultCode) -> None:
        """The controller detected a fault: the arm stops where it is until reset."""
        self._position = self.position
        self._cancel_timer()
        self.fault_code = code
        self._set(BarrierState.FAULT)

    def reset(self) -> bool:
        """Clear a fault; the arm then closes (or stays up while a car is on the loop)."""
        if self.state is not BarrierState.FAULT:
            return False
        self.fault_code = FaultCode.NONE
        self.state = BarrierState.STOPPED
        if not self.close():  # a car on the loop: the arm stays where it is
            self._notify()
        return True

    def lock(self) -> None:
        """The guard turns the key switch (or the motor seizes): the arm stays where it is."""
        self.stop()
        self.locked = True

    def unlock(self) -> None:
        self.locked = False

    def power_off(self) -> None:
        """The controller loses power: the arm stops where it is, and nothing is reported
        (a dead controller says nothing; the hub learns it from the silence)."""
        if self.state in (BarrierState.OPENING, BarrierState.CLOSING):
            self._position = self.position
            self.state = BarrierState.STOPPED
        self._cancel_timer()
        self.powered = False

    def power_on(self) -> None:
        """Power is back: the controller boots and reports where the arm is."""
        if self.powered:
            return
        self.powered = True
        self._notify()

    def set_auto_close(self, seconds: float) -> None:
        """0 disables auto-close (the arm then waits for a close command or a passing car)."""
        self.auto_close = max(0.0, seconds)
        if self.state is BarrierState.OPEN:
            self._arm_auto_close()

    # --- the loop detector ------------------------------------------------------------

    def vehicle_arrived(self) -> None:
        self.vehicle_present = True
        if self.state is BarrierState.CLOSING:  # safety: never lower the arm onto a car
            self._move(BarrierState.OPENING, 100 - self.position)
            return
        if self.state is BarrierState.OPEN:
            self._cancel_timer()
        self._notify()

    def vehicle_left(self) -> None:
        self.vehicle_present = False
        if self.state is BarrierState.OPEN:
            self._cancel_timer()
            self._timer = self.clock.call_later(CLOSE_AFTER_PASS, self.close)
        self._notify()

    # --- mechanics --------------------------------------------------------------------

    def _move(self, target: BarrierState, distance: float) -> None:
        self._cancel_timer()
        self._position = float(self.position)
        self._moved_at = self.clock.time()
        self.state = target
        if distance <= 0:  # already there: no movement to show
            self._arrive()
            return
        self._notify()
        self._timer = self.clock.call_later(self.travel_time * distance / 100, self._arrive)

    def _arrive(self) -> None:
        self._timer = None
        if self.state is BarrierState.OPENING:
            self._position = 100.0
            self.cycles += 1
            self._set(BarrierState.OPEN)
            self._arm_auto_close()
        elif self.state is BarrierState.CLOSING:
            self._position = 0.0
            self._set(BarrierState.CLOSED)

    def _arm_auto_close(self) -> None:
        self._cancel_timer()
        if self.auto_close > 0 and not self.vehicle_present:
            self._timer = self.clock.call_later(self.auto_close, self.close)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _set(self, state: BarrierState) -> None:
        self.state = state
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # one broken listener must not jam the arm
                _LOGGER.exception("Barrier %s listener failed", self.name)

    def shutdown(self) -> None:
        self._cancel_timer()
        self._listeners.clear()
