"""POS terminals over a real broker: charges, discounts, limits, repeats, loss, concurrency, uploads."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.cards.conftest import config, populate
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.cards import get_cards
from xiaoqu.integrations.residents import get_residents

ROOT = "xiaoqu/demo"
STAFF_CARD, RESIDENT_CARD = "0A0B0C01", "0A0B0C02"
TERMINALS = [{"id": "canteen_1", "name": "食堂一号窗口", "kind": "canteen"},
             *({"id": f"shop_{n}", "name": f"便利店{n}", "kind": "shop"} for n in range(20))]
POS: dict[str, Any] = {
    "terminals": TERMINALS,
    "meal_periods": {"breakfast": "06:00-09:30", "lunch": "10:30-13:30", "dinner": "16:30-19:30"},
    "limits": {"staff": {"lunch": 3000, "daily": 8000}},
    "discounts": {"staff": 20},
}
LUNCH = datetime(2026, 3, 2, 12, 0, tzinfo=SITE_TZ)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@dataclass
class Canteen:
    hub: Hub
    clock: ManualClock
    probe: MqttProbe
    people: dict[str, str]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _n: int = 0

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    async def call(self, service: str, data: dict[str, Any]) -> Any:
        return await self.hub.services.call("cards", service, data, return_response=True)

    def balance(self, card: str) -> int:
        return get_cards(self.hub).balance(card)

    async def send(self, terminal: str, message: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Publish on ``pos/<terminal>/<message>``; the hub's answer to its request_id."""
        await self.probe.publish(f"{ROOT}/pos/{terminal}/{message}", json.dumps(payload))
        return await self.answer(terminal, payload["request_id"])

    async def charge(self, terminal: str, card: str, amount: int, request_id: str | None = None,
                     **extra: Any) -> dict[str, Any]:
        if request_id is None:
            self._n += 1
            request_id = f"r{self._n}"
        return await self.send(terminal, "charge", {"request_id": request_id, "card": card, "amount": amount, **extra})

    async def answer(self, terminal: str, request_id: str, count: int = 1) -> dict[str, Any]:
        def find() -> list[dict[str, Any]] | None:
            found = [answer for payload in self.probe.payloads(f"{ROOT}/pos/{terminal}/result")
                     if (answer := json.loads(payload)).get("request_id") == request_id]
            return found if len(found) >= count else None

        return (await self.probe.wait_until(find))[-1]  # type: ignore[no-any-return]


@asynccontextmanager
async def canteen(tmp_path: Path, broker: BrokerProcess, **pos: Any) -> AsyncIterator[Canteen]:
    clock = ManualClock(LUNCH, SITE_TZ)
    site = {**config(pos={**POS, **pos}), "mqtt": broker.hub_config()}
    (tmp_path / "site").mkdir()
    async with MqttProbe(broker, f"{ROOT}/pos/+/result") as probe, \
            running_hub(tmp_path / "site", site, clock=clock) as hub:
        await mqtt.wait_connected(hub)
        await mqtt.get(hub).client.wait_subscribed()
        place = Canteen(hub, clock, probe, await populate(hub))
        hub.bus.listen("*", lambda event: place.events.append((event.event_type, dict(event.data)))
                       if event.event_type.startswith("cards_") else None)
        await place.call("issue", {"card": STAFF_CARD, "person": place.people["赵敏"], "card_class": "staff"})
        await place.call("issue", {"card": RESIDENT_CARD, "person": place.people["李强"]})
        for card in (STAFF_CARD, RESIDENT_CARD):
            await place.call("recharge", {"card": card, "amount_fen": 10000, "payment_id": f"p-{card}",
                                          "method": "cash"})
        yield place


