"""A hub with payments and the simulated WeChat Pay, reached over real HTTP: staff with tokens
(a cashier, a manager, a guard), and the platform to play the provider with."""
from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.core.http.conftest import add_user
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.payments import Order, Payments, get_payments
from xiaoqu.integrations.payments.wechatpay_v3 import Sealed, signed_headers
from xiaoqu.plugins.sim_pay import Platform, get_platform

#: Three failures from one address ban it: enough to see it happen in a test.
BAN_AFTER = 3
NOTIFY = "/api/payments/sim_pay/notify"


def config(**sim_pay: Any) -> dict[str, Any]:
    return {"http": {"server_port": 0, "login_attempts_threshold": BAN_AFTER},
            "payments": {}, "sim_pay": {"pay_after": None, "retry_seconds": [0.05], **sim_pay}}


@dataclass
class Site:
    hub: Hub
    session: aiohttp.ClientSession
    tokens: dict[str, str]
    received: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data['http'].port}"

    @property
    def payments(self) -> Payments:
        return get_payments(self.hub)

    @property
    def platform(self) -> Platform:
        return get_platform(self.hub)

    async def order(self, amount_fen: int = 600, order_id: str | None = None) -> Order:
        return await self.payments.create_order(order_id or f"PK{secrets.token_hex(6)}", amount_fen,
                                                "停车费 粤B12345", purpose="parking", reference="session-1")

    def notify(self, order_id: str, amount_fen: int, transaction_id: str = "4200001814202603028853553578",
               *, now: float | None = None) -> Sealed:
        """The platform's notify of a payment, signed ``now`` (the hub's time unless told)."""
        transaction = self.platform.transaction(order_id, transaction_id, amount_fen)
        sealed = self.platform.seal(transaction)
        if now is None:
            return sealed
        keys = self.platform.keys
        return Sealed(signed_headers(sealed.body, private_key=keys.private_key, serial=keys.serial, now=now),
                      sealed.body)

    async def post(self, sealed: Sealed | None = None, *, headers: dict[str, str] | None = None,
                   body: Any = None, path: str = NOTIFY) -> tuple[int, str]:
        """POST to the notify callback as the provider does: no token."""
        send_headers = headers if headers is not None else sealed.headers if sealed else {}
        data = body if body is not None else sealed.body if sealed else b""
        async with self.session.post(self.base + path, data=data, headers=send_headers) as response:
            text = await response.text()
        await self.hub.block_till_done()
        return response.status, text

    async def call(self, role: str, service: str, data: dict[str, Any]) -> tuple[int, Any]:
        """A service through the REST API as ``role``; the response, or the error's message."""
        async with self.session.post(f"{self.base}/api/services/{service.replace('.', '/')}?return_response",
                                     json=data, headers={"Authorization": f"Bearer {self.tokens[role]}"}) as response:
            body = await response.json()
        return response.status, body.get("service_response", body) if response.status == 200 else body["message"]


@asynccontextmanager
async def site(config_dir: Path, **sim_pay: Any) -> AsyncIterator[Site]:
    async with running_hub(config_dir, config(**sim_pay)) as hub, aiohttp.ClientSession() as session:
        tokens = {role: await add_user(hub, role, role) for role in ("finance", "manager", "guard")}
        found = Site(hub, session, tokens)

        def keep(into: list[dict[str, Any]]) -> Any:
            return lambda event: into.append(dict(event.data))

        hub.bus.listen("payment_received", keep(found.received))
        hub.bus.listen("payment_flagged", keep(found.flagged))
        yield found


async def audit_acts(hub: Hub, act: str) -> list[dict[str, Any]]:
    await hub.recorder.flush()
    return [record.data for record in await hub.recorder.query("audit", limit=None, newest_first=False)
            if record.data.get("act") == act]

