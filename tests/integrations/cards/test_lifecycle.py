"""A card's life through the services, with door decisions, money and history at each step."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.cards import CardError

from .conftest import SHEET_CARD, Estate, estate

NEW = "0A0B0C0D"


async def _money(site: Estate, card: str, amount: int, payment: str) -> dict[str, Any]:
    return await site.call("recharge", {"card": card, "amount_fen": amount, "payment_id": payment, "method": "cash"})


async def test_issue_to_return_moves_rights_and_money_and_keeps_the_history(tmp_path: Path,
                                                                            clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        lost_events = []
        site.hub.bus.listen("cards_lost", lambda event: lost_events.append(event.data))
        issued = await site.call("issue", {"card": NEW, "person": {"household": "1-2-0601", "name": "李强"},
                                           "deposit_fen": 2000, "valid_to": "2026-12-31"})
        assert issued["holder"] == site.people["李强"] and issued["valid_to"].startswith("2027-01-01T00:00")
        assert site.door(NEW).granted
        assert (await _money(site, NEW, 5000, "pay-1"))["balance_fen"] == 5000

        await site.call("report_loss", {"card": NEW, "reason": "wallet stolen"})
        decision = site.door(NEW)
        assert not decision.granted and "reported lost 2026-03-02 by the hub" in decision.reason
        assert site.cards.refusal(site.cards.card(NEW)).startswith("card 0A0B**** reported lost")
        assert lost_events[0]["person"] == site.people["李强"]

        reissued = await site.call("reissue", {"old_card": NEW, "new_card": "0D0C0B0A"})
        assert reissued["balance_fen"] == 5000 and reissued["deposit_fen"] == 2000
        assert site.door("0D0C0B0A").granted and not site.door(NEW).granted
        assert site.cards.card(NEW).status == "retired"

        returned = await site.call("return", {"card": "0D0C0B0A", "method": "wechat"})
        assert returned["refunded_fen"] == 7000
        assert not site.door("0D0C0B0A").granted
        assert site.cards.wallet.ledger.balance("refund:wechat") == 7000
        assert site.cards.wallet.ledger.balance("deposit:held") == 0
        assert await site.cards.wallet.ledger.verify() == []

        old = await site.call("history", {"card": NEW})
        assert [act["act"] for act in old["acts"]] == ["retired", "reported_lost", "recharged", "issued"]
        new = await site.call("history", {"card": "0D0C0B0A"})
        assert [act["act"] for act in new["acts"]] == ["returned", "reissued"]
        assert [entry["kind"] for entry in new["entries"]] == ["return", "transfer"]
        audit = await site.hub.recorder.query("audit", limit=50)
        assert {r.data["act"] for r in audit} >= {"cards_issued", "cards_reported_lost", "cards_reissued",
                                                 "cards_retired", "cards_returned", "cards_recharged"}


async def test_unblock_lets_the_card_in_again(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("report_loss", {"card": SHEET_CARD, "reason": "left at home"})
        assert not site.door(SHEET_CARD).granted
        assert site.cards.registry.stored(SHEET_CARD) is not None  # recorded the first time the centre acted
        await site.call("unblock", {"card": SHEET_CARD})
        assert site.door(SHEET_CARD).granted and site.cards.card(SHEET_CARD).status == "active"


async def test_rewrite_and_extend_reach_the_door_at_once(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        keys: list[Any] = []
        get_access(site.hub).listen(keys.append)
        await site.call("issue", {"card": NEW, "person": site.people["王芳"], "valid_to": "2026-03-03"})
        assert not site.door(NEW, "pool").granted
        changed = await site.call("rewrite", {"card": NEW, "access_groups": ["pool"]})
        assert changed["changed"] == {"access_groups": [[], ["pool"]]}
        assert site.door(NEW, "pool").granted and not site.door(NEW).granted  # named groups replace the holder's
        assert keys  # offline controllers were told
        clock.set(clock.now().replace(day=4))
        assert "expired" in site.door(NEW, "pool").reason
        await site.call("extend", {"card": NEW, "valid_to": "2026-06-30"})
        assert site.door(NEW, "pool").granted


@pytest.mark.parametrize(("service", "data", "reason"), [
    ("issue", {"card": SHEET_CARD, "person": "P000002"}, "already in use"),
    ("issue", {"card": "0B0B0C0E", "person": "P000002"}, "shares its Wiegand-26 number"),
    ("issue", {"card": "162,46021", "person": "P000002"}, "not by a Wiegand-26 pair"),
    ("issue", {"card": NEW, "person": "P999999"}, "not in residents"),
    ("issue", {"card": NEW, "person": "P000002", "access_groups": ["spa"]}, "no access group spa"),
    ("issue", {"card": NEW, "person": "P000002", "valid_to": "2026-01-01"}, "has passed"),
    ("recharge", {"card": SHEET_CARD, "amount_fen": 0, "payment_id": "z", "method": "cash"}, "more than 0 fen"),
    ("recharge", {"card": SHEET_CARD, "amount_fen": -5, "payment_id": "z", "method": "cash"}, "more than 0 fen"),
    ("recharge", {"card": SHEET_CARD, "amount_fen": 1.5, "payment_id": "z", "method": "cash"}, "whole number"),
    ("refund", {"transaction_id": "pos:t1:9", "reason": "wrong dish"}, "no transaction"),
    ("unblock", {"card": SHEET_CARD}, "not reported lost"),
    ("extend", {"card": SHEET_CARD, "valid_to": "2027-01-01"}, "office's sheet"),
])
async def test_bad_input_is_refused_naming_the_reason_and_moves_nothing(
        tmp_path: Path, clock: ManualClock, service: str, data: dict[str, Any], reason: str) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("issue", {"card": "0A0B0C0E", "person": site.people["李强"]})
        before = site.cards.wallet.ledger.balances()
        with pytest.raises(ServiceValidationError, match=reason):
            await site.call(service, data)
        assert site.cards.wallet.ledger.balances() == before


async def test_a_lost_or_returned_card_takes_no_money_and_a_reissue_onto_a_card_in_use_is_refused(
        tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("issue", {"card": NEW, "person": site.people["李强"]})
        await site.call("report_loss", {"card": NEW})
        with pytest.raises(CardError, match="cannot recharge: card 0A0B\\*\\*\\*\\* reported lost"):
            await _money(site, NEW, 100, "p")
        with pytest.raises(CardError, match="already in use"):
            await site.call("reissue", {"old_card": NEW, "new_card": SHEET_CARD})
        await site.call("return", {"card": NEW, "method": "cash"})
        with pytest.raises(CardError, match="was retired 2026-03-02"):
            await site.call("return", {"card": NEW, "method": "cash"})
        assert site.cards.wallet.ledger.balances().get(f"card:{NEW}", 0) == 0


async def test_a_return_waits_for_an_unsettled_offline_charge(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await _money(site, SHEET_CARD, 800, "p1")
        remove = site.cards.add_unsettled_check(lambda uid: "an offline charge from canteen_1 is not settled"
                                                if uid == SHEET_CARD else None)
        with pytest.raises(CardError, match="cannot be returned yet: an offline charge from canteen_1"):
            await site.call("return", {"card": SHEET_CARD, "method": "cash"})
        assert site.cards.balance(SHEET_CARD) == 800
        remove()
        assert (await site.call("return", {"card": SHEET_CARD, "method": "cash"}))["refunded_fen"] == 800
        assert not site.door(SHEET_CARD).granted


async def test_a_recharge_is_applied_once_per_payment_and_a_refund_reverses_it(tmp_path: Path,
                                                                              clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        first = await _money(site, SHEET_CARD, 3000, "wx-1")
        again = await _money(site, SHEET_CARD, 3000, "wx-1")
        assert (again["balance_fen"], again["receipt_no"], again["new"]) == (3000, first["receipt_no"], False)
        with pytest.raises(CardError, match="payment wx-1 was already recharged"):
            await _money(site, SHEET_CARD, 500, "wx-1")
        await _money(site, SHEET_CARD, 500, "wx-2")
        low: list[Any] = []
        site.hub.bus.listen("cards_low_balance", lambda event: low.append(event.data))
        refunded = await site.call("refund", {"transaction_id": first["transaction_id"], "reason": "paid twice"})
        assert (refunded["balance_fen"], refunded["amount_fen"]) == (500, -3000)
        assert low == [{"card": SHEET_CARD, "person": "P000001", "balance_fen": 500, "threshold_fen": 1000}]
        sales = await site.cards.wallet.external("sales:", "canteen_1")
        await site.cards.wallet.ledger.post("pos:canteen_1:1", "charge", [(f"card:{SHEET_CARD}", -450), (sales, 450)])
        with pytest.raises(CardError, match="cannot refund recharge:wx-2: card 04A2B3C4 has 50 fen left"):
            await site.call("refund", {"transaction_id": "recharge:wx-2", "reason": "spent already"})
        charge = await site.call("refund", {"transaction_id": "pos:canteen_1:1", "reason": "wrong dish"})
        assert charge["balance_fen"] == 500
        again = await site.call("refund", {"transaction_id": "recharge:wx-1", "reason": "again"})
        assert (again["new"], site.cards.balance(SHEET_CARD)) == (False, 500)  # refunded once
