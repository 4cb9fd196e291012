"""Issue 10's acceptance, end to end over a real broker with the simulated community running:
the office issues a card to a member of staff over the HTTP API; the card opens the gate in
its schedule, pays for lunch at the canteen at the staff price, is reported lost and refused
at the next swipe at the gate and the canteen, is reissued with the same rights and balance,
and is returned with its money paid back; each act in the card's history and the audit log."""
from __future__ import annotations

from typing import Any

from tests.conftest import START
from tests.e2e.demo import demo_config, import_the_estate
from tests.e2e.players import TOPICS, Reader, Till, call, user_token
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents

#: Monday 2 March 2026, 11:30: in the office's hours and the canteen's lunch.
LUNCHTIME = START.replace(hour=11, minute=30)
CARD, NEW_CARD = "0E2E0001", "0E2E0002"
CANTEEN = "pos-1"


def site_config(broker: BrokerProcess) -> dict[str, Any]:
    config = demo_config()
    config["mqtt"] = broker.hub_config()
    return config


async def test_a_staff_card_from_issue_to_return(tmp_path, broker):
    config = site_config(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(LUNCHTIME)
    async with running_hub(tmp_path, config, clock=clock) as hub, MqttProbe(broker, *TOPICS) as probe:
        token = await user_token(hub, "office", "manager")
        clerk = next(p for p in get_residents(hub).persons() if p.department == "行政部")
        reader, till = Reader(probe, clock), Till(probe, clock)

        issued = await call(hub, token, "cards.issue", {
            "card": CARD, "person": clerk.id, "subsystems": ["door", "consumption", "attendance"],
            "access_groups": ["staff"], "card_class": "staff", "valid_to": "2027-03-01", "deposit_fen": 2000})
        assert (issued["holder"], issued["card_class"], issued["status"]) == (clerk.id, "staff", "active")
        topped = await call(hub, token, "cards.recharge",
                            {"card": CARD, "amount_fen": 10000, "payment_id": "e2e-counter-1", "method": "cash"})
        assert topped["balance_fen"] == 10000

        gate = await reader.present("gate-1", CARD)
        assert (gate["granted"], gate["rule"]) == (True, "group:staff")  # the office's hours, 08:00-12:00

        lunch = await till.charge(CANTEEN, CARD, 2500)
        assert (lunch["ok"], lunch["amount_fen"], lunch["balance_fen"]) == (True, 2000, 8000)
        assert lunch["reason"] == "charged ¥20.00 (lunch; staff 20% off ¥25.00)"

        await call(hub, token, "cards.report_loss", {"card": CARD, "reason": "e2e: lost on the bus"})
        refused = await reader.present("gate-1", CARD)  # the next message after the call returned
        assert refused["granted"] is False and "reported lost" in refused["reason"]
        declined = await till.charge(CANTEEN, CARD, 1000)
        assert (declined["ok"], declined["rule"]) == (False, "pos:card_lost")

        reissued = await call(hub, token, "cards.reissue", {"old_card": CARD, "new_card": NEW_CARD})
        assert reissued["balance_fen"] == 8000
        assert {k: reissued[k] for k in ("holder", "subsystems", "access_groups", "card_class", "valid_to")} == {
            k: issued[k] for k in ("holder", "subsystems", "access_groups", "card_class", "valid_to")}
        again = await reader.present("gate-2", NEW_CARD)
        assert (again["granted"], again["rule"]) == (True, "group:staff")
        assert (await reader.present("gate-2", CARD))["granted"] is False

        returned = await call(hub, token, "cards.return", {"card": NEW_CARD, "method": "cash"})
        assert returned["refunded_fen"] == 8000 + 2000  # the balance and the deposit
        assert (await call(hub, token, "cards.balance", {"card": NEW_CARD}))["balance_fen"] == 0
        assert (await reader.present("gate-2", NEW_CARD))["granted"] is False

        old = await call(hub, token, "cards.history", {"card": CARD})
        new = await call(hub, token, "cards.history", {"card": NEW_CARD})
        await hub.recorder.flush()
        audit = [r.data for r in await hub.recorder.query("audit", limit=None)]

    # The office's acts in each card's history, the money in its ledger entries, oldest first.
    assert [a["act"] for a in reversed(old["acts"])] == ["issued", "recharged", "reported_lost", "retired"]
    assert [a["act"] for a in reversed(new["acts"])] == ["reissued", "returned"]
    assert all((a["by"], a["source"]) == ("office", "api") for a in old["acts"] + new["acts"])
    assert [e["transaction_id"] for e in reversed(old["entries"])] == [
        "recharge:e2e-counter-1", f"pos:{CANTEEN}:e2e-till-1", f"transfer:{CARD}:{NEW_CARD}"]
    assert [e["transaction_id"] for e in reversed(new["entries"])] == [f"transfer:{CARD}:{NEW_CARD}", f"return:{NEW_CARD}"]
    # And each act in the audit log, with who did it and from where.
    office = [(r["act"], r["card"]) for r in reversed(audit) if r["act"].startswith("cards_") and r["by"] == "office"]
    assert office == [("cards_issued", CARD), ("cards_recharged", CARD), ("cards_reported_lost", CARD),
                      ("cards_retired", CARD), ("cards_reissued", NEW_CARD), ("cards_returned", NEW_CARD)]
