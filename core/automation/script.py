"""Running an automation's actions: the steps, their variables, their trace.

A validated list of steps is compiled once (`Script`), when the automation is armed; a run
walks the compiled steps. Home Assistant's meaning:

- a ``condition`` step that is false ends the sequence it is in (the whole run at the top,
  only the inner sequence inside ``choose``/``if``/``repeat``/``parallel``/``sequence``);
- ``stop`` ends the whole run (``error: true`` marks it failed);
- a step that raises ends the run with the error in the trace, unless it has
  ``continue_on_error: true`` and the error is a failure of the act itself (a service that
  raised), not a mistake in the automation (an unknown service, bad service data, a
  template that fails) nor a refusal (the person who started the run by hand may not call
  the service), which no flag hides;
- ``wait_template``/``wait_for_trigger`` set ``wait`` (``completed``, ``remaining``,
  ``trigger``); a timeout with ``continue_on_timeout: false`` ends the run;
- ``repeat`` sets ``repeat`` (``index``, ``first``, ``last``, ``item``); all repeats of one
  run together may iterate ``max_iterations`` times (10,000 by default), then the run ends
  with an error saying so, and each iteration lets the rest of the hub run first;
- variables live in nested scopes (Home Assistant 2025.4): a ``variables`` step changes a
  variable where it was defined, or defines it in the sequence it is in.

All waiting goes through the hub's clock and `core.automation.waiting`, so a test moves time
with a manual clock and ``hub.block_till_done()`` never waits on a run that is waiting.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.attach import attach_triggers
from xiaoqu.core.automation.conditions import compile_condition, compile_conditions
from xiaoqu.core.automation.platforms import Platforms
from xiaoqu.core.automation.schema import step_kind
from xiaoqu.core.automation.templates import Template, TemplateError, has_template, render
from xiaoqu.core.automation.trace import Trace, record, variable_changed
from xiaoqu.core.automation.validators import period_from
from xiaoqu.core.automation.waiting import Activity, Waiter, current_activity
from xiaoqu.core.automation.watch import TemplateWatch
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError, ServiceNotFound, ServiceValidationError, Unauthorized
from xiaoqu.core.masking import masked
from xiaoqu.core.validation import vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

ConditionCheck = Callable[[Mapping[str, Any], Trace], bool]
_UNDEFINED: Any = object()

#: Errors ``continue_on_error`` does not hide: mistakes in the automation, and a refusal (the
#: rest of a run a person may not make should not go on as if the refused step had happened).
_NEVER_HIDDEN = (ServiceNotFound, ServiceValidationError, TemplateError, vol.Invalid, Unauthorized)


# --- control flow ------------------------------------------------------------------------------


class _ConditionFalse(Exception):
    """A condition step was false: the sequence it is in ends."""


class StopRun(Exception):
    """A ``stop`` step: the run ends (as an error when ``error`` is true), answering
    ``response`` to the caller of a script."""

    def __init__(self, reason: str, error: bool, response: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.response = response


class AbortRun(Exception):
    """The run cannot go on (a wait timed out, too many repeats); the message says why."""

    recorded = False  # set once the step where it happened has it in the trace


class StepFailed(Exception):
    """A step raised; already recorded in the trace at ``path``."""

    def __init__(self, path: str, error: BaseException) -> None:
        super().__init__(f"{path}: {describe(error)}")
        self.path = path
        self.error = error


def describe(err: BaseException) -> str:
    if isinstance(err, vol.Invalid):
        return f"invalid data: {err}"
    if isinstance(err, HubError | TemplateError | AbortRun):  # messages written to be read as they are
        return str(err)
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


# --- variables ---------------------------------------------------------------------------------


class Variables:
    """A run's variables in nested scopes, innermost first."""

    __slots__ = ("_maps",)

    def __init__(self, maps: list[dict[str, Any]]) -> None:
        self._maps = maps

    def child(self) -> Variables:
        """The scope of a nested sequence: sees everything outside, defines its own."""
        return Variables([{}, *self._maps])

    def define(self, name: str, value: Any) -> None:
        """Set ``name`` in this scope only (``repeat`` of one iteration)."""
        self._maps[0][name] = value

    def set(self, name: str, value: Any) -> None:
        """Change ``name`` where it is defined, or define it here; noted in the trace."""
        for scope in self._maps:
            if name in scope:
                scope[name] = value
                break
        else:
            self._maps[0][name] = value
        variable_changed(name, value)

    def get(self, name: str, default: Any = None) -> Any:
        for scope in self._maps:
            if name in scope:
                return scope[name]
        return default

    def flat(self) -> dict[str, Any]:
        """Every visible variable, inner ones hiding outer ones (what templates see)."""
        if len(self._maps) == 1:
            return self._maps[0]
        merged: dict[str, Any] = {}
        for scope in reversed(self._maps):
            merged.update(scope)
        return merged


