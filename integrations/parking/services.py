"""The parking services, one table: the fee, a payment, the sessions, the occupancy, a guard's
release, the reports."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import Unauthorized
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import reports, staff
from .const import (
    PERMISSION_INCOME,
    SERVICE_FEE,
    SERVICE_OPEN_GATE,
    SERVICE_PAY,
    SERVICE_REPORT,
    SERVICE_SESSIONS,
    SERVICE_SET_OCCUPANCY,
)
from .runtime import get_parking
from .schema import FEE_SCHEMA, OPEN_GATE_SCHEMA, PAY_SCHEMA, REPORT_SCHEMA, SESSIONS_SCHEMA, SET_OCCUPANCY_SCHEMA


def fee(call: ServiceCall) -> dict[str, Any]:
    """``{"fee_fen", "explanation"}``: the lot's tariff for the stay, line by line."""
    data = call.data
    priced = staff.fee(get_parking(call.hub), data["lot"], data["entered_at"], data["exited_at"])
    return {"fee_fen": priced.fen, "explanation": priced.explanation, "lines": priced.lines, "rule": priced.rule}


async def pay(call: ServiceCall) -> dict[str, Any]:
    """``{"paid_fen", "session_id"}``; a repeated ``payment_id`` changes nothing."""
    data = call.data
    return await get_parking(call.hub).pay(amount_fen=data["amount_fen"], payment_id=data["payment_id"],
                                           method=data["method"], session_id=data.get("session_id"),
                                           plate=data.get("plate"), context=call.context)


def sessions(call: ServiceCall) -> dict[str, Any]:
    data = dict(call.data)
    parking = get_parking(call.hub)
    session_id = data.pop("session_id", None)
    if session_id is not None:
        found = [s for s in (parking.sessions.by_id.get(session_id),) if s is not None]
    else:
        found = list(parking.find(**data))
    return {"sessions": [session.as_response(call.hub.clock.tz) for session in found]}


def set_occupancy(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return staff.set_occupancy(get_parking(call.hub), data["lot"], data["occupied"], data.get("temporary"),
                               data["reason"], call.context)


async def open_gate(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await staff.open_gate(get_parking(call.hub), data["lane"], data["reason"], data.get("plate"), call.context)


async def report(call: ServiceCall) -> dict[str, Any]:
    """A report (``reports.build``) as a dict; the income only to a role with ``parking.report_income``."""
    data = call.data
    user_id = call.context.user_id
    if data["kind"] == "income_by_method" and user_id is not None:
        auth = get_auth(call.hub)
        user = auth.manager.user(user_id)
        if user is None or not auth.allows(user, PERMISSION_INCOME):
            role = "" if user is None else f" (role {user.role})"
            raise Unauthorized(f"kind: user {user.name if user else user_id}{role} may not see parking income "
                               f"({PERMISSION_INCOME})")
    built = await reports.build(call.hub, data["kind"], lot=data.get("lot"), start=data.get("start"),
                                end=data.get("end"), long_stay_hours=data.get("long_stay_hours"))
    return built.as_dict()


SERVICES: Final = [
    ServiceSpec(SERVICE_FEE, fee, FEE_SCHEMA, "What a stay in a lot costs by its tariff, explained line by line",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_PAY, pay, PAY_SCHEMA,
                "Record a payment toward a car's session (at the booth, or in advance); a repeated payment_id "
                "changes nothing; a car at an exit that owes nothing more is let out", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_SESSIONS, sessions, SESSIONS_SCHEMA,
                "Cars' sessions, newest first, by lot, plate, status, kind or those waiting for the guard",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_SET_OCCUPANCY, set_occupancy, SET_OCCUPANCY_SCHEMA,
                "Set a lot's count of cars after a walk round, with the reason (audited)", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_OPEN_GATE, open_gate, OPEN_GATE_SCHEMA,
                "Raise a lane's arm by hand with the reason (audited): the car waiting there let in or out as "
                "released by the guard", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REPORT, report, REPORT_SCHEMA,
                "A report: the cars inside a lot now, sessions by day, income by payment method (finance), or "
                "the cars in longer than long_stay_hours; each says how its figures were made",
                SupportsResponse.ONLY),
]
