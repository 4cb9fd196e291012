"""The hub closes a raised arm behind the car, or when no car came.

Two rules, per gate (``settings.GateOptions``):

- **after the car has passed**: the gate's loop detector saw a vehicle and no longer does
  (``vehicle_present`` falls while the arm is up): close ``close_after_pass`` seconds later;
- **after N seconds**: the arm has been up ``auto_close`` seconds since it rose (or since the
  hub last told it to open) with no car under it: close.

A car under the arm suspends both (the hub never lowers an arm onto a car; the controller
would refuse anyway), and anything but an arm up or rising (closing, closed, stopped by hand,
in fault, silent) cancels them. A close the controller did not act on is tried again
``auto_close`` seconds later. Timers run on the hub's clock.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .const import RAISED, BarrierState

if TYPE_CHECKING:
    from xiaoqu.core.clock import Clock, TimerHandle

    from .settings import GateOptions


class AutoClose:
    def __init__(self, clock: Clock, options: GateOptions, close: Callable[[str], None]) -> None:
        """``close(why)`` lowers the arm; it is called only while the arm is up with no car under it."""
        self._clock = clock
        self._options = options
        self._close = close
        self._timer: TimerHandle | None = None
        self._state: BarrierState | None = None
        self._vehicle = False

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def follow(self, state: BarrierState | None, vehicle_present: bool | None, available: bool) -> None:
        """The gate's latest report."""
        was_state, had_vehicle = self._state, self._vehicle
        vehicle = bool(vehicle_present)
        self._state = state if available else None
        self._vehicle = vehicle
        if self._state not in RAISED:
            self.cancel()
        elif vehicle:
            self.cancel()  # a car under the arm: wait for it to pass
        elif had_vehicle and self._options.close_after_pass is not None:
            self._arm(self._options.close_after_pass, "the car has passed")
        elif (was_state is not BarrierState.OPEN and state is BarrierState.OPEN) or (had_vehicle and not self.pending):
            self._arm_idle()

    def commanded_open(self) -> None:
        """The hub told the gate to open: a car is due, so the idle wait starts again."""
        if not self._vehicle:
            self._arm_idle()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm_idle(self) -> None:
        seconds = self._options.auto_close
        if seconds is None:
            self.cancel()
        else:
            self._arm(seconds, f"no car passed within {seconds:g} s")

    def _arm(self, seconds: float, why: str) -> None:
        self.cancel()
        self._timer = self._clock.call_later(seconds, lambda: self._due(why))

    def _due(self, why: str) -> None:
        self._timer = None
        if self._state is not BarrierState.OPEN or self._vehicle:
            if self._state is BarrierState.OPENING:
                self._arm_idle()  # still rising after all that time: look again later
            return
        self._arm_idle()  # tried again later if the controller does not act on it
        self._close(why)
