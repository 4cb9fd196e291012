"""One automation at run time: its triggers attached, its runs under its mode, its traces.

When a trigger fires, the automation builds the run's variables (``this``, the
``trigger_variables``, ``trigger``, the trigger's own ``variables``, then the automation's
``variables``), checks its conditions — synchronously, in the trigger's callback, so a
trigger whose conditions fail costs no task — and then starts a run according to its mode
(``single``, ``restart``, ``queued``, ``parallel``: `core.automation.modes`, which scripts
share).

Every run has a context with ``source: automation.<id>`` whose parent is the context of what
triggered it, so the audit log can follow "plate read → automation → barrier opened".

Who a run acts for: a run that a trigger fires acts for the hub (no user), whoever caused the
event, because staff wrote the automation for that event. A run a person starts by hand
(``automation.trigger`` over the API) acts for that person: its context keeps their user, so
every service it calls is checked against their role and audited as theirs — a manager cannot
make an automation do what a manager may not. The caller's ``variables`` cannot replace
``trigger`` or ``this`` (as in Home Assistant, where the manual trigger always wins): conditions
test what really happened, not what the caller claims.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.attach import attach_triggers
from xiaoqu.core.automation.conditions import compile_conditions
from xiaoqu.core.automation.config import CheckedAutomation
from xiaoqu.core.automation.const import (
    ATTR_CURRENT,
    ATTR_LAST_TRIGGERED,
    DOMAIN,
    EVENT_AUTOMATION_TRIGGERED,
    MODE_PARALLEL,
    MODE_QUEUED,
)
from xiaoqu.core.automation.modes import RunHandle, RunModes
from xiaoqu.core.automation.platforms import Platforms
from xiaoqu.core.automation.script import Script
from xiaoqu.core.automation.templates import TemplateError, has_template, render
from xiaoqu.core.automation.trace import Trace, TraceStore, record
from xiaoqu.core.automation.waiting import Activity
from xiaoqu.core.bus import Context, Unsubscribe
from xiaoqu.core.config import ConfigError
from xiaoqu.core.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: Variables a run sets itself from what triggered it; a caller's ``variables`` cannot replace them.
_RESERVED_VARIABLES = frozenset({"trigger", "this"})


class Automation:
    """A checked automation; armed (triggers attached) while it is on."""

    def __init__(self, hub: Hub, checked: CheckedAutomation, platforms: Platforms, activity: Activity) -> None:
        self.hub = hub
        self.activity = activity
        self.checked = checked
        self.platforms = platforms
        self.id = checked.id
        self.entity_id = f"{DOMAIN}.{checked.object_id}"
        self.config: dict[str, Any] = checked.config or {}
        self.name = checked.alias or checked.id
        self.errors = [error for error in checked.errors if error.severity == "error"]
        self.warnings = [error for error in checked.errors if error.severity != "error"]
        self.enabled = bool(self.config.get("initial_state", True)) and checked.ok
        self.traces = TraceStore(self.config.get("trace", {}).get("stored_traces", 5))
        self.last_triggered: float | None = None
        self._script: Script | None = None
        self._conditions: Callable[[Mapping[str, Any], Trace], bool] | None = None
        self._detach: Unsubscribe | None = None
        self._trigger_values: dict[str, Any] = {}
        self.runs = RunModes(hub, self.config, kind="Automation", item_id=self.id, name=self.name, request="trigger",
                             activity=activity, on_launch=self._launched, on_change=self.write_state)

    # --- state ------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return self.checked.ok

    @property
    def armed(self) -> bool:
        return self._detach is not None

    @property
    def running(self) -> int:
        return self.runs.running

    def write_state(self) -> None:
        """The ``automation.<id>`` entity: on/off (unavailable when its config is wrong)."""
        attributes: dict[str, Any] = {"id": self.id, "friendly_name": self.name}
        if not self.ok:
            attributes["errors"] = [str(error) for error in self.errors]
            self.hub.states.set(self.entity_id, STATE_UNAVAILABLE, attributes)
            return
        attributes.update({
            "mode": self.runs.mode,
            ATTR_CURRENT: self.runs.running,
            ATTR_LAST_TRIGGERED: None if self.last_triggered is None else trace_time(self.hub, self.last_triggered),
        })
        if self.runs.mode in (MODE_QUEUED, MODE_PARALLEL):
            attributes["max"] = self.runs.max_runs
        self.hub.states.set(self.entity_id, STATE_ON if self.enabled else STATE_OFF, attributes)

    # --- arming -----------------------------------------------------------------------------

    def compile(self) -> None:
        """Compile actions and conditions (once; a reload that keeps this automation keeps them)."""
        if self._script is None and self.ok:
            self._script = Script(self.hub, self.platforms, self.config["actions"])
            self._conditions = compile_conditions(self.hub, self.platforms.conditions,
                                                  self.config.get("conditions", []), "condition")

    async def arm(self) -> None:
        """Attach the triggers (when on and valid); a trigger that cannot attach is an error shown."""
        if self.armed or not self.enabled or not self.ok:
            return
        self.compile()
        self._trigger_values = self._trigger_variables()
        detach, failures = await attach_triggers(self.hub, self.platforms, self.config["triggers"],
                                                 self._triggered, self.id, self._trigger_values)
        self._detach = detach
        for failure in failures:
            self.warnings.append(ConfigError(self.checked.file, self.checked.line, self.checked.path,
                                             failure, "warning"))

    def disarm(self) -> None:
        if self._detach is not None:
            self._detach()
            self._detach = None

    def _trigger_variables(self) -> dict[str, Any]:
        """``trigger_variables``, rendered once without reading any state (limited templates)."""
        values = self.config.get("trigger_variables") or {}
        try:
            return render(values, {}, limited=True) if has_template(values) else dict(values)
        except TemplateError as err:
            self.warnings.append(ConfigError(self.checked.file, self.checked.line,
                                             (*self.checked.path, "trigger_variables"), str(err), "warning"))
            return {}

    # --- triggering -------------------------------------------------------------------------

    def _triggered(self, trigger: dict[str, Any], context: Context | None,
                   trigger_level: Mapping[str, Any] | None) -> None:
        if not self.enabled:
            return
        self.trigger(trigger, context, trigger_level=trigger_level)

    def trigger(self, trigger: dict[str, Any], context: Context | None, *, skip_conditions: bool = False,
                trigger_level: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None,
                as_caller: bool = False) -> Trace:
        """Run the automation for ``trigger`` (conditions first unless skipped); returns the trace.

        With ``as_caller`` the run acts for ``context``'s user (a person started it by hand);
        otherwise for the hub. ``extra`` (the caller's variables) never replaces ``trigger``
        or ``this``.
        """
        source = f"{DOMAIN}.{self.id}"
        if as_caller and context is not None:
            run_context = context.child(source)
        else:
            run_context = Context(source=source, parent_id=context.id if context is not None else None)
        trace = Trace(self.id, str(trigger.get("description") or trigger.get("platform") or "trigger"),
                      run_context, self.hub.clock)
        self.traces.add(trace)
        variables: dict[str, Any] = {"this": self.hub.states.get(self.entity_id)}
        with trace.element(f"trigger/{trigger.get('idx', 0)}") as element:
            element.result["description"] = trace.trigger
            try:
                variables.update(self._trigger_values)
                variables["trigger"] = trigger
                if extra:
                    self._add_caller_variables(variables, extra)
                for level in (trigger_level, self.config.get("variables")):
                    for name, value in (level or {}).items():
                        variables[name] = render(value, variables) if has_template(value) else value
            except TemplateError as err:
                element.error = str(err)
                trace.end("error", f"variables: {err}")
                _LOGGER.error("Automation %s: variables failed: %s", self.name, err)
                return trace
            element.changed_variables = dict(variables)
        if not skip_conditions and self._conditions is not None and not self._conditions(variables, trace):
            trace.end("failed_conditions")
            return trace
        self._start(variables, trace, run_context)
        return trace

    def _add_caller_variables(self, variables: dict[str, Any], extra: Mapping[str, Any]) -> None:
        """Add a caller's variables, except those that would forge what triggered the run."""
        ignored = sorted(str(name) for name in extra if name in _RESERVED_VARIABLES)
        variables.update((name, value) for name, value in extra.items() if name not in _RESERVED_VARIABLES)
        if ignored:
            record(ignored_variables=ignored)
            _LOGGER.warning("Automation %s: variables %s ignored: they are set by the run itself, not by the "
                            "caller", self.name, ", ".join(ignored))

    def _start(self, variables: dict[str, Any], trace: Trace, context: Context) -> None:
        assert self._script is not None
        self.runs.start(self._script, variables, trace, context)

    def _launched(self, handle: RunHandle) -> None:
        trace = handle.trace
        self.last_triggered = trace.start
        self.hub.bus.fire(EVENT_AUTOMATION_TRIGGERED,
                          {"name": self.name, "entity_id": self.entity_id, "id": self.id, "source": trace.trigger},
                          context=handle.context)
        self.write_state()

    # --- stopping ---------------------------------------------------------------------------

    def take_over(self, previous: Automation) -> None:
        """Adopt the runs and traces of the automation this one replaces (a reload), per its
        mode (`RunModes.take_over`)."""
        for trace in previous.traces:
            self.traces.add(trace)
        self.runs.take_over(previous.runs)

    def cancel_runs(self) -> list[asyncio.Task[str]]:
        return self.runs.cancel_runs()

    def remove(self) -> None:
        """Gone from the config: stop it and remove its entity (its ending runs change nothing)."""
        self.disarm()
        self.runs.retire()
        self.hub.states.remove(self.entity_id)

    async def stop(self) -> None:
        """Detach the triggers and cancel every run, waiting until they have ended."""
        self.disarm()
        tasks = self.cancel_runs()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- reading ----------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """What ``xiaoqu automation list`` and the API show about this automation."""
        last = self.traces.last()
        return {
            "id": self.id,
            "alias": self.name,
            "entity_id": self.entity_id,
            "state": "unavailable" if not self.ok else STATE_ON if self.enabled else STATE_OFF,
            "mode": self.runs.mode,
            "running": self.runs.running,
            "file": self.checked.file,
            "line": self.checked.line,
            "blueprint": self.checked.blueprint,
            "last_triggered": None if self.last_triggered is None else trace_time(self.hub, self.last_triggered),
            "last_run": None if last is None else last.execution or "running",
            "errors": [str(error) for error in self.errors],
            "warnings": [str(warning) for warning in self.warnings],
        }


def trace_time(hub: Hub, stamp: float) -> str:
    return datetime.fromtimestamp(stamp, hub.clock.tz).isoformat()
