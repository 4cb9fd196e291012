"""What a render read: the entities, domains and clock a template depends on.

A template trigger (``{{ states('sensor.water_level') | float(0) > 80 }}``) only needs
re-rendering when something it read changes. Each render records what the state helpers
touched, as Home Assistant's ``RenderInfo`` does, so the automation engine can listen to
exactly those entities instead of re-rendering on every state change in the community.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.template.limits import current_budget

if TYPE_CHECKING:
    from xiaoqu.core.template.errors import TemplateError


@dataclass(slots=True)
class RenderInfo:
    """The outcome of one render and what it depended on.

    - ``entities``: entity ids read by ``states()``, ``is_state()``, ``state_attr()``,
      ``has_value()``, ``states.door.east`` and the like (read even when missing, so the
      template re-renders when the entity appears);
    - ``domains``: domains iterated (``states.door``, ``states.door | count``);
    - ``all_states``: the whole ``states`` was iterated or counted;
    - ``uses_time``: ``now()``, ``utcnow()``, ``today_at()`` or ``relative_time()`` was
      called, so the result can change with the clock alone (re-render each minute).
    """

    template: str
    result: Any = None
    error: TemplateError | None = None
    entities: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    all_states: bool = False
    uses_time: bool = False

    def depends_on(self, entity_id: str) -> bool:
        """Whether a change of ``entity_id`` can change this template's result."""
        return (
            self.all_states
            or entity_id in self.entities
            or entity_id.partition(".")[0] in self.domains
        )

    @property
    def static(self) -> bool:
        """Nothing in the hub can change the result (no state read, no clock)."""
        return not (self.entities or self.domains or self.all_states or self.uses_time)


def record_entity(entity_id: str) -> None:
    """Note that the running render read ``entity_id``.

    Plugin helpers that read ``hub.states`` themselves call this, so templates using them
    are re-rendered when that entity changes.
    """
    budget = current_budget()
    if budget is not None and budget.info is not None:
        budget.info.entities.add(entity_id)


def record_domain(domain: str) -> None:
    budget = current_budget()
    if budget is not None and budget.info is not None:
        budget.info.domains.add(domain)


def record_all_states() -> None:
    budget = current_budget()
    if budget is not None and budget.info is not None:
        budget.info.all_states = True


def record_time() -> None:
    budget = current_budget()
    if budget is not None and budget.info is not None:
        budget.info.uses_time = True
