"""Run modes: how the runs of one automation or one script share it.

Home Assistant's four modes, the same for automations and scripts:

- ``single``: while a run is going, a new one is refused (``failed_single``);
- ``restart``: the run going is cancelled and the new one starts;
- ``queued``: runs wait their turn, at most ``max`` running and waiting together;
- ``parallel``: up to ``max`` runs at once.

A refusal is logged at the ``max_exceeded`` level (``silent`` for none) and kept as a trace.
Each accepted run is a `RunHandle`; its ``done`` future resolves when the run has ended (or
was dropped before it began), so a caller may wait for it — ``script.<id>`` waits, an
automation's trigger does not.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.const import (
    CONF_MAX,
    CONF_MAX_EXCEEDED,
    CONF_MAX_ITERATIONS,
    CONF_MODE,
    DEFAULT_MAX,
    DEFAULT_MAX_EXCEEDED,
    DEFAULT_MAX_ITERATIONS,
    MODE_PARALLEL,
    MODE_QUEUED,
    MODE_RESTART,
    MODE_SINGLE,
)
from xiaoqu.core.automation.script import Run, Script, Variables
from xiaoqu.core.automation.trace import Trace
from xiaoqu.core.automation.waiting import Activity
from xiaoqu.core.bus import Context

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class RunHandle:
    """One accepted run: waiting in the queue, running, or ended."""

    script: Script
    variables: dict[str, Any]
    trace: Trace
    context: Context
    #: Resolves with the `Run` once it has ended, or with None when it was dropped unstarted.
    done: asyncio.Future[Run | None]
    #: The context variables the run's task starts with (see `RunModes.start`).
    task_context: contextvars.Context
    run: Run | None = None
    task: asyncio.Task[str] | None = None


class RunModes:
    """The runs of one automation or script, started and ended under its ``mode``.

    ``kind`` and ``name`` say whose runs these are in the log (``Automation door_alarm``);
    ``request`` what a refusal drops (a ``trigger``, a ``call``). ``on_launch`` is called as
    each run starts, ``on_change`` whenever the number of runs changed otherwise (the owner
    writes its entity's state).
    """

    def __init__(self, hub: Hub, config: Mapping[str, Any], *, kind: str, item_id: str, name: str, request: str,
                 activity: Activity, on_launch: Callable[[RunHandle], None], on_change: Callable[[], None]) -> None:
        self.hub = hub
        self.kind = kind
        self.item_id = item_id
        self.name = name
        self.request = request
        self.activity = activity
        self.mode: str = config.get(CONF_MODE, MODE_SINGLE)
        self.max_runs: int = config.get(CONF_MAX, DEFAULT_MAX)
        self.max_exceeded: str = config.get(CONF_MAX_EXCEEDED, DEFAULT_MAX_EXCEEDED)
        self.max_iterations: int = config.get(CONF_MAX_ITERATIONS, DEFAULT_MAX_ITERATIONS)
        self.active: list[RunHandle] = []
        self.queue: deque[RunHandle] = deque()
        self._on_launch = on_launch
        self._on_change = on_change
        self._retired = False  # replaced by a reload: its runs now belong to the new version

    @property
    def running(self) -> int:
        return len(self.active)

    # --- starting ---------------------------------------------------------------------------

    def start(self, script: Script, variables: dict[str, Any], trace: Trace, context: Context, *,
              task_context: contextvars.Context | None = None) -> RunHandle | None:
        """Start (or queue) a run per the mode; None when the mode refuses it (the trace says why).

        The run's task starts with ``task_context`` — by default none of the context variables
        of the code that asked for it: a trigger that fires inside another run (an event that
        run fired) must not make the new run look like a part of that one.
        """
        if self.mode == MODE_SINGLE and self.active:
            self._refuse(trace, "failed_single", "already running")
            return None
        if self.mode == MODE_RESTART:
            for handle in self.active:
                self._cancel(handle)
        elif self.mode in (MODE_QUEUED, MODE_PARALLEL) and len(self.active) + len(self.queue) >= self.max_runs:
            self._refuse(trace, "failed_max_runs", f"already {self.max_runs} runs ({self.mode})")
            return None
        handle = RunHandle(script, variables, trace, context, asyncio.get_running_loop().create_future(),
                           task_context or contextvars.Context())
        if self.mode == MODE_QUEUED and self.active:
            self.queue.append(handle)
            self._on_change()
        else:
            self._launch(handle)
        return handle

    def _refuse(self, trace: Trace, execution: str, why: str) -> None:
        trace.end(execution, why)
        if self.max_exceeded != "SILENT":
            _LOGGER.log(logging.getLevelName(self.max_exceeded), "%s %s: %s; this %s is dropped",
                        self.kind, self.name, why, self.request)

    def _launch(self, handle: RunHandle) -> None:
        activity = self.activity
        activity.begin()
        run = handle.run = Run(self.hub, handle.script, automation_id=self.item_id, name=self.name, kind=self.kind,
                               trace=handle.trace, context=handle.context, activity=activity,
                               max_iterations=self.max_iterations)
        task = handle.task = asyncio.get_running_loop().create_task(
            run.execute(Variables([handle.variables])), name=f"{self.kind.lower()} {self.item_id}",
            context=handle.task_context)
        self.active.append(handle)
        task.add_done_callback(lambda _task: self._finished(handle, activity))
        self._on_launch(handle)

    def _finished(self, handle: RunHandle, activity: Activity) -> None:
        if handle.trace.running:  # cancelled before it began
            handle.trace.end("cancelled")
        if not handle.done.done():
            handle.done.set_result(handle.run)
        if self._retired:
            activity.end()
            return
        if handle in self.active:
            self.active.remove(handle)
        if self.queue and self.mode == MODE_QUEUED and not self.active:
            self._launch(self.queue.popleft())
        self._on_change()
        activity.end()

    # --- stopping ---------------------------------------------------------------------------

    def take_over(self, previous: RunModes) -> None:
        """Adopt the runs of the version this one replaces (a reload), per the modes.

        A ``restart`` version's runs are cancelled (the new version starts afresh); the
        others' runs finish under the new version's mode (``single`` refuses new runs until
        they end); runs still waiting in a queue are dropped.
        """
        previous._drop_queue("dropped by a reload")
        previous._retired = True
        if self.mode == MODE_RESTART or previous.mode == MODE_RESTART:
            previous.cancel_runs()
            return
        for handle in list(previous.active):
            previous.active.remove(handle)
            self.active.append(handle)
            assert handle.task is not None
            # ignored: mypy cannot infer the type of a lambda with a default argument (python/mypy#15459)
            handle.task.add_done_callback(lambda _task, handle=handle: self._adopted_finished(handle))  # type: ignore[misc]

    def _adopted_finished(self, handle: RunHandle) -> None:
        if handle in self.active:
            self.active.remove(handle)
            self._on_change()

    def cancel(self, handle: RunHandle) -> None:
        """Cancel one run (running or queued): the caller that waited for it has gone."""
        if handle in self.queue:
            self.queue.remove(handle)
            handle.trace.end("cancelled")
            handle.done.set_result(None)
            self._on_change()
        elif handle in self.active:
            self._cancel(handle)

    def cancel_runs(self) -> list[asyncio.Task[str]]:
        """Cancel every run and drop the queue; returns the tasks of the runs going on."""
        self._drop_queue()
        tasks = [handle.task for handle in self.active if handle.task is not None]
        for handle in self.active:
            self._cancel(handle)
        return tasks

    def retire(self) -> list[asyncio.Task[str]]:
        """Gone from the config: cancel every run; their endings change nothing any more."""
        self._retired = True
        return self.cancel_runs()

    def _drop_queue(self, why: str | None = None) -> None:
        for handle in self.queue:
            handle.trace.end("cancelled", why)
            handle.done.set_result(None)
        self.queue.clear()

    def _cancel(self, handle: RunHandle) -> None:
        """Cancel a run; ``hub.block_till_done()`` waits until it has ended (and its trace says so)."""
        task = handle.task
        assert task is not None
        task.cancel()
        self.hub.create_task(asyncio.wait([task]), name=f"{self.kind.lower()} {self.item_id} cancelling")
