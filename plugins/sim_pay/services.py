"""``sim_pay.pay``: the simulated payer pays an order now (of another amount, if told)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .const import SERVICE_PAY
from .runtime import get_platform
from .schema import PAY_SCHEMA


async def pay(call: ServiceCall) -> dict[str, Any]:
    delivery = await get_platform(call.hub).pay(call.data["order_id"], call.data.get("amount_fen"))
    return {**asdict(delivery), "taken": delivery.taken}


SERVICES: Final = [
    ServiceSpec(SERVICE_PAY, pay, PAY_SCHEMA,
                "Simulated WeChat Pay: the payer pays an order now (amount_fen: another amount than the order's); "
                "answers once the hub took the signed notify or the retries ran out", SupportsResponse.OPTIONAL),
]
