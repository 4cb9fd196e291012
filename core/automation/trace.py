"""Traces: what each run of an automation did, kept in memory for staff to read.

A trace answers the questions a guard asks when the alarm did not sound: which trigger fired,
which condition failed and why, which branch of a `choose` ran, which step raised what, how
long each took and which variables changed. Each automation keeps its last few runs
(`trace: {stored_traces: N}`, five by default, as in Home Assistant).

Elements are recorded in the order things happened, each with its path in the automation
(`action/1/choose/0/sequence/0`), so a step run five times by a `repeat` appears five times.
Condition checkers and steps explain themselves through :func:`record`, which writes into
the element being run; a condition contributed by a plugin may call it too.

A trace keeps only what every role that may read it (``api.read``) may see: each value is
kept as it is recorded, as data with the plates, phone numbers and ID numbers in it masked
(:func:`kept`, through ``core/masking.py``), and so are the trigger's description and every
error. A gate camera's plate in a trigger reads ``粤A1***4`` in the API's answer, in
``xiaoqu automation trace`` and on the dashboard alike, since none of them gets anything else.
"""
from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum
from types import MappingProxyType
from typing import Any, Final

from xiaoqu.core.bus import Context
from xiaoqu.core.masking import UNIT, masked, masked_state, masked_value
from xiaoqu.core.states import State

#: Nesting kept when variables are turned into JSON (deeper values are shown as text).
_MAX_DEPTH: Final = 6
#: Items of one list or mapping kept in a trace (a huge list is cut, with a note).
_MAX_ITEMS: Final = 100
#: The key a context is under (in an event, a state): who and what caused it, ids and no
#: personal data, so it is kept as it is.
_CONTEXT: Final = "context"

_run_ids = itertools.count(1)
_current: ContextVar[TraceElement | None] = ContextVar("automation_trace_element", default=None)


def record(**details: Any) -> None:
    """Add ``details`` to the result of the trace element being run (a no-op outside a run).

    A condition says why it failed (``record(state="off", wanted=["on"])``), a step what it
    did (``record(action="door.unlock", data={...})``).
    """
    element = _current.get()
    if element is not None:
        element.result.update((name, kept(value)) for name, value in details.items())


def kept(value: Any) -> Any:
    """What a trace keeps of ``value``: as :func:`jsonable` makes it data, with the plates, phone
    numbers and ID numbers in it masked (core/masking.py). A state stays a :class:`State`
    (immutable, the same object when nothing in it is personal; its times are formatted when
    the trace is read), so a run pays for the masking and not for writing every state out."""
    return _convert(value, 0, mask=True)


class TraceElement:
    """One condition check, step or trigger in a run. What is set as its ``error`` and its
    ``changed_variables`` is kept masked, as :func:`record` keeps its ``result``."""

    __slots__ = ("path", "time", "result", "_error", "_changed_variables")

    def __init__(self, path: str, when: float) -> None:
        self.path = path
        self.time = when
        self.result: dict[str, Any] = {}
        self._error: str | None = None
        self._changed_variables: dict[str, Any] | None = None

    @property
    def error(self) -> str | None:
        return self._error

    @error.setter
    def error(self, error: str | None) -> None:
        self._error = None if error is None else masked(error)

    @property
    def changed_variables(self) -> dict[str, Any] | None:
        return self._changed_variables

    @changed_variables.setter
    def changed_variables(self, variables: Mapping[str, Any] | None) -> None:
        self._changed_variables = None if variables is None else kept(variables)

    def variable_changed(self, name: str, value: Any) -> None:
        if self._changed_variables is None:
            self._changed_variables = {}
        self._changed_variables[name] = kept(value)

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "timestamp": _iso(self.time, tz)}
        if self.result:
            data["result"] = jsonable(self.result)
        if self._error is not None:
            data["error"] = self._error
        if self._changed_variables:
            data["changed_variables"] = jsonable(self._changed_variables)
        return data


