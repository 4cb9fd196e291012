"""The notify callback over real HTTP, the provider played by the simulated WeChat Pay: a good
notify pays its order once; repeated, replayed, forged, stale, oversized and mismatched ones
change nothing they should not, each answered and recorded as docs/payments.md says."""
from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integrations.payments.conftest import BAN_AFTER, audit_acts, site
from xiaoqu.integrations.payments.wechatpay_v3 import seal_notify


async def test_a_signed_notify_pays_its_order_once(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        sealed = s.notify(order.order_id, 600)
        assert await s.post(sealed) == (204, "")
        assert s.received == [{"order_id": order.order_id, "payment_id": "4200001814202603028853553578",
                               "amount_fen": 600, "method": "wechat", "provider": "sim_pay", "purpose": "parking",
                               "reference": "session-1"}]
        paid = s.payments.order(order.order_id)
        assert paid is not None and paid.status == "paid" and paid.payment_id == "4200001814202603028853553578"
        ledger = s.payments.books.ledger
        assert ledger.balance("provider:sim_pay") == -600 and ledger.balance("purpose:parking") == 600
        # the same notify replayed as it was (headers and all, inside the five minutes), and
        # delivered again re-signed, as WeChat Pay retries: taken, nothing changes
        assert await s.post(sealed) == (204, "")
        assert await s.post(s.notify(order.order_id, 600, now=s.hub.clock.time() + 60)) == (204, "")
        assert len(s.received) == 1 and s.flagged == []
        assert ledger.balance("purpose:parking") == 600
        assert [t.id async for t in ledger.transactions()] == [f"order:{order.order_id}"]


async def test_two_notifies_at_once_pay_once(tmp_path: Path) -> None:
    """WeChat Pay sends the same notify twice a second apart when unsure the first arrived."""
    async with site(tmp_path) as s:
        order = await s.order(600)
        answers = await asyncio.gather(*(s.post(s.notify(order.order_id, 600)) for _ in range(5)))
        assert {status for status, _text in answers} == {204}
        assert len(s.received) == 1 and s.flagged == []


async def test_an_amount_mismatch_is_refused_and_flagged_for_staff(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        assert await s.post(s.notify(order.order_id, 1, "4200000000202603020000000001")) == (204, "")
        assert s.received == []
        pending = s.payments.order(order.order_id)
        assert pending is not None and pending.status == "pending"
        assert len(s.flagged) == 1
        flag = s.flagged[0]
        assert (flag["order_id"], flag["amount_fen"], flag["expected_fen"], flag["payment_id"]) == (
            order.order_id, 1, 600, "4200000000202603020000000001")
        assert flag["reason"] == f"amount mismatch: paid ¥0.01, order {order.order_id} is for ¥6.00"
        assert s.payments.books.ledger.balance("suspense:sim_pay") == 1  # the money came: staff refund it
        # the same mismatched payment again: one flag
        assert await s.post(s.notify(order.order_id, 1, "4200000000202603020000000001")) == (204, "")
        assert len(s.flagged) == 1
        assert [a["reason"] for a in await audit_acts(s.hub, "payment_flagged")] == [flag["reason"]]
        status, listed = await s.call("finance", "payments.flagged", {})
        assert status == 200 and [f["payment_id"] for f in listed["flagged"]] == ["4200000000202603020000000001"]
        # the right amount still pays the order
        assert await s.post(s.notify(order.order_id, 600, "4200000000202603020000000002")) == (204, "")
        assert [r["payment_id"] for r in s.received] == ["4200000000202603020000000002"]


async def test_a_second_payment_of_a_paid_order_or_of_no_order_is_flagged(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        await s.post(s.notify(order.order_id, 600, "4200000000202603020000000001"))
        await s.post(s.notify(order.order_id, 600, "4200000000202603020000000002"))
        await s.post(s.notify("PKnosuchorder", 300, "4200000000202603020000000003"))
        assert len(s.received) == 1
        assert [f["reason"] for f in s.flagged] == [
            f"order {order.order_id} is already paid by 4200000000202603020000000001",
            "there is no order PKnosuchorder",
        ]
        assert s.payments.books.ledger.balance("suspense:sim_pay") == 900


async def test_forged_unsigned_and_stale_notifies_are_refused_audited_and_banned(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        good = s.notify(order.order_id, 600)
        forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = seal_notify(json.loads(json.dumps(s.platform.transaction(order.order_id, "4200000000000000000000000009",
                                                                          600))),
                             private_key=forger, serial=s.platform.keys.serial, apiv3_key=s.platform.keys.apiv3_key,
                             now=s.hub.clock.time())
        stale = s.notify(order.order_id, 600, now=s.hub.clock.time() - 301)
        for attempt in (forged, stale):
            status, text = await s.post(attempt)
            assert status == 401 and json.loads(text) == {"code": "FAIL", "message": "signature refused"}
        status, _text = await s.post(headers={"Content-Type": "application/json"}, body=good.body)  # unsigned
        assert status == 401
        assert [a["reason"] for a in await audit_acts(s.hub, "payment_notify_refused")] == [
            "the signature does not match the body (forged or altered)",
            "stale: signed -301 s from now, outside ±300 s (a replay, or the hub's clock is wrong)",
            "unsigned: no Wechatpay-Timestamp, Wechatpay-Nonce, Wechatpay-Serial, Wechatpay-Signature",
        ]
        assert s.received == [] and s.flagged == []
        # the third failure banned the address: even the good notify is turned away now
        assert BAN_AFTER == 3
        status, _text = await s.post(good)
        assert status == 403 and s.received == []


async def test_a_good_signature_clears_the_count_toward_a_ban(tmp_path: Path) -> None:
    """WeChat Pay probes merchants now and then with deliberately bad signatures: those must not
    add up, between real notifies, to a ban of WeChat's own addresses."""
    async with site(tmp_path) as s:
        for round_ in range(3):
            order = await s.order(600)
            bad = s.notify(order.order_id, 600)
            bad.headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + bad.headers["Wechatpay-Signature"]
            for _ in range(BAN_AFTER - 1):
                assert (await s.post(bad))[0] == 401
            assert (await s.post(s.notify(order.order_id, 600, f"42000000002026030200000000{round_:02d}")))[0] == 204
        assert len(s.received) == 3


async def test_a_body_of_15_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        good = s.notify(order.order_id, 600)
        big = good.body + b" " * (15 * 1024 * 1024)

        async def chunked() -> AsyncIterator[bytes]:
            for start in range(0, len(big), 1 << 20):
                yield big[start:start + (1 << 20)]

        for body in (io.BytesIO(big), chunked()):  # with a Content-Length, and chunked without one
            try:
                status, _text = await s.post(headers=good.headers, body=body)
                assert status == 413
            except aiohttp.ClientConnectionError:
                pass  # the hub may close the connection while the client is still sending
        assert s.received == []
        # each refusal counted toward the address's ban: one more failure bans it
        assert (await s.post(headers={}, body=good.body))[0] == 401
        assert (await s.post(good))[0] == 403 and s.received == []


async def test_a_notify_our_key_cannot_read_is_retried_not_banned(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        order = await s.order(600)
        transaction = s.platform.transaction(order.order_id, "4200000000202603020000000001", 600)
        keys = s.platform.keys
        for _ in range(BAN_AFTER + 1):
            wrong_key = seal_notify(transaction, private_key=keys.private_key, serial=keys.serial,
                                    apiv3_key=b"A" * 32, now=s.hub.clock.time())
            status, text = await s.post(wrong_key)
            assert status == 500 and json.loads(text)["code"] == "FAIL"
        assert (await s.post(s.notify(order.order_id, 600)))[0] == 204  # not banned
        assert len(s.received) == 1


async def test_other_notifies_and_other_providers(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        keys = s.platform.keys
        refund = seal_notify({"mchid": "1900000001", "out_refund_no": "R1"}, private_key=keys.private_key,
                             serial=keys.serial, apiv3_key=keys.apiv3_key, now=s.hub.clock.time(),
                             original_type="refund", event_type="REFUND.SUCCESS")
        assert await s.post(refund) == (204, "")
        closed = s.platform.transaction("PKclosed001", "4200000000202603020000000001", 600)
        assert await s.post(s.platform.seal({**closed, "trade_state": "CLOSED"})) == (204, "")
        assert s.received == [] and s.flagged == []
        status, text = await s.post(refund, path="/api/payments/alipay/notify")
        assert status == 404 and json.loads(text) == {"message": "There is no such payment provider."}
