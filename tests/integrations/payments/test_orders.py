"""Orders: made through payments.create_order by the roles that may, with a pay URL and QR
payload; the same order asked again is the same order; bad data refused naming the field."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integrations.payments.conftest import site
from xiaoqu.integrations.payments import Checkout, Notice, NotifyRefused, Order, PaymentError, PaymentProvider


async def test_a_cashier_makes_an_order_and_lists_it(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status, order = await s.call("finance", "payments.create_order", {
            "order_id": "PK20260302001", "amount_fen": 1100, "description": "停车费 粤B12345",
            "purpose": "parking", "reference": "session-7"})
        assert status == 200
        assert (order["order_id"], order["amount_fen"], order["status"], order["provider"], order["method"]) == (
            "PK20260302001", 1100, "pending", "sim_pay", "wechat")
        assert order["qr"].startswith("weixin://wxpay/bizpayurl?pr=") and order["pay_url"]
        assert order["created"].endswith("+08:00") and order["paid_at"] is None
        # without an id, one is made
        status, other = await s.call("manager", "payments.create_order", {
            "amount_fen": 500, "description": "卡充值", "purpose": "cards", "reference": "04A2B3C4"})
        assert status == 200 and other["order_id"].startswith("XQ") and len(other["order_id"]) == 22
        status, listed = await s.call("finance", "payments.orders", {"purpose": "parking"})
        assert status == 200 and [o["order_id"] for o in listed["orders"]] == ["PK20260302001"]
        status, listed = await s.call("manager", "payments.orders", {"status": "pending", "limit": 1})
        assert status == 200 and len(listed["orders"]) == 1


async def test_guards_may_not_make_orders(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status, message = await s.call("guard", "payments.create_order", {
            "amount_fen": 500, "description": "x", "purpose": "parking", "reference": "s"})
        assert status == 403 and "may not call payments.create_order" in message
        assert (await s.call("guard", "payments.orders", {}))[0] == 403


async def test_the_same_order_asked_again_is_the_same_order(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        first = await s.order(600, "PK20260302001")
        again = await s.order(600, "PK20260302001")
        assert again is first
        with pytest.raises(PaymentError, match=r"order PK20260302001 exists for ¥6.00 .*needs a new order id"):
            await s.order(700, "PK20260302001")
        status, message = await s.call("finance", "payments.create_order", {
            "order_id": "PK20260302001", "amount_fen": 700, "description": "x", "purpose": "parking",
            "reference": "session-1"})
        assert status == 400 and "exists for ¥6.00" in message


@pytest.mark.parametrize(("data", "message"), [
    ({"amount_fen": 0}, "expected an amount in fen (分), a whole number above 0"),
    ({"amount_fen": 6.5}, "expected an amount in fen (分), a whole number above 0"),
    ({"order_id": "short"}, "expected an order id of 6 to 32 letters, digits, _ or -"),
    ({"order_id": "PK/../../etc"}, "expected an order id of 6 to 32 letters, digits, _ or -"),
    ({"purpose": "Parking Lot"}, "expected a slug"),
    ({"provider": "alipay"}, "no payment provider alipay (providers: sim_pay)"),
])
async def test_bad_orders_are_refused_naming_the_field(tmp_path: Path, data: dict[str, object], message: str) -> None:
    async with site(tmp_path) as s:
        order = {"order_id": "PK20260302001", "amount_fen": 600, "description": "停车费", "purpose": "parking",
                 "reference": "session-1", **data}
        status, answer = await s.call("finance", "payments.create_order", order)
        assert status == 400 and message in answer
        assert s.payments.book.orders() == []


class Other(PaymentProvider):
    name = "other_pay"
    method = "alipay"

    async def checkout(self, order: Order) -> Checkout:
        return Checkout(pay_url="https://other.invalid/pay", qr="https://qr.other.invalid/x")

    def read_notify(self, headers: Any, body: bytes, now: float) -> Notice | None:
        raise NotifyRefused("never signed")


async def test_with_several_providers_an_order_names_its_own(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        unregister = s.payments.register(Other())
        with pytest.raises(PaymentError, match="already registered"):
            s.payments.register(Other())
        with pytest.raises(PaymentError, match=r"which payment provider\? Name one \(providers: other_pay, sim_pay\)"):
            await s.order(600)
        order = await s.payments.create_order("AL20260302001", 600, "物业费", purpose="billing", reference="1-1-0101",
                                              provider="other_pay")
        assert (order.provider, order.method, order.qr) == ("other_pay", "alipay", "https://qr.other.invalid/x")
        unregister()
        assert (await s.order(600)).provider == "sim_pay"


async def test_the_services_registered_are_those_declared(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        described = s.hub.services.describe()
        registered = {f"{domain}.{name}" for domain in ("payments", "sim_pay") for name in described[domain]}
        assert registered == {"payments.create_order", "payments.orders", "payments.flagged", "sim_pay.pay"}
        assert registered <= s.hub.plugins.declared_services
