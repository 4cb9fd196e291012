"""How a run waits (a delay, a `for:`, a `wait_for_trigger`) without holding up the hub.

``hub.block_till_done()`` waits for every task the hub tracks. A run that sits in a
five-minute delay is not "work in progress" — nothing will happen until time passes — and
with a manual clock in a test, nobody advances time while ``block_till_done`` waits, so a
run tracked as a task would deadlock every test that uses a delay, and make ``hub.stop()``
wait its full timeout in production.

So a run's own task is not tracked. Instead :class:`Activity` counts the paths of runs that
are executing (the engine keeps one count for all its runs); while the count is above zero
one tracked task waits for it to reach zero.
A run waits through a :class:`Waiter`: it gives up its count while it waits, and whatever
wakes it (a clock timer, a trigger, a state change) takes the count back *synchronously*,
before the run resumes, so ``clock.advance(300); await hub.block_till_done()`` sees the
woken run through to its next wait or its end.
"""
from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_T = TypeVar("_T")


class Activity:
    """How many paths of runs are executing (each run has one, a `parallel` step several)."""

    __slots__ = ("_hub", "_name", "_busy", "_idle")

    def __init__(self, hub: Hub, name: str) -> None:
        self._hub = hub
        self._name = name
        self._busy = 0
        self._idle: asyncio.Event | None = None

    def begin(self) -> None:
        """A path starts or resumes executing."""
        if self._busy == 0:
            idle = self._idle = asyncio.Event()
            self._hub.create_task(idle.wait(), name=self._name)
        self._busy += 1

    def end(self) -> None:
        """A path finished or started waiting."""
        self._busy -= 1
        if self._busy == 0 and self._idle is not None:
            self._idle.set()

    @property
    def busy(self) -> int:
        return self._busy


class Waiter:
    """One wait of a run: the first of its wakers (timer, trigger, timeout) resumes the run."""

    __slots__ = ("_activity", "future")

    def __init__(self, activity: Activity) -> None:
        self._activity = activity
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def wake(self, value: Any = None) -> None:
        """Resume the run with ``value``; later calls do nothing. Call it from the loop."""
        if not self.future.done():
            self._activity.begin()
            self.future.set_result(value)

    async def wait(self) -> Any:
        self._activity.end()
        try:
            return await self.future
        except asyncio.CancelledError:
            if self.future.cancelled():  # stopped while waiting: the run cleans up, executing
                self._activity.begin()
            raise


#: The `Activity` counting the run the current task executes (`Run.execute` sets it; the tasks a
#: run starts inherit it); None outside runs.
current_activity: ContextVar[Activity | None] = ContextVar("run_activity", default=None)


async def wait_for_end(done: asyncio.Future[_T]) -> _T:
    """Await ``done`` — another run's end — as a wait of the run this task executes, if any.

    A run that calls ``script.<id>`` waits until the script's run has ended. Meanwhile it is
    not executing: if it counted as busy, ``hub.block_till_done()`` would wait for as long as
    the called script sits in a delay. ``done`` itself is never cancelled: cancelling the
    waiting task only ends the wait (the caller decides what becomes of the other run).
    """
    activity = current_activity.get()
    if activity is None:
        return await asyncio.shield(done)
    waiter = Waiter(activity)
    done.add_done_callback(lambda _done: waiter.wake())
    await waiter.wait()
    return done.result()
