"""The visitors services, one table: the contract's ``register`` and ``confirm``, and closing a
visit, the log, a pass shown again and the visitor's data in clear (audited)."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import log
from .callers import caller_of
from .const import SERVICE_CHECKOUT, SERVICE_CONFIRM, SERVICE_LOG, SERVICE_PASS, SERVICE_REGISTER, SERVICE_REVEAL
from .runtime import get_visitors
from .schema import CHECKOUT_SCHEMA, CONFIRM_SCHEMA, LOG_SCHEMA, REGISTER_SCHEMA, REVEAL_SCHEMA, VISIT_SCHEMA


async def register(call: ServiceCall) -> dict[str, Any]:
    visitors = get_visitors(call.hub)
    visit = await visitors.register(call.data, caller_of(call.hub, call.context))
    return {"visit_id": visit.id, "visit": visitors.response(visit)}


async def confirm(call: ServiceCall) -> dict[str, Any]:
    """The host's answer (a resident: their own household's visits only), or staff's with a reason."""
    visitors = get_visitors(call.hub)
    caller = caller_of(call.hub, call.context)
    visit, token = await visitors.answer(call.data["visit_id"], call.data["accept"], caller, call.data.get("reason"))
    answer: dict[str, Any] = {"visit_id": visit.id, "status": visit.status, "visit": visitors.response(visit)}
    if token is not None and caller.is_staff:
        answer["token"] = token  # the guard shows the visitor the pass; the host gets it on their topic
    return answer


async def checkout(call: ServiceCall) -> dict[str, Any]:
    visitors = get_visitors(call.hub)
    visit = await visitors.checkout(call.data["visit_id"], caller_of(call.hub, call.context), call.data.get("reason"))
    return {"visit_id": visit.id, "status": visit.status, "visit": visitors.response(visit)}


def visitor_log(call: ServiceCall) -> dict[str, Any]:
    visitors = get_visitors(call.hub)
    caller = caller_of(call.hub, call.context)
    return {"visits": [visitors.response(visit) for visit in log.find(visitors, call.data, caller.household)]}


def show_pass(call: ServiceCall) -> dict[str, Any]:
    return get_visitors(call.hub).show_pass(call.data["visit_id"], caller_of(call.hub, call.context))


def reveal(call: ServiceCall) -> dict[str, Any]:
    value = get_visitors(call.hub).reveal(call.data["visit_id"], call.data["field"], caller_of(call.hub, call.context))
    return {"visit_id": call.data["visit_id"], "field": call.data["field"], "value": value}


SERVICES: Final = [
    ServiceSpec(SERVICE_REGISTER, register, REGISTER_SCHEMA,
                "Register a visitor at the gate for a household; the household is asked to confirm",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_CONFIRM, confirm, CONFIRM_SCHEMA,
                "Confirm or refuse a visit: its host household, or staff for the host with a reason",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_CHECKOUT, checkout, CHECKOUT_SCHEMA,
                "Close a visit: the visitor left (unseen) or gave up; their passes end now",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_LOG, visitor_log, LOG_SCHEMA,
                "The visitor log, newest first, by household, day or period, plate and status (masked)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_PASS, show_pass, VISIT_SCHEMA,
                "A confirmed visitor's QR pass again, for the guard to show them (audited)", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_REVEAL, reveal, REVEAL_SCHEMA,
                "A visitor's name or phone in clear (audited as the caller's read)", SupportsResponse.ONLY),
]
