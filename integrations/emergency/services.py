"""The emergency services, one table: the contract's ``activate`` and ``stand_down``; the plans
with their state; drills recorded and listed; the supplies; the contact tree."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .const import (
    AUDIT_DRILL,
    EVENT_DRILL_RECORDED,
    SERVICE_ACTIVATE,
    SERVICE_CONTACTS,
    SERVICE_DRILLS,
    SERVICE_PLANS,
    SERVICE_RECORD_DRILL,
    SERVICE_STAND_DOWN,
    SERVICE_SUPPLIES,
)
from .runtime import get_emergency
from .schema import DRILL_SCHEMA, DRILLS_SCHEMA, EMPTY_SCHEMA, PLAN_CALL_SCHEMA
from .views import plan_row


async def activate(call: ServiceCall) -> dict[str, Any]:
    return await get_emergency(call.hub).plans.activate(call.data["plan"], call.data.get("reason"), call.context)


async def stand_down(call: ServiceCall) -> dict[str, Any]:
    return await get_emergency(call.hub).plans.stand_down(call.data["plan"], call.data.get("reason"), call.context)


def plans(call: ServiceCall) -> dict[str, Any]:
    emergency = get_emergency(call.hub)
    return {"plans": [plan_row(emergency, plan) for plan in emergency.plans.plans.values()]}


async def record_drill(call: ServiceCall) -> dict[str, Any]:
    emergency = get_emergency(call.hub)
    plan = emergency.plans.plan(call.data["plan"])
    drill = await emergency.drills.record(plan, call.data, emergency.plans.who(call.context), call.hub.clock.time())
    get_auth(call.hub).record(AUDIT_DRILL, call.context, drill=drill["id"], plan=plan.id, date=drill["date"])
    call.hub.bus.fire(EVENT_DRILL_RECORDED, {"drill": drill["id"], "plan": plan.id, "date": drill["date"],
                                             "passed": drill["passed"]}, context=call.context)
    return drill


def drills(call: ServiceCall) -> dict[str, Any]:
    return {"drills": get_emergency(call.hub).drills.list(call.data.get("plan"))}


def supplies(call: ServiceCall) -> dict[str, Any]:
    return {"supplies": get_emergency(call.hub).supplies.rows()}


def contacts(call: ServiceCall) -> dict[str, Any]:
    return {"tree": get_emergency(call.hub).contact_tree()}


SERVICES: Final = [
    ServiceSpec(SERVICE_ACTIVATE, activate, PLAN_CALL_SCHEMA,
                "Start a plan: its actions done at once, each outcome recorded; latched until stood down",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_STAND_DOWN, stand_down, PLAN_CALL_SCHEMA,
                "End a plan by its controlled return to normal (doors to their schedule, gates closed, all-clear)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_PLANS, plans, EMPTY_SCHEMA, "Every plan: its steps, actions and whether it is active",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_RECORD_DRILL, record_drill, DRILL_SCHEMA,
                "Record a drill: the plan, date, participants, seconds per step and findings; evaluated per step",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_DRILLS, drills, DRILLS_SCHEMA, "The drills recorded, newest first", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_SUPPLIES, supplies, EMPTY_SCHEMA, "The emergency supplies with their days to expiry",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_CONTACTS, contacts, EMPTY_SCHEMA, "The contact tree, with who is on duty now",
                SupportsResponse.ONLY),
]
