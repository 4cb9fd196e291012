"""Drills: a plan rehearsed, recorded with who took part, how long each step took and what was
found; each step judged against its plan's ``target_seconds`` so the record says what to work on.

The evaluation's rule, per step: ``within`` when it took no longer than its target, ``over``
(with the seconds over) when it took longer, ``no target`` when the plan sets none, and
``not done`` for a plan step the drill did not time. The drill passes when no step is over or
not done.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import ServiceValidationError

if TYPE_CHECKING:
    from xiaoqu.core.storage import Table

    from .models import Plan


def evaluate(plan: Plan, timed: list[dict[str, Any]]) -> dict[str, Any]:
    """Each plan step against its target, and whether the drill passed."""
    seconds = {entry["step"]: float(entry["seconds"]) for entry in timed}
    extra = sorted(set(seconds) - set(range(1, len(plan.steps) + 1)))
    if extra:
        raise ServiceValidationError(f"steps: the {plan.id} plan has {len(plan.steps)} steps; no step {extra[0]}")
    steps: list[dict[str, Any]] = []
    for number, step in enumerate(plan.steps, 1):
        took = seconds.get(number)
        if took is None:
            verdict, over = "not done", None
        elif step.target_seconds is None:
            verdict, over = "no target", None
        else:
            over = max(0.0, took - step.target_seconds)
            verdict = "over" if over > 0 else "within"
        steps.append({"step": number, "text": step.text, "responsible": step.responsible, "seconds": took,
                      "target_seconds": step.target_seconds, "verdict": verdict, "over_seconds": over})
    failing = [s for s in steps if s["verdict"] in ("over", "not done")]
    total = sum(seconds.values())
    why = ("every step timed within its target" if not failing else
           "; ".join(f"step {s['step']} {s['verdict']}" + (f" by {s['over_seconds']:g} s" if s["over_seconds"] else "")
                     for s in failing))
    return {"passed": not failing, "total_seconds": total, "steps": steps, "explanation": why}


class Drills:
    def __init__(self, table: Table) -> None:
        self._table = table

    async def record(self, plan: Plan, data: Mapping[str, Any], by: str, now: float) -> dict[str, Any]:
        evaluation = evaluate(plan, data["steps"])
        drill = {"id": f"D{len(self._table) + 1:05d}", "plan": plan.id, "date": data["date"],
                 "participants": list(data["participants"]), "findings": data.get("findings", ""),
                 "recorded_by": by, "recorded_at": now, **evaluation}
        await self._table.insert(drill)
        return drill

    def list(self, plan: str | None = None) -> list[dict[str, Any]]:
        found = [dict(d) for d in self._table.all() if plan is None or d["plan"] == plan]
        return sorted(found, key=lambda d: (d["date"], d["id"]), reverse=True)
