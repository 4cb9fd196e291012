"""The payments services, one table: make an order, list orders, list flagged payments."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .const import SERVICE_CREATE_ORDER, SERVICE_FLAGGED, SERVICE_ORDERS
from .payments import Payments
from .runtime import get_payments
from .schema import CREATE_ORDER_SCHEMA, FLAGGED_SCHEMA, ORDERS_SCHEMA


async def create_order(call: ServiceCall) -> dict[str, Any]:
    payments = get_payments(call.hub)
    data = call.data
    order = await payments.create_order(
        data.get("order_id") or Payments.new_order_id(), data["amount_fen"], data["description"],
        purpose=data["purpose"], reference=data["reference"], provider=data.get("provider"),
    )
    return order.as_response(call.hub.clock.tz)


def orders(call: ServiceCall) -> dict[str, Any]:
    payments = get_payments(call.hub)
    data = call.data
    found = payments.book.orders(status=data.get("status"), purpose=data.get("purpose"),
                                 reference=data.get("reference"), limit=data["limit"])
    return {"orders": [order.as_response(call.hub.clock.tz) for order in found]}


def flagged(call: ServiceCall) -> dict[str, Any]:
    payments = get_payments(call.hub)
    return {"flagged": [flag.as_response(call.hub.clock.tz) for flag in payments.book.flags(call.data["limit"])]}


SERVICES: Final = [
    ServiceSpec(SERVICE_CREATE_ORDER, create_order, CREATE_ORDER_SCHEMA,
                "Make an order at a payment provider: its pay URL and QR payload; paid once, announced by "
                "payment_received", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_ORDERS, orders, ORDERS_SCHEMA, "Orders, newest first, by status, purpose or reference",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_FLAGGED, flagged, FLAGGED_SCHEMA,
                "Payments that paid no order (wrong amount, unknown or already-paid order), for staff to settle",
                SupportsResponse.ONLY),
]
