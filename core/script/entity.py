"""One script at run time: its ``script.<id>`` entity, its runs under its mode, its traces.

A run is asked for by a caller — ``script.<id>`` (the caller waits for the end and may take
the response), ``script.turn_on`` or ``script.toggle`` (the caller goes on at once) — and
gets its variables in Home Assistant's order: the ``fields``' defaults, the caller's data
(fields and any other names), ``this`` (the script's state), the script's ``variables:``
for the names the caller left out, then ``context``. A ``required`` field the caller left
out (and that has no default) refuses the call.

Who a run acts for: its caller. Its context is a child of the call's, so a run a person
starts over the API keeps their user — every service it calls is checked against their role
and audited as theirs — and one an automation starts acts as that automation's run does.
A caller cannot pass ``this`` or ``context``: the run sets them.

A script that waits for itself could never end: in ``restart`` or ``queued`` mode a call to
``script.<id>`` from one of its own runs (directly or through other scripts) is refused
(``disallowed_recursion_detected``, as in Home Assistant); ``script.turn_on`` may start it.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.const import DEFAULT_STORED_TRACES, MODE_PARALLEL, MODE_QUEUED, MODE_RESTART
from xiaoqu.core.automation.modes import RunHandle, RunModes
from xiaoqu.core.automation.platforms import Platforms
from xiaoqu.core.automation.script import Run, Script, StepFailed
from xiaoqu.core.automation.templates import TemplateError, has_template, render
from xiaoqu.core.automation.trace import Trace, TraceStore, jsonable, record
from xiaoqu.core.automation.waiting import Activity, wait_for_end
from xiaoqu.core.bus import Context
from xiaoqu.core.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from xiaoqu.core.errors import HubError, ServiceValidationError, Unauthorized
from xiaoqu.core.script.config import CheckedScript
from xiaoqu.core.script.const import (
    CONF_FIELDS,
    CONF_ICON,
    CONF_SEQUENCE,
    DOMAIN,
    EVENT_SCRIPT_STARTED,
    RESERVED_VARIABLES,
)

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: In a script's run: that script, and the scripts whose runs wait for it, one for the next.
_waiting_scripts: ContextVar[tuple[str, ...]] = ContextVar("waiting_scripts", default=())


class ScriptEntity:
    """A checked script: its entity, its runs and its traces."""

    def __init__(self, hub: Hub, checked: CheckedScript, platforms: Platforms, activity: Activity) -> None:
        self.hub = hub
        self.checked = checked
        self.platforms = platforms
        self.id = checked.id
        self.entity_id = f"{DOMAIN}.{checked.id}"
        self.config: dict[str, Any] = checked.config or {}
        self.name = checked.alias
        self.errors = [error for error in checked.errors if error.severity == "error"]
        self.warnings = [error for error in checked.errors if error.severity != "error"]
        self.fields: dict[str, dict[str, Any]] = self.config.get(CONF_FIELDS, {})
        self.traces = TraceStore(self.config.get("trace", {}).get("stored_traces", DEFAULT_STORED_TRACES))
        self.last_triggered: float | None = None
        self.runs = RunModes(hub, self.config, kind="Script", item_id=self.id, name=self.name, request="call",
                             activity=activity, on_launch=self._launched, on_change=self.write_state)
        self._script: Script | None = None

    @property
    def ok(self) -> bool:
        return self.checked.ok

    @property
    def running(self) -> int:
        """Runs going on or waiting their turn (Home Assistant's ``current``)."""
        return self.runs.running + len(self.runs.queue)

    def write_state(self) -> None:
        """``script.<id>``: on while a run goes on or waits, off otherwise (unavailable when its
        config is wrong)."""
        attributes: dict[str, Any] = {"friendly_name": self.name}
        if CONF_ICON in self.config:
            attributes[CONF_ICON] = self.config[CONF_ICON]
        if not self.ok:
            attributes["errors"] = [str(error) for error in self.errors]
            self.hub.states.set(self.entity_id, STATE_UNAVAILABLE, attributes)
            return
        attributes.update({
            "last_triggered": None if self.last_triggered is None else self._time(self.last_triggered),
            "mode": self.runs.mode,
            "current": self.running,
        })
        if self.runs.mode in (MODE_QUEUED, MODE_PARALLEL):
            attributes["max"] = self.runs.max_runs
        self.hub.states.set(self.entity_id, STATE_ON if self.running else STATE_OFF, attributes)

    # --- running ----------------------------------------------------------------------------

    async def run(self, data: Mapping[str, Any], context: Context, *, service: str) -> Run | None:
        """Run the script for a caller that waits (``script.<id>``) and answer the run once it
        has ended; None when the mode refused it or it was dropped before it began.

        A run that failed (a step raised, ``stop`` with ``error: true``) raises, so the caller
        fails too, as in Home Assistant; `Unauthorized` when the caller may not do a step.
        """
        handle = self.start(data, context, service=service, waited=True)
        if handle is None:
            return None
        try:
            run = await wait_for_end(handle.done)
        except asyncio.CancelledError:  # the caller is stopped: what it waited for goes too
            self.runs.cancel(handle)
            raise
        if run is not None and run.failure is not None:
            failure = run.failure
            cause = failure.error if isinstance(failure, StepFailed) else failure
            message = f"{self.entity_id}: {run.trace.error}"
            raise Unauthorized(message) if isinstance(cause, Unauthorized) else HubError(message)
        return run

    def start(self, data: Mapping[str, Any], context: Context, *, service: str, waited: bool = False
              ) -> RunHandle | None:
        """Start (or queue) a run for a caller; None when the mode refuses it (its trace says why).

        Raises `ServiceValidationError` when the script cannot run (its config is wrong, a
        required field is missing) and `HubError` when its ``variables:`` fail to render.
        """
        if not self.ok:
            raise ServiceValidationError(f"{self.entity_id} cannot run: its config has errors ({self.errors[0]})")
        self._check_required(data)
        run_context = context.child(self.entity_id)
        trace = Trace(self.id, f"{service} service", run_context, self.hub.clock)
        self.traces.add(trace)
        variables = self._variables(data, run_context, trace)
        self.hub.bus.fire(EVENT_SCRIPT_STARTED, {"name": self.name, "entity_id": self.entity_id}, context=run_context)
        waiting = _waiting_scripts.get() if waited else ()
        if self.id in waiting and self.runs.mode in (MODE_RESTART, MODE_QUEUED):
            trace.end("disallowed_recursion_detected", f"{self.entity_id} waits for itself ({self.runs.mode} mode)")
            _LOGGER.warning("Script %s: called by one of its own runs, which would wait for itself forever "
                            "(%s mode); the call is dropped", self.name, self.runs.mode)
            return None
        task_context = contextvars.Context()
        task_context.run(_waiting_scripts.set, (*waiting, self.id))
        return self.runs.start(self._compiled(), variables, trace, run_context, task_context=task_context)

    def _check_required(self, data: Mapping[str, Any]) -> None:
        missing = [name for name, field in self.fields.items()
                   if field["required"] and "default" not in field and name not in data]
        if missing:
            names = ", ".join(f"'{name}'" for name in missing)
            raise ServiceValidationError(f"{self.entity_id}: required field{'s' if len(missing) > 1 else ''} "
                                         f"{names} not given")

    def _variables(self, data: Mapping[str, Any], context: Context, trace: Trace) -> dict[str, Any]:
        """The run's variables (the module's docstring gives the order), recorded in the trace."""
        with trace.element("variables") as element:
            variables = {name: field["default"] for name, field in self.fields.items() if "default" in field}
            variables.update((name, value) for name, value in data.items() if name not in RESERVED_VARIABLES)
            if ignored := sorted(str(name) for name in data if name in RESERVED_VARIABLES):
                record(ignored_variables=ignored)
                _LOGGER.warning("Script %s: variables %s ignored: they are set by the run itself, not by the "
                                "caller", self.name, ", ".join(ignored))
            variables["this"] = self.hub.states.get(self.entity_id)
            try:
                for name, value in self.config.get("variables", {}).items():
                    if name not in variables:
                        variables[name] = render(value, variables) if has_template(value) else value
            except TemplateError as err:
                element.error = str(err)
                trace.end("error", f"variables: {err}")
                _LOGGER.error("Script %s: variables failed: %s", self.name, err)
                raise HubError(f"{self.entity_id}: variables: {err}") from None
            variables["context"] = context
            element.changed_variables = dict(variables)
        return variables

    def _compiled(self) -> Script:
        """The steps, compiled on the first run (a reload that keeps the script keeps them)."""
        if self._script is None:
            self._script = Script(self.hub, self.platforms, self.config[CONF_SEQUENCE], path=CONF_SEQUENCE)
        return self._script

    def _launched(self, handle: RunHandle) -> None:
        self.last_triggered = handle.trace.start
        self.write_state()

    # --- stopping ---------------------------------------------------------------------------

    async def stop(self) -> None:
        """Cancel every run (and the queue), waiting until they have ended."""
        tasks = self.runs.cancel_runs()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def remove(self) -> None:
        """Gone from the config, or replaced: its runs are cancelled and its entity removed."""
        self.runs.retire()
        self.hub.states.remove(self.entity_id)

    # --- reading ----------------------------------------------------------------------------

    def _time(self, stamp: float) -> str:
        return datetime.fromtimestamp(stamp, self.hub.clock.tz).isoformat()

    def describe(self) -> dict[str, Any]:
        """What ``GET /api/script`` shows about this script (the shape of an automation's)."""
        last = self.traces.last()
        return {
            "id": self.id,
            "alias": self.name,
            "entity_id": self.entity_id,
            "state": STATE_UNAVAILABLE if not self.ok else STATE_ON if self.running else STATE_OFF,
            "mode": self.runs.mode,
            "running": self.running,
            "file": self.checked.file,
            "line": self.checked.line,
            "description": self.config.get("description", ""),
            "fields": jsonable(self.fields),
            "last_triggered": None if self.last_triggered is None else self._time(self.last_triggered),
            "last_run": None if last is None else last.execution or "running",
            "errors": [str(error) for error in self.errors],
            "warnings": [str(warning) for warning in self.warnings],
        }
