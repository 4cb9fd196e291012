"""The simulated WeChat Pay: its keys made once (0600) and kept; the payer pays after a delay;
a notify the merchant does not take is delivered again, signed afresh; and payments' own
recovery after a crash between the ledger and the order row."""
from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.integrations.payments.conftest import config, site
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.payments import get_payments
from xiaoqu.integrations.payments.wechatpay_v3 import open_notify


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_platform_keys_are_made_once_private_and_kept(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        folder = s.hub.config.data_dir / "sim_pay"  # type: ignore[operator]
        serial, apiv3 = s.platform.keys.serial, s.platform.keys.apiv3_key
        order = await s.order(600)
        before_restart = s.notify(order.order_id, 600)
    assert _mode(folder) == 0o700
    assert {p.name: _mode(p) for p in folder.iterdir()} == {
        "platform_key.pem": 0o600, "platform_cert.pem": 0o600, "apiv3_key": 0o600}
    assert len(apiv3) == 32 and (folder / "apiv3_key").read_bytes() == apiv3
    async with site(tmp_path) as s:
        assert (s.platform.keys.serial, s.platform.keys.apiv3_key) == (serial, apiv3)
        # a notify signed before the restart still verifies after it (and pays the kept order)
        assert await s.post(before_restart) == (204, "")
        assert [r["order_id"] for r in s.received] == [order.order_id]


async def test_the_payer_pays_after_the_delay_and_the_hub_takes_the_notify(tmp_path: Path) -> None:
    async with site(tmp_path, pay_after=0.2) as s:
        order = await s.order(1100)
        assert s.received == []
        async with asyncio.timeout(10):
            while not s.received:
                await asyncio.sleep(0.05)
        assert s.received[0]["order_id"] == order.order_id and s.received[0]["amount_fen"] == 1100
        paid = s.payments.order(order.order_id)
        assert paid is not None and paid.paid


async def test_a_payer_who_pays_the_wrong_amount_through_the_service(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        status, delivery = await s.call("finance", "sim_pay.pay", {"order_id": order.order_id, "amount_fen": 500})
        assert status == 200 and delivery["taken"] and delivery["attempts"] == 1 and delivery["amount_fen"] == 500
        assert s.received == [] and [f["expected_fen"] for f in s.flagged] == [600]
        status, delivery = await s.call("finance", "sim_pay.pay", {"order_id": order.order_id})
        assert status == 200 and delivery["taken"] and [r["payment_id"] for r in s.received] == [
            delivery["transaction_id"]]
        status, message = await s.call("finance", "sim_pay.pay", {"order_id": "PKnosuchorder"})
        assert status == 400 and message == "the simulated WeChat Pay has no order PKnosuchorder"


async def test_a_notify_not_taken_is_delivered_again_signed_afresh(tmp_path: Path) -> None:
    """WeChat Pay retries until the merchant answers 200 or 204; each delivery is signed anew."""
    seen: list[tuple[dict[str, str], bytes]] = []

    async def merchant(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(status=503 if len(seen) < 3 else 204)

    app = web.Application()
    app.router.add_post("/notify", merchant)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    try:
        async with site(tmp_path, notify_url=f"http://127.0.0.1:{port}/notify", retry_seconds=[0.05, 0.05, 0.05]) as s:
            order = await s.order(600)
            delivery = await s.platform.pay(order.order_id)
            assert (delivery.status, delivery.attempts, delivery.taken) == (204, 3, True)
            keys = s.platform.keys
            bodies = {body for _headers, body in seen}
            assert len(bodies) == 1  # the same notify, re-signed each time
            assert len({headers["Wechatpay-Nonce"] for headers, _body in seen}) == 3
            for headers, body in seen:
                opened = open_notify(headers, body, certificates={keys.serial: keys.public_key},
                                     apiv3_key=keys.apiv3_key, now=s.hub.clock.time())
                assert opened.resource["out_trade_no"] == order.order_id
    finally:
        await runner.cleanup()


async def test_an_order_paid_on_the_ledger_before_a_crash_is_announced_at_the_next_start(
        tmp_path: Path, isolated_plugins: Any) -> None:
    """The ledger's posting is durable before the order row is written; a crash between them
    leaves the order pending, and the next start marks it paid and fires payment_received once
    every integration (here a site plugin listening from its set-up) is ready for it."""
    async with site(tmp_path) as s:
        order = await s.order(600)
        await s.payments.books.settle(order.order_id, "sim_pay", "parking", 600, {
            "order_id": order.order_id, "payment_id": "4200000000202603020000000001", "method": "wechat",
            "reference": order.reference, "notify_id": "n1"})
    isolated_plugins(tmp_path, "listener", """
        @hookimpl
        def xiaoqu_setup(hub, config):
            heard = hub.data["heard"] = []
            hub.bus.listen("payment_received", lambda event: heard.append(dict(event.data)))
    """, dependencies=["payments"])
    async with running_hub(tmp_path, {**config(), "listener": None}) as hub:
        paid = get_payments(hub).order(order.order_id)
        assert paid is not None and paid.paid and paid.payment_id == "4200000000202603020000000001"
        assert [(e["order_id"], e["payment_id"]) for e in hub.data["heard"]] == [
            (order.order_id, "4200000000202603020000000001")]
    async with running_hub(tmp_path, {**config(), "listener": None}) as hub:
        assert hub.data["heard"] == []  # announced once