# --- compiled steps ----------------------------------------------------------------------------


class Step:
    """One compiled step: its kind, its place (``action/1/choose/0/sequence/0``) and settings."""

    __slots__ = ("kind", "path", "config", "enabled", "continue_on_error", "dynamic", "parts")

    def __init__(self, kind: str, path: str, config: Mapping[str, Any]) -> None:
        self.kind = kind
        self.path = path
        self.config = config
        self.enabled: bool = config.get("enabled", True)
        self.continue_on_error: bool = config.get("continue_on_error", False)
        self.dynamic = has_template(config)
        #: What the kind compiled into: sub-sequences, condition checkers.
        self.parts: dict[str, Any] = {}


class Script:
    """The compiled actions of one automation."""

    def __init__(self, hub: Hub, platforms: Platforms, configs: list[Mapping[str, Any]], path: str = "action") -> None:
        self.hub = hub
        self.platforms = platforms
        self.steps = self.compile(configs, path)

    def compile(self, configs: list[Mapping[str, Any]], path: str) -> list[Step]:
        return [self._compile_step(config, f"{path}/{index}") for index, config in enumerate(configs)]

    def _conditions(self, configs: list[Mapping[str, Any]], path: str) -> ConditionCheck:
        return compile_conditions(self.hub, self.platforms.conditions, configs, path)

    def _compile_step(self, config: Mapping[str, Any], path: str) -> Step:
        kind = step_kind(config)
        assert kind is not None, "a validated step always has a kind"
        step = Step(kind, path, config)
        parts = step.parts
        if kind == "condition":
            parts["check"] = compile_condition(self.hub, self.platforms.conditions, config, path)
        elif kind == "repeat":
            repeat = config["repeat"]
            parts["sequence"] = self.compile(repeat["sequence"], f"{path}/repeat/sequence")
            for key in ("while", "until"):
                if key in repeat:
                    parts[key] = self._conditions(repeat[key], f"{path}/repeat/{key}")
        elif kind == "choose":
            parts["options"] = [
                (self._conditions(option["conditions"], f"{path}/choose/{index}/conditions"),
                 self.compile(option["sequence"], f"{path}/choose/{index}/sequence"))
                for index, option in enumerate(config["choose"])
            ]
            parts["default"] = self.compile(config["default"], f"{path}/default") if "default" in config else None
        elif kind == "if":
            parts["if"] = self._conditions(config["if"], f"{path}/if")
            parts["then"] = self.compile(config["then"], f"{path}/then")
            parts["else"] = self.compile(config["else"], f"{path}/else") if "else" in config else None
        elif kind == "parallel":
            parts["branches"] = [self.compile([branch], f"{path}/parallel/{index}")
                                 for index, branch in enumerate(config["parallel"])]
        elif kind == "sequence":
            parts["sequence"] = self.compile(config["sequence"], f"{path}/sequence")
        return step


# --- a run -------------------------------------------------------------------------------------


