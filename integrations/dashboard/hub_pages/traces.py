"""A run of an automation as staff read it, as Home Assistant's trace view shows it: what
triggered it, each condition and whether it passed, each step with its time, what it did and
its error, read from the run's trace (core/automation/trace.py) and the automation's config.

Each element of a trace names its place in the automation (``action/1/choose/0/sequence/0``);
the step's config found there says what the step is (call ``notify.guard_room``, test a
template), so a step is shown by what it does rather than by its path.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.trace import jsonable
from xiaoqu.core.masking import masked
from xiaoqu.core.template import Template

from ..registry import N_

if TYPE_CHECKING:
    from xiaoqu.core.automation.trace import Trace, TraceElement

    from ..request import PageRequest

#: A path's first part, and the key of the automation's config it is in.
SECTIONS: Final = {"trigger": "triggers", "condition": "conditions", "action": "actions"}
#: What a step of each kind is called (the first of its config's keys found here), and which of
#: its config's values says what it does.
KINDS: Final = (
    ("action", N_("Call a service"), "action"), ("condition", N_("Test a condition"), "condition"),
    ("delay", N_("Wait"), "delay"), ("wait_template", N_("Wait for a template"), "wait_template"),
    ("wait_for_trigger", N_("Wait for a trigger"), None), ("event", N_("Fire an event"), "event"),
    ("choose", N_("Choose"), None), ("if", N_("If"), None), ("repeat", N_("Repeat"), None),
    ("parallel", N_("In parallel"), None), ("sequence", N_("Sequence"), None), ("stop", N_("Stop"), "stop"),
    ("variables", N_("Set variables"), None),
)
#: A condition's own keys that say what it tests, in the order they are looked for.
CONDITION_SUBJECTS: Final = ("entity_id", "value_template", "id", "after", "before", "weekday")
#: How each run ended, as Home Assistant's trace says it.
OUTCOMES: Final = {
    "finished": N_("finished"), "failed_conditions": N_("stopped: a condition failed"),
    "failed_single": N_("not run: already running (single)"), "failed_max_runs": N_("not run: too many runs"),
    "aborted": N_("aborted"), "cancelled": N_("cancelled"), "error": N_("error"), "running": N_("running"),
}
#: Details of an element already shown elsewhere on its line.
SHOWN: Final = frozenset({"result", "alias", "description"})


@dataclass(frozen=True, slots=True)
class Step:
    """One element of a run: a trigger, a condition's check or an action's step."""

    section: str
    path: str
    depth: int
    what: str
    subject: str
    time: float
    offset: float
    passed: bool | None
    details: list[tuple[str, str]]
    error: str | None
    variables: str | None


def config_at(config: Mapping[str, Any], path: str) -> Any:
    """The part of an automation's config a trace path names; None when it is not there (a
    manual trigger, a config changed since the run)."""
    first, *rest = path.split("/")
    node: Any = config.get(SECTIONS.get(first, first))
    for part in rest:
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, Mapping) and part.isdigit():
            continue  # a parallel branch is one step, run as a sequence of one
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node


def _subject(kind: str, key: str | None, config: Mapping[str, Any]) -> str:
    if kind == "condition":
        found = next((config[name] for name in CONDITION_SUBJECTS if name in config), None)
        return f"{config['condition']} {_text(found)}" if found is not None else str(config["condition"])
    return _text(config.get(key)) if key is not None and key in config else ""


def _describe(page: PageRequest, config: Any) -> tuple[str, str]:
    """What a step is called and what it acts on: ("Call a service", "notify.guard_room")."""
    if not isinstance(config, Mapping):
        return "", ""
    for kind, name, key in KINDS:
        if kind in config:
            label = page.gettext(name)
            return (f"{config['alias']} ({label})" if config.get("alias") else label), _subject(kind, key, config)
    return str(config.get("alias") or ""), ""


def _text(value: Any, indent: int | None = None) -> str:
    """A value as text, personal data in it masked: words as they are, the rest as JSON (in one
    line unless ``indent``); a template as it is written."""
    value = _written(value)
    if isinstance(value, str):
        return masked(value)
    return masked(json.dumps(jsonable(value), ensure_ascii=False, indent=indent,
                             separators=None if indent else (", ", ": ")))


def _written(value: Any) -> Any:
    """``value`` with each template in it as its text (a config holds them compiled)."""
    if isinstance(value, Template):
        return value.text
    if isinstance(value, Mapping):
        return {key: _written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_written(item) for item in value]
    return value


def _step(page: PageRequest, config: Mapping[str, Any], trace: Trace, element: TraceElement) -> Step:
    section = element.path.partition("/")[0]
    if section == "trigger":
        what, subject = page.gettext("Triggered"), _text(element.result.get("description") or trace.trigger)
    else:
        what, subject = _describe(page, config_at(config, element.path))
    result = element.result.get("result")
    variables = element.changed_variables
    return Step(
        section=section, path=element.path, depth=min((element.path.count("/") - 1) // 2, 4), what=what or element.path,
        subject=subject, time=element.time, offset=element.time - trace.start,
        passed=result if isinstance(result, bool) else None,
        details=[(name, text) for name, value in element.result.items()
                 if name not in SHOWN and (text := _text(value)) != subject],
        error=masked(element.error) if element.error else None,
        variables=_text(variables, indent=2) if variables else None,
    )


def steps(page: PageRequest, config: Mapping[str, Any], trace: Trace) -> list[Step]:
    """The run's elements in the order they happened."""
    return [_step(page, config, trace, element) for element in trace.elements]


def outcome(page: PageRequest, trace: Trace) -> str:
    execution = "running" if trace.running else trace.execution or "finished"
    return page.gettext(OUTCOMES[execution]) if execution in OUTCOMES else execution


def summary(page: PageRequest, trace: Trace) -> dict[str, Any]:
    """A run in a line: when, what triggered it, how it ended and how long it took. ``failed``
    only when a step raised: a run stopped by a condition or a ``stop`` says why, as no fault."""
    return {"run_id": trace.run_id, "start": trace.start, "finish": trace.finish, "trigger": _text(trace.trigger),
            "outcome": outcome(page, trace), "error": masked(trace.error) if trace.error else None,
            "failed": trace.execution == "error",
            "duration": None if trace.finish is None else trace.finish - trace.start}
