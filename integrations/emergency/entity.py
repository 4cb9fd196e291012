"""``emergency.<plan>``: each plan as an entity, ``standby`` or ``active``, with who started it,
why, and every action's outcome, so the dashboard, automations and history see an emergency."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import Entity

from .const import DOMAIN, PlanState
from .models import tally

if TYPE_CHECKING:
    from .models import Activation, Plan


class PlanEntity(Entity):
    domain = DOMAIN
    _attr_icon = "mdi:alarm-light"

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.activation: Activation | None = None
        self._attr_name = plan.name
        self._attr_unique_id = f"emergency_{plan.id}"
        self._attr_suggested_object_id = plan.id

    @property
    def state(self) -> str:
        return PlanState.ACTIVE if self.activation is not None else PlanState.STANDBY

    def _iso(self, epoch: float | None) -> str | None:
        assert self.hub is not None
        return None if epoch is None else datetime.fromtimestamp(epoch, self.hub.clock.tz).isoformat(timespec="seconds")

    def domain_attributes(self) -> dict[str, Any]:
        found = self.activation
        base: dict[str, Any] = {"plan": self.plan.id, "kind": self.plan.kind.value,
                                "steps": [step.text for step in self.plan.steps]}
        if found is None:
            return base
        return {**base, "activated_at": self._iso(found.activated_at), "activated_by": found.activated_by,
                "reason": found.reason, "outcomes": tally(found.results),
                "failed": [r.target for r in found.results if r.outcome == "failed"],
                "input_changes": found.input_changes}

    def changed(self, activation: Activation | None) -> None:
        self.activation = activation
        if self.hub is not None and self.entity_id is not None:
            self.write_state()
