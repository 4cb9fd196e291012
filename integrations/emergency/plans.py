"""Activating and standing down a plan: who may, what is done, what is kept.

A plan is **latched**: once active it stays active until a person stands it down, whatever
called it or whatever its input does afterwards. Activating an active plan changes nothing and
says so (``already: true``); standing down a plan that is not active is refused. Each act is in
the audit log, fires ``emergency.activated`` / ``emergency.stood_down`` with who and why and the
outcome of every action, and is kept in the ``emergency`` store so a restart still knows an
emergency is on (the doors stay as the door integration left them; the gates are held again).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from tinydb import Query

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError, Unauthorized

from . import actions
from .const import (
    AUDIT_ACTIVATE,
    AUDIT_REFUSED,
    AUDIT_STAND_DOWN,
    DOMAIN,
    EVENT_ACTIVATED,
    EVENT_STOOD_DOWN,
    PERMISSION_ANY_PLAN,
)
from .models import Activation, Plan, tally

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.storage import Table

    from .entity import PlanEntity
    from .holding import GateHold

_LOGGER = logging.getLogger(__package__)


class Plans:
    def __init__(self, hub: Hub, plans: dict[str, Plan], entities: dict[str, PlanEntity], hold: GateHold,
                 table: Table, history: Table) -> None:
        self.hub = hub
        self.plans = plans
        self.entities = entities
        self.hold = hold
        self._table = table
        self._history = history
        self.active: dict[str, Activation] = {}
        #: Held while a plan's actions or its restore run: a stand-down arriving while the
        #: activation still opens gates waits for it, so it undoes everything the plan did
        #: (else the gates it holds after the stand-down's release stay held with no plan on).
        self._acting: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def load(self) -> None:
        """The plans active when the hub stopped are active again; their gates held again."""
        for document in self._table.all():
            activation = Activation.from_dict(dict(document))
            if activation.plan in self.plans:
                self.active[activation.plan] = activation
                self.entities[activation.plan].changed(activation)
                for act in self.plans[activation.plan].actions:
                    if "open_barriers" in act:
                        self.hold.hold(actions.gate_ids(self._run(activation.plan, ""), act["open_barriers"]))

    # --- who -----------------------------------------------------------------------------

    def plan(self, plan_id: str) -> Plan:
        plan = self.plans.get(plan_id)
        if plan is None:
            there = ", ".join(sorted(self.plans)) or "none"
            raise ServiceValidationError(f"plan: no plan {plan_id!r}; the plans are: {there}")
        return plan

    def who(self, context: Context) -> str:
        user = get_auth(self.hub).manager.user(context.user_id)
        return user.name if user is not None else context.source or "hub"

    def check_may(self, plan: Plan, context: Context, act: str) -> None:
        """A person needs ``emergency.any_plan`` or a role the plan names; the hub's own calls
        (automations, the fire-alarm input) may."""
        auth = get_auth(self.hub)
        user = auth.manager.user(context.user_id)
        if user is None or auth.allows(user, PERMISSION_ANY_PLAN) or user.role in plan.roles:
            return
        auth.record(AUDIT_REFUSED, context, plan=plan.id, refused=act)
        raise Unauthorized(f"emergency.{act}: the {plan.id} plan is for "
                           f"{', '.join(['manager', *plan.roles])}; {user.name} is {user.role}")

    def may(self, plan: Plan, role: str) -> bool:
        return get_auth(self.hub).permissions.allows(role, PERMISSION_ANY_PLAN) or role in plan.roles

    # --- acts ------------------------------------------------------------------------------

    def _run(self, plan_id: str, reason: str, parent: Context | None = None) -> actions.Run:
        context = Context(source=f"{DOMAIN}:{plan_id}", parent_id=parent.id if parent is not None else None)
        return actions.Run(self.hub, context, reason, self.hold, time.perf_counter())

    async def activate(self, plan_id: str, reason: str | None, context: Context) -> dict[str, Any]:
        plan = self.plan(plan_id)
        self.check_may(plan, context, "activate")
        found = self.active.get(plan_id)
        if found is not None:
            return {"plan": plan_id, "already": True, "activated_by": found.activated_by,
                    "outcomes": tally(found.results)}
        by = self.who(context)
        activation = Activation(plan_id, self.hub.clock.time(), by, reason)
        self.active[plan_id] = activation
        self.entities[plan_id].changed(activation)
        get_auth(self.hub).record(AUDIT_ACTIVATE, context, plan=plan_id, reason=reason)
        _LOGGER.warning("emergency: %s plan activated by %s (%s)", plan_id, by, reason or "no reason given")
        words = f"emergency {plan_id}: {reason}" if reason else f"emergency {plan_id}"
        async with self._acting[plan_id]:
            activation.results = await actions.perform(self._run(plan_id, words, context), plan.actions)
            self.entities[plan_id].changed(activation)
            await self._table.upsert(activation.as_dict(), Query().plan == plan_id)
            data = {"plan": plan_id, "kind": plan.kind.value, "by": by, "reason": reason,
                    "outcomes": tally(activation.results), "results": [r.as_dict() for r in activation.results]}
            self.hub.bus.fire(EVENT_ACTIVATED, data, context=context)
        return {**data, "already": False}

    async def stand_down(self, plan_id: str, reason: str | None, context: Context) -> dict[str, Any]:
        plan = self.plan(plan_id)
        self.check_may(plan, context, "stand_down")
        activation = self.active.get(plan_id)
        if activation is None:
            raise ServiceValidationError(f"plan: the {plan_id} plan is not active")
        if context.user_id is None and plan.moves_devices:
            raise Unauthorized(f"emergency.stand_down: the {plan_id} plan holds doors or gates open; a person "
                               "stands it down (with a reason), never an automation or an input going off")
        async with self._acting[plan_id]:
            if self.active.get(plan_id) is not activation:
                raise ServiceValidationError(f"plan: the {plan_id} plan was stood down meanwhile")
            return await self._stand_down(plan, activation, reason, context)

    async def _stand_down(self, plan: Plan, activation: Activation, reason: str | None,
                          context: Context) -> dict[str, Any]:
        plan_id = plan.id
        by = self.who(context)
        activation.stood_down_at, activation.stood_down_by = self.hub.clock.time(), by
        activation.stand_down_reason = reason
        get_auth(self.hub).record(AUDIT_STAND_DOWN, context, plan=plan_id, reason=reason)
        words = f"stand down {plan_id}: {reason}" if reason else f"stand down {plan_id}"
        activation.return_results = await actions.perform(self._run(plan_id, words, context), plan.restore)
        del self.active[plan_id]
        self.entities[plan_id].changed(None)
        await self._table.remove(Query().plan == plan_id)
        await self._history.insert(activation.as_dict())
        data = {"plan": plan_id, "kind": plan.kind.value, "by": by, "reason": reason,
                "active_seconds": round(activation.stood_down_at - activation.activated_at, 1),
                "outcomes": tally(activation.return_results),
                "results": [r.as_dict() for r in activation.return_results]}
        self.hub.bus.fire(EVENT_STOOD_DOWN, data, context=context)
        return data

    def past(self, limit: int = 20) -> list[Activation]:
        """The last activations stood down, newest first."""
        done = [Activation.from_dict(dict(d)) for d in self._history.all()]
        return sorted(done, key=lambda a: a.activated_at, reverse=True)[:limit]