class Trace:
    """One run of one automation, from its trigger to how it ended."""

    __slots__ = (
        "automation_id", "run_id", "trigger", "context", "start", "finish",
        "execution", "error", "elements", "_clock",
    )

    def __init__(self, automation_id: str, trigger: str, context: Context, clock: Any) -> None:
        self.automation_id = automation_id
        self.run_id = str(next(_run_ids))
        self.trigger = masked(trigger)
        self.context = context
        self._clock = clock
        self.start: float = clock.time()
        self.finish: float | None = None
        #: How the run ended, in Home Assistant's words: finished, failed_conditions,
        #: failed_single, failed_max_runs, aborted, cancelled, error (None while running).
        self.execution: str | None = None
        self.error: str | None = None
        self.elements: list[TraceElement] = []

    def element(self, path: str) -> _Recording:
        """Record one element: ``with trace.element(path) as element:``; :func:`record`
        inside the block writes into it."""
        element = TraceElement(path, self._clock.time())
        self.elements.append(element)
        return _Recording(element)

    def end(self, execution: str, error: str | None = None) -> None:
        if self.finish is None:
            self.finish = self._clock.time()
            self.execution = execution
            self.error = None if error is None else masked(error)

    @property
    def running(self) -> bool:
        return self.finish is None

    def summary(self, tz: tzinfo) -> dict[str, Any]:
        """The one-line view of a run: the list of runs shows these."""
        return {
            "run_id": self.run_id,
            "automation_id": self.automation_id,
            "trigger": self.trigger,
            "state": "running" if self.running else "stopped",
            "script_execution": self.execution,
            "error": self.error,
            "timestamp": {
                "start": _iso(self.start, tz),
                "finish": _iso(self.finish, tz) if self.finish is not None else None,
            },
            "duration": None if self.finish is None else round(self.finish - self.start, 6),
        }

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The whole run as JSON-able data (the API and ``xiaoqu automation trace`` print it)."""
        return {
            **self.summary(tz),
            "context": self.context.as_dict(),
            "trace": [element.as_dict(tz) for element in self.elements],
        }


class _Recording:
    """The ``with`` block of one element (a class, not a generator: it runs for every step)."""

    __slots__ = ("_element", "_token")

    def __init__(self, element: TraceElement) -> None:
        self._element = element

    def __enter__(self) -> TraceElement:
        self._token = _current.set(self._element)
        return self._element

    def __exit__(self, *_exc: object) -> None:
        _current.reset(self._token)


class TraceStore:
    """The last ``size`` traces of one automation, oldest first."""

    __slots__ = ("_traces",)

    def __init__(self, size: int) -> None:
        self._traces: deque[Trace] = deque(maxlen=max(size, 1))

    def add(self, trace: Trace) -> None:
        self._traces.append(trace)

    def resize(self, size: int) -> None:
        self._traces = deque(self._traces, maxlen=max(size, 1))

    def __iter__(self) -> Iterator[Trace]:
        return iter(self._traces)

    def __len__(self) -> int:
        return len(self._traces)

    def last(self) -> Trace | None:
        return self._traces[-1] if self._traces else None

    def get(self, run_id: str) -> Trace | None:
        return next((trace for trace in self._traces if trace.run_id == run_id), None)

    def summaries(self, tz: tzinfo) -> list[dict[str, Any]]:
        """The stored runs' summaries, newest first (what the API lists)."""
        return [trace.summary(tz) for trace in reversed(self._traces)]

    def read(self, run_id: str | None, tz: tzinfo) -> dict[str, Any] | None:
        """One run in full (the newest when ``run_id`` is None); None when there is none."""
        trace = self.get(run_id) if run_id is not None else self.last()
        return None if trace is None else trace.as_dict(tz)


def _iso(stamp: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(stamp, tz).isoformat()


def jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-able data: states as Home Assistant's REST shape, times as ISO text.

    Traces hold the variables of a run (the trigger's old and new state, a service's
    response) as :func:`kept` kept them; they are turned into plain data when shown.
    """
    return _convert(value, depth, mask=False)


def _convert(value: Any, depth: int, *, mask: bool) -> Any:
    """:func:`jsonable`, or with ``mask`` :func:`kept`: the same walk, masking each value in it."""
    if isinstance(value, str):
        return masked(value) if mask else value
    if value is None or isinstance(value, bool | int | float):
        return masked_value(value) if mask else value
    if depth >= _MAX_DEPTH:
        return masked(str(value)) if mask else str(value)
    if isinstance(value, dict | MappingProxyType) or isinstance(value, Mapping):  # the ABC's check is slow
        items = list(value.items())
        data = {str(key): _convert(item, depth + 1, mask=mask and key != _CONTEXT) for key, item in items[:_MAX_ITEMS]}
        if len(items) > _MAX_ITEMS:
            data["…"] = f"{len(items) - _MAX_ITEMS} more"
        return data
    if isinstance(value, list | tuple | set | frozenset | deque):
        items = list(value)
        data_list = [_convert(item, depth + 1, mask=mask) for item in items[:_MAX_ITEMS]]
        if len(items) > _MAX_ITEMS:
            data_list.append(f"… {len(items) - _MAX_ITEMS} more")
        return data_list
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return _convert(value.value, depth + 1, mask=mask)
    if mask and isinstance(value, State):
        return _kept_state(value, depth)
    if hasattr(value, "as_dict"):
        return _convert(value.as_dict(), depth + 1, mask=mask)
    return masked(str(value)) if mask else str(value)


def _kept_state(state: State, depth: int) -> State:
    """``state`` with its state (unless a measurement's) and attributes masked: itself when
    nothing in it is personal."""
    shown = masked_state(state.state, state.attributes.get(UNIT))
    attributes = _convert(state.attributes, depth + 2, mask=True)
    if shown == state.state and attributes == state.attributes:
        return state
    return State(state.entity_id, shown, attributes, state.last_changed, state.last_updated, state.context)


def variable_changed(name: str, value: Any) -> None:
    """Note in the element being run that it set variable ``name`` (shown as changed_variables)."""
    element = _current.get()
    if element is not None:
        element.variable_changed(name, value)