async def test_a_lunch_is_charged_with_the_staff_discount(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        answer = await place.charge("canteen_1", STAFF_CARD, 3000, "lunch-1")
        assert answer == {"request_id": "lunch-1", "ok": True, "balance_fen": 7600, "balance": 7600, "amount_fen": 2400,
                          "transaction_id": "pos:canteen_1:lunch-1", "rule": "pos:charged",
                          "reason": "charged ¥24.00 (lunch; staff 20% off ¥30.00)"}
        assert place.balance(STAFF_CARD) == 7600
        charged = place.fired("cards_charged")
        assert [(e["card"], e["amount_fen"], e["list_fen"], e["period"]) for e in charged] == [
            ("0A0B****", 2400, 3000, "lunch")]
        # A resident pays the list price; a shop gives no discount.
        assert (await place.charge("canteen_1", RESIDENT_CARD, 3000))["amount_fen"] == 3000
        assert (await place.charge("shop_1", STAFF_CARD, 1000))["amount_fen"] == 1000


async def test_limits_per_meal_period_and_day_refuse_with_the_figures(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        assert (await place.charge("canteen_1", STAFF_CARD, 3000))["ok"]  # ¥24.00 of the ¥30.00 lunch limit
        declined = await place.charge("canteen_1", STAFF_CARD, 1250)
        assert declined["ok"] is False and declined["rule"] == "pos:limit:lunch"
        assert declined["reason"] == "declined: lunch limit ¥30.00 reached (¥24.00 spent, ¥10.00 asked)"
        assert declined["balance_fen"] == 7600 == place.balance(STAFF_CARD)
        assert place.fired("cards_declined")[-1]["rule"] == "pos:limit:lunch"
        # The shop counts to the day only: ¥24.00 + ¥50.00 fits ¥80.00, ¥10.00 more does not.
        assert (await place.charge("shop_1", STAFF_CARD, 5000))["ok"]
        over = await place.charge("shop_1", STAFF_CARD, 1000)
        assert over["reason"] == "declined: daily limit ¥80.00 reached (¥74.00 spent, ¥10.00 asked)"
        # Dinner is another period, but the day's limit still holds.
        place.clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=SITE_TZ))
        assert (await place.charge("canteen_1", STAFF_CARD, 1000))["rule"] == "pos:limit:daily"
        # The next day starts again.
        place.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=SITE_TZ))
        assert (await place.charge("canteen_1", STAFF_CARD, 3000))["ok"]


