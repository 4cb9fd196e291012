"""A plan as the services and the pages show it."""
from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .models import tally

if TYPE_CHECKING:
    from .models import Plan
    from .runtime import Emergency


def plan_row(emergency: Emergency, plan: Plan) -> dict[str, Any]:
    activation = emergency.plans.active.get(plan.id)
    return {"id": plan.id, "name": plan.name, "kind": plan.kind.value, "roles": ["manager", *plan.roles],
            "active": activation is not None, "steps": [asdict(step) for step in plan.steps],
            "actions": [next(iter(act)) for act in plan.actions],
            "return": [next(iter(act)) for act in plan.restore],
            "activation": activation.as_dict() if activation is not None else None,
            "outcomes": tally(activation.results) if activation is not None else {}}