class Run:
    """One execution of a script: its context, variables, trace and waits."""

    def __init__(self, hub: Hub, script: Script, *, automation_id: str, name: str, trace: Trace,
                 context: Context, activity: Activity, max_iterations: int, kind: str = "Automation") -> None:
        self.hub = hub
        self.script = script
        self.automation_id = automation_id
        self.name = name
        self.kind = kind
        self.trace = trace
        self.context = context
        self.activity = activity
        self.max_iterations = max_iterations
        self.iterations = 0
        #: What a ``stop`` step answered (``response_variable``): a script's service response.
        self.response: Any = None
        #: Why the run failed (a step raised, ``stop`` with ``error: true``, a wait or loop gave
        #: up); None when it finished, or ended at a false condition.
        self.failure: Exception | None = None

    async def execute(self, variables: Variables) -> str:
        """Run every step; record how it ended in the trace and return that (``finished``...)."""
        trace = self.trace
        current_activity.set(self.activity)
        try:
            await self._sequence(self.script.steps, variables, top=True)
        except _ConditionFalse:
            trace.end("aborted", "a condition step was false")
        except StopRun as stop:
            trace.end("aborted" if stop.error else "finished", stop.reason if stop.error else None)
            self.response, self.failure = stop.response, stop if stop.error else None
        except AbortRun as abort:
            trace.end("aborted", str(abort))
            self.failure = abort
            _LOGGER.warning("%s %s stopped: %s", self.kind, self.name, masked(str(abort)))
        except StepFailed as failed:
            trace.end("error", str(failed))
            self.failure = failed
            _LOGGER.error("%s %s failed at %s", self.kind, self.name, masked(str(failed)))
        except asyncio.CancelledError:
            trace.end("cancelled")
            raise
        except Exception as err:  # a bug: still the run ends with the reason in the trace
            trace.end("error", describe(err))
            self.failure = err
            _LOGGER.exception("%s %s failed", self.kind, self.name)
        else:
            trace.end("finished")
        return trace.execution or "finished"

    async def _sequence(self, steps: list[Step], variables: Variables, top: bool = False) -> None:
        try:
            for step in steps:
                await self._step(step, variables)
        except _ConditionFalse:
            if top:
                raise

    async def _step(self, step: Step, variables: Variables) -> None:
        if step.kind == "condition":  # the condition records its own element (disabled: None)
            if step.parts["check"](variables.flat(), self.trace) is False:
                raise _ConditionFalse
            return
        with self.trace.element(step.path) as element:
            if "alias" in step.config:
                element.result["alias"] = step.config["alias"]
            if not step.enabled:
                element.result["enabled"] = False
                return
            try:
                await _HANDLERS[step.kind](self, step, variables)
            except AbortRun as abort:
                if not abort.recorded:
                    element.error, abort.recorded = str(abort), True
                raise
            except (_ConditionFalse, StopRun, asyncio.CancelledError):
                raise
            except StepFailed as failed:
                if step.continue_on_error and not isinstance(failed.error, _NEVER_HIDDEN):
                    element.result["continued_after_error"] = failed.path
                    return
                raise
            except Exception as err:
                element.error = describe(err)
                if step.continue_on_error and not isinstance(err, _NEVER_HIDDEN):
                    element.result["continued_after_error"] = True
                    return
                raise StepFailed(step.path, err) from err

    # --- waiting -------------------------------------------------------------------------------

    def waiter(self) -> Waiter:
        return Waiter(self.activity)

    async def sleep(self, seconds: float) -> None:
        waiter = self.waiter()
        handle = self.hub.clock.call_later(seconds, waiter.wake)
        try:
            await waiter.wait()
        finally:
            handle.cancel()

    def count_iteration(self) -> None:
        self.iterations += 1
        if self.iterations > self.max_iterations:
            raise AbortRun(f"repeat stopped after {self.max_iterations} iterations in this run "
                           f"(max_iterations); raise max_iterations if the loop is meant to run longer")


# --- the steps ---------------------------------------------------------------------------------


def _values(step: Step, variables: Variables) -> Mapping[str, Any]:
    return variables.flat() if step.dynamic else {}


def _period(value: Any, values: Mapping[str, Any]) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return period_from(render(value, values))


async def _call_service(run: Run, step: Step, variables: Variables) -> None:
    config, values = step.config, _values(step, variables)
    action = config["action"]
    name = action.render(values) if isinstance(action, Template) else action
    domain, dot, service = str(name).strip().lower().partition(".")
    if not dot or not domain or not service:
        raise ValueError(f"the template gave {name!r}, not a service (domain.service)")
    data = _mapping(config, ("data", "data_template"), values)
    for source in (config.get("target"), {"entity_id": config["entity_id"]} if "entity_id" in config else None):
        if source is not None:
            target = render(source, values)
            if not isinstance(target, Mapping):
                raise ValueError(f"target must give a mapping, the template gave {target!r}")
            data.update(target)
    response_variable = config.get("response_variable")
    record(action=f"{domain}.{service}", data=data)
    response = await run.hub.services.call(domain, service, data, context=run.context, blocking=True,
                                           return_response=response_variable is not None)
    if response_variable is not None:
        record(response=response)
        variables.set(response_variable, response)


