"""The plans, and what one activation of a plan did: each action's outcome per target."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .const import DEFAULT_FIRE_PLAN, PlanKind


@dataclass(frozen=True, slots=True)
class Step:
    """What a person does, who does it, and how long it should take (drills are measured against it)."""

    text: str
    responsible: str
    target_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    kind: PlanKind
    #: Roles that may activate and stand down this plan besides those with ``emergency.any_plan``.
    roles: tuple[str, ...]
    steps: tuple[Step, ...]
    #: What the system does on activation, in order: ``{key: data}`` as schema.ACTIONS checks them.
    actions: tuple[dict[str, Any], ...]
    #: The controlled return to normal, in order.
    restore: tuple[dict[str, Any], ...]

    @classmethod
    def from_config(cls, plan_id: str, conf: dict[str, Any]) -> Plan:
        kind = PlanKind(conf["kind"])
        # a fire is for whoever is at the guard room: guards may start and end it unless the site says otherwise
        roles = conf.get("roles", ["guard"] if plan_id == DEFAULT_FIRE_PLAN or kind is PlanKind.FIRE else [])
        return cls(plan_id, conf.get("name", plan_id), kind, tuple(roles),
                   tuple(Step(**step) for step in conf["steps"]), tuple(conf["actions"]), tuple(conf["return"]))

    @property
    def moves_devices(self) -> bool:
        """Its actions hold doors or gates open: only a person ends that (docs/emergency.md)."""
        return any("unlock_doors" in act or "open_barriers" in act for act in self.actions)

    def displays(self) -> list[str]:
        """The displays this plan's actions switch (cleared on the return to normal)."""
        return [display for act in self.actions if "display" in act for display in act["display"]["displays"]]


@dataclass(slots=True)
class Result:
    """One action on one target: ``confirmed``, ``sent``, ``failed`` or ``skipped``, with why."""

    action: str
    target: str
    outcome: str
    detail: str
    #: Seconds from the activation (or stand-down) to this outcome, on the hub's wall clock.
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Activation:
    """A plan's activation, from the call to its stand-down."""

    plan: str
    activated_at: float
    activated_by: str
    reason: str | None
    results: list[Result] = field(default_factory=list)
    stood_down_at: float | None = None
    stood_down_by: str | None = None
    stand_down_reason: str | None = None
    return_results: list[Result] = field(default_factory=list)
    #: Fire-alarm input changes that arrived while the plan was latched (flaps, the input going off).
    input_changes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.plan, "activated_at": self.activated_at, "activated_by": self.activated_by,
                "reason": self.reason, "results": [r.as_dict() for r in self.results],
                "stood_down_at": self.stood_down_at, "stood_down_by": self.stood_down_by,
                "stand_down_reason": self.stand_down_reason,
                "return_results": [r.as_dict() for r in self.return_results], "input_changes": self.input_changes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Activation:
        fields = dict(data)
        fields["results"] = [Result(**r) for r in data.get("results", [])]
        fields["return_results"] = [Result(**r) for r in data.get("return_results", [])]
        return cls(**fields)


def tally(results: list[Result]) -> dict[str, int]:
    """How many targets each outcome has (the event's and the page's summary)."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