async def test_a_repeated_request_id_is_charged_once(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        first = await place.charge("shop_1", RESIDENT_CARD, 1500, "same")
        again = await place.charge("shop_1", RESIDENT_CARD, 1500, "same")
        assert first == again and first["balance_fen"] == 8500 == place.balance(RESIDENT_CARD)
        # The same request id at another terminal is another charge.
        assert (await place.charge("shop_2", RESIDENT_CARD, 1500, "same"))["balance_fen"] == 7000
        # Sent twice at once: one charge, two identical answers.
        payload = json.dumps({"request_id": "twice", "card": RESIDENT_CARD, "amount": 700})
        for _ in range(2):
            await place.probe.publish(f"{ROOT}/pos/shop_3/charge", payload)
        await place.answer("shop_3", "twice", count=2)
        answers = [json.loads(p) for p in place.probe.payloads(f"{ROOT}/pos/shop_3/result")]
        assert answers[0] == answers[1] and answers[0]["balance_fen"] == 6300 == place.balance(RESIDENT_CARD)
        assert len(place.fired("cards_charged")) == 3


async def test_a_lost_card_is_refused_at_the_next_charge_and_door_naming_the_day_and_who_reported_it(
        tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        assert (await place.charge("canteen_1", STAFF_CARD, 1000, "before"))["ok"]
        account = await get_auth(place.hub).manager.add_user("wangfang", "guard", None, Actor("cli", "cli:test"))
        await get_residents(place.hub).link_user(place.people["王芳"], "wangfang")
        await place.hub.services.call("cards", "report_loss", {"card": STAFF_CARD, "reason": "lost at the market"},
                                      context=Context(user_id=account.id), blocking=True)
        refused = await place.charge("canteen_1", STAFF_CARD, 1000)
        assert refused["ok"] is False and refused["rule"] == "pos:card_lost" and "balance_fen" not in refused
        assert refused["reason"] == "declined: card 0A0B**** reported lost 2026-03-02 by 王芳"
        get_access(place.hub).register_door("b1_east")
        door = get_access(place.hub).check("card", STAFF_CARD, "b1_east")
        assert not door.granted and door.reason == "denied: card 0A0B**** reported lost 2026-03-02 by 王芳"
        # The charge made before the loss is still the same charge when the terminal repeats it.
        assert (await place.charge("canteen_1", STAFF_CARD, 1000, "before"))["ok"] is True
        unknown = await place.charge("canteen_1", "FFFF0001", 1000)
        assert unknown["rule"] == "pos:unknown_card"
        assert unknown["reason"] == "declined: card FFFF**** is not a card of this estate"


async def test_an_unknown_terminal_is_refused_and_counted(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        answer = await place.charge("till_9", STAFF_CARD, 1000)
        assert answer["ok"] is False and answer["rule"] == "pos:terminal_not_configured"
        assert place.balance(STAFF_CARD) == 10000


async def test_concurrent_charges_from_many_terminals_never_go_below_zero(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        await asyncio.gather(*(place.probe.publish(f"{ROOT}/pos/shop_{n}/charge", json.dumps(
            {"request_id": f"c{n}", "card": RESIDENT_CARD, "amount": 1500})) for n in range(20)))
        answers = await asyncio.gather(*(place.answer(f"shop_{n}", f"c{n}") for n in range(20)))
        charged = [a for a in answers if a["ok"]]
        assert len(charged) == 6 and place.balance(RESIDENT_CARD) == 1000
        assert {a["rule"] for a in answers if not a["ok"]} == {"pos:balance"}
        assert sorted(a["balance_fen"] for a in charged) == [1000, 2500, 4000, 5500, 7000, 8500]
        ledger = get_cards(place.hub).wallet.ledger
        assert await ledger.verify() == []


async def test_a_pos_charge_is_refunded_once(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        answer = await place.charge("canteen_1", STAFF_CARD, 3000)
        refund = {"transaction_id": answer["transaction_id"], "reason": "cold soup"}
        first = await place.call("refund", refund)
        assert first["balance_fen"] == 10000 and first["new"] is True
        again = await place.call("refund", {**refund, "reason": "asked twice"})  # the same refund, its first answer
        assert again["new"] is False and again["balance_fen"] == 10000 == place.balance(STAFF_CARD)


async def test_offline_uploads_are_applied_once_in_time_order_and_an_overdraw_is_flagged(
        tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        await place.charge("shop_1", RESIDENT_CARD, 8000)  # 2000 left
        at = datetime(2026, 3, 2, 11, 0, tzinfo=SITE_TZ).timestamp()
        upload = {"request_id": "up-1", "charges": [
            {"request_id": "o2", "card": RESIDENT_CARD, "amount": 1200, "ts": at + 600},
            {"request_id": "o1", "card": RESIDENT_CARD, "amount": 1000, "ts": at},
        ]}
        answer = await place.send("canteen_1", "upload", upload)
        first, second = answer["uploaded"]
        assert answer["accepted"] is True and answer["ok"] is False
        assert (second["request_id"], second["ok"], second["balance_fen"]) == ("o1", True, 1000)  # sold first
        assert (first["request_id"], first["ok"], first["accepted"], first["rule"]) == ("o2", False, True,
                                                                                         "pos:offline_flagged")
        assert first["reason"] == "flagged for the office: balance ¥10.00, ¥12.00 asked"
        overdraw = place.fired("cards_offline_overdraw")
        assert [(e["request_id"], e["amount_fen"]) for e in overdraw] == [("o2", 1200)]
        # Uploaded again: the same answers, nothing applied twice.
        place.probe.messages.clear()
        assert (await place.send("canteen_1", "upload", upload))["uploaded"] == answer["uploaded"]
        assert place.balance(RESIDENT_CARD) == 1000 and len(place.fired("cards_offline_overdraw")) == 1
        listed = await place.call("offline_flagged", {"card": RESIDENT_CARD})
        assert [c["transaction_id"] for c in listed["charges"]] == ["pos:canteen_1:o2"] and listed["owed_fen"] == 1200
        with pytest.raises(ServiceValidationError, match="unsettled offline charge"):
            await place.call("return", {"card": RESIDENT_CARD, "method": "cash"})
        with pytest.raises(ServiceValidationError, match="recharge it first"):
            await place.call("settle_offline", {"transaction_id": "pos:canteen_1:o2", "method": "card"})
        await place.call("recharge", {"card": RESIDENT_CARD, "amount_fen": 500, "payment_id": "p2", "method": "cash"})
        settled = await place.call("settle_offline", {"transaction_id": "pos:canteen_1:o2", "method": "card"})
        assert settled["status"] == "settled" and settled["balance_fen"] == 300
        assert (await place.call("offline_flagged", {}))["charges"] == []


async def test_an_offline_charge_sent_alone_counts_at_its_own_time(tmp_path: Path, broker: BrokerProcess) -> None:
    async with canteen(tmp_path, broker) as place:
        breakfast = datetime(2026, 3, 2, 8, 0, tzinfo=SITE_TZ).isoformat()
        answer = await place.charge("canteen_1", STAFF_CARD, 1000, "o1", offline=True, ts=breakfast)
        assert answer["ok"] and answer["offline"]
        assert answer["reason"] == "charged ¥8.00 (breakfast; staff 20% off ¥10.00; offline)"
        lost = await place.charge("canteen_1", "FFFF0001", 1000, "o2", offline=True, ts=breakfast)
        assert lost["accepted"] is True and lost["ok"] is False
        assert place.fired("cards_offline_flagged")[0]["why"] == "pos:unknown_card"
        waived = await place.call("settle_offline", {"transaction_id": "pos:canteen_1:o2", "method": "waive",
                                                     "reason": "a visitor's card, paid cash"})
        assert waived["status"] == "waived"