def _mapping(config: Mapping[str, Any], keys: tuple[str, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Service (or event) data from ``keys``, each rendered to a mapping, the later ones'
    keys winning (``data`` then the legacy ``data_template``, as Home Assistant merges them)."""
    data: dict[str, Any] = {}
    for key in keys:
        if key in config:
            rendered = render(config[key], values)
            if not isinstance(rendered, Mapping):
                raise ValueError(f"{key} must give a mapping, the template gave {rendered!r}")
            data.update(rendered)
    return data


async def _event(run: Run, step: Step, variables: Variables) -> None:
    data = _mapping(step.config, ("event_data", "event_data_template"), _values(step, variables))
    record(event=step.config["event"], event_data=data)
    run.hub.bus.fire(step.config["event"], data, context=run.context)


async def _delay(run: Run, step: Step, variables: Variables) -> None:
    period = _period(step.config["delay"], _values(step, variables))
    record(delay=period.total_seconds(), done=False)
    if period > timedelta(0):
        await run.sleep(period.total_seconds())
    record(done=True)


def _timeout(run: Run, step: Step, variables: Variables) -> float | None:
    if "timeout" not in step.config:
        return None
    return _period(step.config["timeout"], _values(step, variables)).total_seconds()


async def _wait(run: Run, step: Step, wait: dict[str, Any], timeout: float | None, waiter: Waiter,
                stop_watching: Callable[[], None]) -> None:
    """Wait until the watcher wakes ``waiter`` with a value, or ``timeout`` seconds pass."""
    deadline = None if timeout is None else run.hub.clock.time() + timeout
    timer = None if timeout is None else run.hub.clock.call_later(timeout, lambda: waiter.wake(None))
    try:
        woken_with = await waiter.wait()
    finally:
        stop_watching()
        if timer is not None:
            timer.cancel()
    if woken_with is not None:
        wait["completed"] = True
        if deadline is not None:
            wait["remaining"] = max(0.0, deadline - run.hub.clock.time())
        return
    _timed_out(step, wait)


def _timed_out(step: Step, wait: dict[str, Any]) -> None:
    wait["remaining"] = 0.0
    record(timeout=True)
    if not step.config.get("continue_on_timeout", True):
        raise AbortRun(f"{step.path}: timed out waiting (continue_on_timeout: false)")


async def _wait_template(run: Run, step: Step, variables: Variables) -> None:
    timeout = _timeout(run, step, variables)
    wait = {"remaining": timeout, "completed": False}
    variables.set("wait", wait)
    record(wait=wait)
    waiter = run.waiter()
    watch = TemplateWatch(run.hub, step.config["wait_template"], variables.flat(),
                          lambda ok, _event: waiter.wake(True) if ok else None)
    if watch.start():
        watch.stop()
        wait["completed"] = True
        return
    if timeout == 0:
        watch.stop()
        _timed_out(step, wait)
        return
    await _wait(run, step, wait, timeout, waiter, watch.stop)


async def _wait_for_trigger(run: Run, step: Step, variables: Variables) -> None:
    timeout = _timeout(run, step, variables)
    wait: dict[str, Any] = {"remaining": timeout, "completed": False, "trigger": None}
    variables.set("wait", wait)
    record(wait=wait)
    if timeout == 0:
        _timed_out(step, wait)
        return
    waiter = run.waiter()

    def fired(trigger: dict[str, Any], _context: Context | None, _extra: Any) -> None:
        if not waiter.future.done():
            wait["trigger"] = trigger
        waiter.wake(trigger)

    detach, failures = await attach_triggers(run.hub, run.script.platforms, step.config["wait_for_trigger"],
                                             fired, run.automation_id, dict(variables.flat()))
    if failures:
        detach()
        raise AbortRun(f"{step.path}: " + "; ".join(failures))
    await _wait(run, step, wait, timeout, waiter, detach)


async def _repeat(run: Run, step: Step, variables: Variables) -> None:
    repeat, parts, values = step.config["repeat"], step.parts, _values(step, variables)
    sequence = parts["sequence"]

    async def iteration(index: int, **extra: Any) -> None:
        run.count_iteration()
        scope = variables.child()
        scope.define("repeat", {"first": index == 1, "index": index, **extra})
        await run._sequence(sequence, scope)
        await asyncio.sleep(0)  # a tight loop must not starve the rest of the hub

    if "count" in repeat:
        count = repeat["count"]
        if isinstance(count, Template):
            rendered = count.render_native(values)
            if isinstance(rendered, bool) or not isinstance(rendered, int | float) or int(rendered) != rendered:
                raise ValueError(f"count must be a whole number, the template gave {rendered!r}")
            count = int(rendered)
        record(count=count)
        for index in range(1, count + 1):
            await iteration(index, last=index == count)
    elif "for_each" in repeat:
        items = render(repeat["for_each"], values)
        if not isinstance(items, list):
            raise ValueError(f"for_each must give a list, it gave {items!r}")
        record(items=len(items))
        for index, item in enumerate(items, 1):
            await iteration(index, last=index == len(items), item=item)
    elif "while" in repeat:
        for index in _counting():
            scope_values = {**variables.flat(), "repeat": {"first": index == 1, "index": index}}
            if not parts["while"](scope_values, run.trace):
                break
            await iteration(index)
    else:
        for index in _counting():
            await iteration(index)
            scope_values = {**variables.flat(), "repeat": {"first": index == 1, "index": index}}
            if parts["until"](scope_values, run.trace):
                break


def _counting() -> Iterator[int]:
    index = 1
    while True:
        yield index
        index += 1


async def _choose(run: Run, step: Step, variables: Variables) -> None:
    values = variables.flat()
    for index, (conditions, sequence) in enumerate(step.parts["options"]):
        if conditions(values, run.trace):
            record(choice=index)
            await run._sequence(sequence, variables.child())
            return
    if step.parts["default"] is not None:
        record(choice="default")
        await run._sequence(step.parts["default"], variables.child())
    else:
        record(choice=None)


async def _if(run: Run, step: Step, variables: Variables) -> None:
    if step.parts["if"](variables.flat(), run.trace):
        record(choice="then")
        await run._sequence(step.parts["then"], variables.child())
    elif step.parts["else"] is not None:
        record(choice="else")
        await run._sequence(step.parts["else"], variables.child())
    else:
        record(choice=None)


async def _variables(run: Run, step: Step, variables: Variables) -> None:
    for name, value in step.config["variables"].items():
        variables.set(name, render(value, variables.flat()) if has_template(value) else value)


async def _stop(run: Run, step: Step, variables: Variables) -> None:
    """Ends the run; with ``response_variable``, answering that variable's value to the caller
    (only a script has a caller to answer, as in Home Assistant)."""
    config = step.config
    record(stop=config["stop"], error=config["error"])
    response = None
    if not config["error"] and "response_variable" in config:
        name = config["response_variable"]
        response = variables.get(name, _UNDEFINED)
        if response is _UNDEFINED:
            raise AbortRun(f"{step.path}: response variable '{name}' is not defined")
    raise StopRun(config["stop"], config["error"], response)


async def _parallel(run: Run, step: Step, variables: Variables) -> None:
    """Run the branches at once; wait for all; then the first error (if any) ends the step."""
    branches = step.parts["branches"]
    if not branches:
        return
    activity = run.activity
    remaining = len(branches)

    async def branch(sequence: list[Step]) -> None:
        nonlocal remaining
        try:
            await run._sequence(sequence, variables.child())
        finally:
            remaining -= 1
            if remaining:  # the last branch hands its turn back to the step that waits
                activity.end()

    loop = asyncio.get_running_loop()
    for _ in branches:
        activity.begin()
    tasks = [loop.create_task(branch(sequence), name=f"{run.name} {step.path}") for sequence in branches]
    activity.end()  # this path now only waits for the branches
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _sequence(run: Run, step: Step, variables: Variables) -> None:
    await run._sequence(step.parts["sequence"], variables.child())


_HANDLERS: dict[str, Callable[[Run, Step, Variables], Awaitable[None]]] = {
    "call_service": _call_service,
    "event": _event,
    "delay": _delay,
    "wait_template": _wait_template,
    "wait_for_trigger": _wait_for_trigger,
    "repeat": _repeat,
    "choose": _choose,
    "if": _if,
    "variables": _variables,
    "stop": _stop,
    "parallel": _parallel,
    "sequence": _sequence,
}

__all__ = ["AbortRun", "Run", "Script", "Step", "StepFailed", "StopRun", "Variables"]
