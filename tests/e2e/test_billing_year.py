"""Issue 13's first acceptance, end to end with the demo community over a real broker: one
household's year of property fees. The office runs each month's bill over the HTTP API as a
finance user; the fee notice reaches the household's app on its MQTT topic and is signed
there; January is paid ten days late through the payment provider's flow (WeChat Pay's signed
notify) with the late fee to the fen; February's bill is paid in part at the counter, allocated
oldest first; then nothing is paid and the demo's arrears procedure runs on the hub's clock:
the reminder on the 30th day, the second notice at three months, the household's car stopped
at the main gate once the second notice's deadline has passed; paid in full, the car comes in
again; and the rest of the year is paid on time.

Everything happens through the services, events, automations and notices a site runs: the
test calls no part of billing from Python. The estate holds still (the simulator at a
millionth of real speed, its office and residents not billing: the household is the test's).
The devices that report on the hub's clock every few seconds whatever happens (the CCTV NVR,
the patrol wands, the smart-home devices) are left out: a year of their reports is a minute of
work and nothing to billing.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.conftest import SITE_TZ
from tests.e2e.demo import demo_config, import_the_estate
from tests.e2e.players import ROOT, Camera, Display, call, user_token
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.bus import Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.masking import mask_plate
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents

YEAR = 2026
#: The office's hour: bills run, payments made and notices read after the 09:00 evaluation.
OFFICE = time(10, 0)
#: docs/billing.md's late fee, as the demo configures it: 0.3% of the overdue principal a day.
PERCENT_PER_DAY = Decimal("0.3")


def late_fee(principal_fen: int, days: int) -> int:
    """The docs' rule: principal × 0.3% × days, rounded once, half up, to the fen."""
    return int((principal_fen * PERCENT_PER_DAY * days / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def site_config(broker: BrokerProcess) -> dict[str, Any]:
    config = demo_config()
    config["mqtt"] = broker.hub_config()
    config["simulator"].update(speed=1e-6, billing=False, smart_home_devices=0)
    config["sim_pay"]["pay_after"] = None
    for chatty in ("cctv", "patrol"):
        config.pop(chatty)
    # And the sun: its position every few minutes is most of a year's work on the clock.
    for where in ("latitude", "longitude"):
        config["xiaoqu"].pop(where)
    config["automation"] = [a for a in config["automation"] if a["id"] != "path_lights_at_dusk"]
    return config


@dataclass
class Household:
    hub: Hub
    clock: ManualClock
    probe: MqttProbe
    tokens: dict[str, str]
    id: str
    plate: str
    gate: Camera

    async def call(self, role: str, service: str, data: dict[str, Any]) -> Any:
        return await call(self.hub, self.tokens[role], service, data)

    async def settle(self) -> None:
        for _ in range(2):
            await self.hub.block_till_done()
            await asyncio.sleep(0.01)

    async def on(self, day: date, at: time = OFFICE) -> None:
        """The clock to ``day`` at ``at``, one day at a time: each day's 09:00 evaluation with
        that day's books, and what it starts (notices, automations) done before the next."""
        moment = datetime.combine(day, at, SITE_TZ)
        while self.clock.now() + timedelta(days=1) < moment:
            self.clock.advance(timedelta(days=1))
            await self.settle()
        self.clock.set(moment)
        await self.settle()

    def notices(self, template: str) -> list[dict[str, Any]]:
        """The household's notices of ``template`` as its app reads them off the broker."""
        prefix = f"{ROOT}/household/{self.id}/notices/"
        topics = (str(message.topic.value) for message in self.probe.messages)
        bodies = [json.loads(body) for topic in dict.fromkeys(topics)
                  if topic.startswith(prefix) and "/" not in topic.removeprefix(prefix)
                  for body in self.probe.payloads(topic)]
        return [body for body in bodies if body.get("template") == template]

    async def notice(self, template: str, ref: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((body for body in self.notices(template) if body["ref"] == ref), None)

        body: dict[str, Any] = await self.probe.wait_until(found)
        return body

    async def sign(self, notice_id: str) -> dict[str, Any]:
        """The app signs the notice on its own topic; the hub's answer on the status topic."""
        topic = f"{ROOT}/household/{self.id}/notices/{notice_id}"
        await self.probe.publish(f"{topic}/ack", json.dumps({"signed": True}))
        body: bytes = (await self.probe.wait_for(f"{topic}/status")).payload  # type: ignore[assignment]
        answer: dict[str, Any] = json.loads(body)
        return answer

    async def run(self, month: int) -> dict[str, Any]:
        """The office bills the month on its first day; the household's fee notice arrives."""
        period = f"{YEAR}-{month:02d}"
        await self.on(date(YEAR, month, 1))
        ran = await self.call("finance", "billing.run", {"period": period})
        assert ran["notices"] > 0
        assert (await self.call("finance", "billing.run", {"period": period}))["notices"] == 0
        notice = await self.notice("fee_notice", f"billing:{period}:{self.id}")
        assert notice["title"] == f"物业费缴费通知单（{period}）"
        [bill] = [b for b in await self.bills() if b["period"] == period]
        assert bill["due"] == f"{period}-15" and bill["total_fen"] > 0
        assert f"{bill['total_fen'] / 100:.2f}" in notice["body"]
        return bill

    async def bills(self) -> list[dict[str, Any]]:
        return list((await self.call("finance", "billing.bills", {"household": self.id}))["bills"])

    async def arrears(self) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("finance", "billing.arrears", {"household": self.id})
        return found

    async def pay_online(self, amount_fen: int) -> dict[str, Any]:
        """The app's online payment: an order for billing at the provider, paid by WeChat Pay's
        signed notify to the hub; the payment billing applied (its event)."""
        applied: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

        def take(event: Event) -> None:
            if event.data["household"] == self.id and not applied.done():
                applied.set_result(dict(event.data))

        unsubscribe = self.hub.bus.listen("billing.payment_applied", take)
        try:
            order = await self.call("finance", "payments.create_order", {
                "amount_fen": amount_fen, "description": "物业费", "purpose": "billing", "reference": self.id})
            paid = await self.call("finance", "sim_pay.pay", {"order_id": order["order_id"]})
            assert paid["amount_fen"] == amount_fen
            async with asyncio.timeout(10):
                return await applied
        finally:
            unsubscribe()

    async def pay_at_counter(self, amount_fen: int, payment_id: str) -> dict[str, Any]:
        paid: dict[str, Any] = await self.call("finance", "billing.pay", {
            "household": self.id, "amount_fen": amount_fen, "payment_id": payment_id, "method": "cash"})
        await self.settle()
        return paid

    async def step_taken(self, step: str) -> bool:
        answer = await self.call("finance", "billing.escalation", {"household": self.id})
        [record] = answer["households"]
        return step in record["steps"] and record["steps"][step]["state"] == "fired"

    async def at_the_gate(self) -> dict[str, Any]:
        self.clock.advance(30)  # a new read, past the camera's fold window
        return await self.gate.read(self.plate)


async def test_one_households_year_of_fees_arrears_and_the_car_at_the_gate(tmp_path, broker):
    config = site_config(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(datetime(YEAR - 1, 12, 31, 18, tzinfo=SITE_TZ))
    async with running_hub(tmp_path, config, clock=clock) as hub, \
            MqttProbe(broker, f"{ROOT}/household/+/notices/+", f"{ROOT}/household/+/notices/+/status",
                      f"{ROOT}/display/+/show") as probe:
        tokens = {role: await user_token(hub, f"e2e-{role}", role) for role in ("finance", "manager")}
        car = min(get_residents(hub).vehicles(), key=lambda vehicle: vehicle.plate)
        entry = Display(probe, "led-main-1")
        home = Household(hub, clock, probe, tokens, car.household, car.plate, Camera(probe, "cam-1", entry))

        # January: billed on the 1st, the notice signed in the app, paid online ten days late.
        january = await home.run(1)
        fee_notice = await home.notice("fee_notice", f"billing:{YEAR}-01:{home.id}")
        signed = await home.sign(fee_notice["notice_id"])
        assert (signed["taken"], signed["already"]) == (True, False)
        await home.settle()
        assert (await home.bills())[0]["signed"]
        await home.on(date(YEAR, 1, 25))
        owed = await home.arrears()
        fee = late_fee(january["total_fen"], 10)
        assert (owed["days"], owed["overdue_fen"], owed["late_fee_fen"]) == (10, january["total_fen"], fee)
        paid = await home.pay_online(owed["total_fen"])
        assert paid["allocated"] == [
            {"bill": january["bill"], "period": f"{YEAR}-01", "part": "late_fee", "amount_fen": fee},
            {"bill": january["bill"], "period": f"{YEAR}-01", "part": "principal", "amount_fen": january["total_fen"]}]
        assert paid["credit_fen"] == 0 and paid["method"] == "wechat"
        assert (await home.arrears())["total_fen"] == 0

        # February unpaid; in March ¥100 at the counter: February's late fee, then its principal,
        # March's bill (not yet due) untouched.
        february = await home.run(2)
        march = await home.run(3)
        await home.on(date(YEAR, 3, 10))
        fee = late_fee(february["total_fen"], 23)
        part = await home.pay_at_counter(10000, "e2e-counter-march")
        assert part["allocated"] == [
            {"bill": february["bill"], "period": f"{YEAR}-02", "part": "late_fee", "amount_fen": fee},
            {"bill": february["bill"], "period": f"{YEAR}-02", "part": "principal", "amount_fen": 10000 - fee}]
        left = february["total_fen"] - (10000 - fee)
        bills = {b["bill"]: b for b in await home.bills()}
        assert (bills[february["bill"]]["outstanding_fen"], bills[march["bill"]]["outstanding_fen"]) == (
            left, march["total_fen"])

        # The reminder on the 30th day after February's due date (15 Feb + 30 = 17 March), not before.
        await home.on(date(YEAR, 3, 16))
        assert home.notices("reminder") == []
        await home.on(date(YEAR, 3, 17))
        reminder = await home.notice("reminder", f"arrears:{home.id}:2:reminder")
        assert home.id in reminder["title"]

        # April's bill; the second notice at three months (15 May), its deadline 15 days on.
        april = await home.run(4)
        may = await home.run(5)
        await home.on(date(YEAR, 5, 14))
        assert home.notices("second_notice") == []
        await home.on(date(YEAR, 5, 15))
        second = await home.notice("second_notice", f"arrears:{home.id}:2:second_notice")
        assert "2026-05-30" in second["body"]

        # The car comes in until the deadline has passed; the day after, it is stopped.
        await home.on(date(YEAR, 5, 30))
        assert not await home.step_taken("suspension")
        await home.on(date(YEAR, 5, 31))
        assert await home.step_taken("suspension")
        shown = await home.at_the_gate()
        assert (shown["lines"], shown["colour"]) == ([mask_plate(home.plate), "欠费 请到物业缴费"], "red")
        [denied] = (await home.call("manager", "access.log", {"household": home.id, "limit": 1}))["records"]
        assert denied["granted"] is False and "arrears: " in denied["reason"]
        assert "step suspension" in denied["reason"]

        # June's bill; on the 10th the household pays everything at the counter (late fees to
        # the day on what each bill still owed), and its car comes in again.
        june = await home.run(6)
        await home.on(date(YEAR, 6, 10))
        owed = await home.arrears()
        fees = {february["bill"]: late_fee(left, 92), march["bill"]: late_fee(march["total_fen"], 87),
                april["bill"]: late_fee(april["total_fen"], 56), may["bill"]: late_fee(may["total_fen"], 26)}
        principal = left + sum(b["total_fen"] for b in (march, april, may, june))
        assert (owed["outstanding_fen"], owed["late_fee_fen"]) == (principal, sum(fees.values()))
        full = await home.pay_at_counter(owed["total_fen"], "e2e-counter-june")
        assert [(a["bill"], a["part"]) for a in full["allocated"]] == [
            (bill["bill"], part) for bill in (february, march, april, may) for part in ("late_fee", "principal")
        ] + [(june["bill"], "principal")]
        assert {a["bill"]: a["amount_fen"] for a in full["allocated"] if a["part"] == "late_fee"} == fees
        assert (await home.arrears())["total_fen"] == 0
        shown = await home.at_the_gate()
        assert shown["colour"] == "green" and shown["lines"][:2] == [mask_plate(home.plate), "欢迎回家"]

        # The rest of the year on time, online: no late fee, no new episode.
        for month in range(7, 13):
            bill = await home.run(month)
            await home.on(date(YEAR, month, 14))
            paid = await home.pay_online(bill["total_fen"])
            assert paid["allocated"] == [
                {"bill": bill["bill"], "period": bill["period"], "part": "principal", "amount_fen": bill["total_fen"]}]
        escalation = await home.call("finance", "billing.escalation", {"household": home.id})
        assert escalation["households"][0]["episode"] == 2
        assert [b["period"] for b in await home.bills()] == [f"{YEAR}-{m:02d}" for m in range(12, 0, -1)]
        assert all(b["outstanding_fen"] == 0 for b in await home.bills())
