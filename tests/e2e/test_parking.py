"""Issue 12's acceptance, end to end with the demo community over a real broker and the
simulator's pymodbus barrier controllers: plates read at the main gate's cameras as a camera
publishes them (``lpr/<camera>/plate``), the decision read off the lane's display
(``display/<id>/show``), each arm's state and cycle counter read back over Modbus TCP, the
free spaces from ``sensor.main_free_spaces`` and the displays' guidance, money paid through the
simulated WeChat Pay's signed notify, the guard, the host's app and billing acting from outside.

The estate holds still (the simulator at a millionth of real speed): the cars at the gate are
the test's, so the counts are exact. Entry lane main-1 is the reference register map (unit 1),
exit lane main-2 Acme's AB-300 (unit 2)."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import SITE_TZ
from tests.e2e.demo import demo_config, import_the_estate
from tests.e2e.players import ROOT, Camera, Display, GateRegisters, call, fire, state, user_token
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.parking.test_tariff import ROWS
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.masking import mask_plate
from xiaoqu.core.money import fen_of
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents
from xiaoqu.plugins.sim_pay import get_platform

#: docs/parking.md's worked example 5 (tariff A, the demo's temporary tariff): 18:30 to 21:00,
#: a day stretch and a night.
EXAMPLE = next(row for row in ROWS if row[0] == "5")
_, _, ENTERED, EXITED, FEE, LINES = EXAMPLE
EVENING = datetime.fromisoformat(ENTERED).replace(tzinfo=SITE_TZ)
CAPACITY = 120
#: The simulated arm's travel, and its controller's own auto-close with no car under it (s).
TRAVEL, CONTROLLER_CLOSE = 3, 10
STRANGER, VISITOR, WAITING = "粤A5X7K9", "粤C8M2P6", "粤C3H4J7"


def site_config(broker: BrokerProcess) -> dict[str, Any]:
    """The demo on the test's broker; the estate still, and its payer paying when told."""
    config = demo_config()
    config["mqtt"] = broker.hub_config()
    config["simulator"]["speed"] = 1e-6
    config["sim_pay"]["pay_after"] = None
    # The parking issue's own blueprint, for a site whose billing fires `arrears` from outside
    # (the demo's billing runs its procedure's blueprints instead).
    config["automation"].append({"id": "block_entry_for_arrears", "use_blueprint": {
        "path": "block_entry_for_arrears.yaml", "input": {"months": 3, "household_notify": "notify.residents"}}})
    return config


@dataclass
class Lane:
    camera: Camera
    display: Display
    barrier: str
    registers: Callable[[], Awaitable[tuple[str, int]]]


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    probe: MqttProbe
    tokens: dict[str, str]
    entry: Lane
    exit: Lane

    async def call(self, role: str, service: str, data: dict[str, Any]) -> Any:
        return await call(self.hub, self.tokens[role], service, data)

    async def free(self) -> int:
        return int((await state(self.hub, self.tokens["manager"], "sensor.main_free_spaces"))["state"])

    async def guidance(self, free: int) -> None:
        """Both lanes' displays say ``free`` spaces."""
        for lane in (self.entry, self.exit):
            await lane.display.guidance([f"余位 {free}"])

    async def session(self, plate: str) -> dict[str, Any]:
        [found] = (await self.call("manager", "parking.sessions", {"plate": plate}))["sessions"]
        return found

    async def until(self, condition: Callable[[], Awaitable[Any]]) -> Any:
        async with asyncio.timeout(10):
            while not (value := await condition()):
                await asyncio.sleep(0.02)
        return value

    def gate_state(self, lane: Lane) -> str:
        return str(self.hub.states.get(lane.barrier).state)

    async def passes(self, lane: Lane) -> None:
        """The hub raised ``lane``'s arm for one car: the controller's arm rises (the hub's
        entity confirmed it), goes fully up counting one cycle, and comes down behind."""
        _, cycles = await lane.registers()
        await self.until(lambda: self.arm_is(lane, "opening"))
        await self.until(lambda: self.hub_says(lane, "opening"))
        self.clock.advance(TRAVEL)
        assert await lane.registers() == ("open", cycles + 1)
        await self.until(lambda: self.hub_says(lane, "open"))
        self.clock.advance(CONTROLLER_CLOSE + TRAVEL)
        assert await lane.registers() == ("closed", cycles + 1)
        await self.until(lambda: self.hub_says(lane, "closed"))

    async def shut(self, lane: Lane, cycles: int) -> None:
        """``lane``'s arm did not move: down, with the cycles it had."""
        await self.settle()
        assert await lane.registers() == ("closed", cycles)
        assert self.gate_state(lane) == "closed"

    async def unanswered(self, lane: Lane, plate: str) -> None:
        """``lane``'s camera reads ``plate`` and the hub has taken the read (its ``plate_read``)."""
        read = asyncio.Event()
        unsubscribe = self.hub.bus.listen("plate_read", lambda event: read.set() if event.data["plate"] == plate
                                          and event.data["camera"] == lane.camera.camera else None)
        try:
            await lane.camera.send(plate)
            async with asyncio.timeout(10):
                await read.wait()
        finally:
            unsubscribe()
        await self.settle()

    async def settle(self) -> None:
        for _ in range(3):
            await self.hub.block_till_done()
            await asyncio.sleep(0.05)

    async def arm_is(self, lane: Lane, arm: str) -> bool:
        return (await lane.registers())[0] == arm

    async def hub_says(self, lane: Lane, arm: str) -> bool:
        self.clock.advance(0)  # nothing moves; a poll due now runs
        return self.gate_state(lane) == arm


@asynccontextmanager
async def main_gate(tmp_path: Path, broker: BrokerProcess) -> AsyncIterator[Site]:
    config = site_config(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(EVENING)  # worked example 5's entry
    async with running_hub(tmp_path, config, clock=clock) as hub, \
            MqttProbe(broker, f"{ROOT}/display/+/show", f"{ROOT}/household/+/visitors/#") as probe, \
            GateRegisters(config["simulator"]["modbus_port"]) as registers:
        tokens = {role: await user_token(hub, f"e2e-{role}", role) for role in ("admin", "manager", "guard")}
        led_1, led_2 = Display(probe, "led-main-1"), Display(probe, "led-main-2")
        site = Site(hub, clock, probe, tokens,
                    Lane(Camera(probe, "cam-1", led_1), led_1, "barrier.main_1", lambda: registers.reference(1)),
                    Lane(Camera(probe, "cam-2", led_2), led_2, "barrier.main_gate_lane_2", lambda: registers.acme(2)))
        for lane in (site.entry, site.exit):
            await site.until(lambda lane=lane: site.hub_says(lane, "closed"))
        assert await site.free() == CAPACITY
        await site.guidance(CAPACITY)
        yield site


def cars_of_two_households(hub: Hub) -> tuple[str, str]:
    """A car of one household, and a car of another."""
    first, *others = sorted(get_residents(hub).vehicles(), key=lambda car: car.plate)
    second = next(car for car in others if car.household != first.household)
    return first.plate, second.plate


async def test_a_residents_car_in_and_out_with_the_free_spaces_right(tmp_path, broker):
    async with main_gate(tmp_path, broker) as site:
        plate, _ = cars_of_two_households(site.hub)
        shown = await site.entry.camera.read(plate)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(plate), "欢迎回家", f"余位 {CAPACITY - 1}"], "green")
        await site.passes(site.entry)
        assert await site.free() == CAPACITY - 1
        await site.guidance(CAPACITY - 1)
        inside = await site.session(plate)
        assert (inside["status"], inside["kind"], inside["rule"]) == ("inside", "resident", "resident")

        site.clock.advance(timedelta(hours=1))
        _, cycles = await site.exit.registers()
        shown = await site.exit.camera.read(plate)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(plate), "一路顺风"], "green")
        await site.passes(site.exit)
        assert (await site.exit.registers())[1] == cycles + 1
        assert await site.free() == CAPACITY
        await site.guidance(CAPACITY)
        left = await site.session(plate)
        assert (left["status"], left["fee_fen"], left["paid_fen"], left["matched"]) == ("left", 0, 0, "exact")


async def test_a_temporary_car_pays_the_worked_example_at_the_exit_and_only_then_leaves(tmp_path, broker):
    async with main_gate(tmp_path, broker) as site:
        assert get_residents(site.hub).vehicle(STRANGER) is None
        shown = await site.entry.camera.read(STRANGER)
        assert shown["lines"] == [mask_plate(STRANGER), "临时车 欢迎光临", f"余位 {CAPACITY - 1}"]
        await site.passes(site.entry)
        assert await site.free() == CAPACITY - 1

        site.clock.set(datetime.fromisoformat(EXITED).replace(tzinfo=SITE_TZ))
        _, cycles = await site.exit.registers()
        shown = await site.exit.camera.read(STRANGER)
        fee = fen_of(FEE.removeprefix("¥"))
        assert (shown["lines"], shown["colour"]) == ([mask_plate(STRANGER), "停车 2 h 30 min", f"请缴费 {FEE}"], "yellow")
        assert shown["qr"].startswith("weixin://wxpay/bizpayurl?pr=")
        await site.shut(site.exit, cycles)  # not paid: the arm stays down
        waiting = await site.session(STRANGER)
        assert (waiting["status"], waiting["fee_fen"], waiting["due_fen"]) == ("at_exit", fee, fee)
        assert waiting["explanation"] == LINES.split("<br>")
        [order] = (await site.call("manager", "payments.orders", {"reference": waiting["id"]}))["orders"]
        assert (order["order_id"], order["amount_fen"], order["status"]) == (waiting["order_id"], fee, "pending")

        # The driver scans the code and pays: WeChat Pay's signed notify to the hub's callback.
        site.clock.advance(40)
        platform, seen = get_platform(site.hub), len(site.exit.display.shown())
        paid = await platform.pay(order["order_id"])
        assert (paid.status, paid.amount_fen) == (204, fee)
        shown = await site.exit.display.next(seen)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(STRANGER), "一路顺风", f"停车费 {FEE}"], "green")
        await site.passes(site.exit)
        assert await site.free() == CAPACITY
        left = await site.session(STRANGER)
        assert (left["status"], left["fee_fen"], left["paid_fen"], left["unpaid_fen"]) == ("left", fee, fee, 0)

        # The platform notifies the same payment again (its retry): taken, and nothing changes.
        again = platform.seal(platform.transaction(order["order_id"], paid.transaction_id, fee)).body
        assert await platform.deliver(again) == 204
        await site.shut(site.exit, cycles + 1)
        assert await site.session(STRANGER) == left
        [order] = (await site.call("manager", "payments.orders", {"reference": left["id"]}))["orders"]
        assert order["status"] == "paid"
        assert (await site.call("manager", "payments.flagged", {}))["flagged"] == []
        # And the camera reads the car again as it drives off under the arm: nothing happens twice.
        site.clock.advance(20)
        await site.unanswered(site.exit, STRANGER)
        await site.shut(site.exit, cycles + 1)
        assert await site.session(STRANGER) == left
        assert len(site.exit.display.shown()) == seen + 1


async def test_a_confirmed_visitors_car_comes_in_and_an_unconfirmed_one_does_not(tmp_path, broker):
    async with main_gate(tmp_path, broker) as site:
        host = next(person.household for person in get_residents(site.hub).persons() if person.kind == "resident")
        leave_by = (site.clock.now() + timedelta(hours=2)).isoformat()
        visits = {}
        for plate, name in ((VISITOR, "王小明"), (WAITING, "李四")):
            registered = await site.call("guard", "visitors.register", {
                "name": name, "phone": "13912345678", "host_household": host, "plate": plate, "purpose": "visit",
                "leave_by": leave_by})
            visits[plate] = registered["visit_id"]
        prefix = f"{ROOT}/household/{host}/visitors"
        requests = [json.loads(body) for body in await site.probe.wait_until(
            lambda: len(site.probe.payloads(f"{prefix}/request")) == 2 and site.probe.payloads(f"{prefix}/request"))]
        asked = {request["visit_id"]: request["answer_topic"] for request in requests}
        assert set(asked) == set(visits.values())

        # The host's app lets the first visitor in; nobody answers for the second.
        await site.probe.publish(f"{prefix}/{visits[VISITOR]}/answer", json.dumps({"accept": True}))
        await site.probe.wait_until(lambda: any(json.loads(body).get("status") == "confirmed" for body in
                                                site.probe.payloads(f"{prefix}/{visits[VISITOR]}/status")))

        shown = await site.entry.camera.read(VISITOR)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(VISITOR), "访客车辆 欢迎光临", f"余位 {CAPACITY - 1}"],
                                                     "green")
        await site.passes(site.entry)
        _, cycles = await site.entry.registers()
        shown = await site.entry.camera.read(WAITING)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(WAITING), "访客待业主确认 waiting for host"], "red")
        await site.shut(site.entry, cycles)
        assert await site.free() == CAPACITY - 1
        log = {visit["plate"]: visit for visit in (await site.call("guard", "visitors.log", {"household": host}))["visits"]}
        assert (log[mask_plate(VISITOR)]["status"], log[mask_plate(WAITING)]["status"]) == ("confirmed", "pending")
        assert log[mask_plate(VISITOR)]["entered_at"] is not None and log[mask_plate(WAITING)]["entered_at"] is None


async def test_a_household_in_arrears_is_stopped_at_the_gate_and_passes_once_cleared(tmp_path, broker):
    async with main_gate(tmp_path, broker) as site:
        plate, other = cars_of_two_households(site.hub)
        household, neighbour = (get_residents(site.hub).vehicle(car).household for car in (plate, other))  # type: ignore[union-attr]
        # Two months behind is under the demo's three: the neighbour's car still comes in.
        await fire(site.hub, site.tokens["admin"], "arrears", {"household": neighbour, "months": 2, "amount_fen": 41152})
        await site.settle()
        shown = await site.entry.camera.read(other)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(other), "欢迎回家", f"余位 {CAPACITY - 1}"], "green")
        await site.passes(site.entry)

        await fire(site.hub, site.tokens["admin"], "arrears", {"household": household, "months": 6, "amount_fen": 123456})
        await site.settle()
        _, cycles = await site.entry.registers()
        shown = await site.entry.camera.read(plate)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(plate), "欠费 请到物业缴费"], "red")
        await site.shut(site.entry, cycles)
        assert await site.free() == CAPACITY - 1
        [denied] = (await site.call("manager", "access.log", {"household": household, "limit": 1}))["records"]
        assert denied["granted"] is False and denied["rule"].startswith("restriction:")
        assert "arrears: 6 months unpaid, ¥1234.56 owed (from 3 months cars are stopped)" in denied["reason"]

        await fire(site.hub, site.tokens["admin"], "arrears_cleared", {"household": household})
        await site.settle()
        site.clock.advance(30)  # the driver tries again: a new read, past the camera's fold window
        shown = await site.entry.camera.read(plate)
        assert (shown["lines"], shown["colour"]) == ([mask_plate(plate), "欢迎回家", f"余位 {CAPACITY - 2}"], "green")
        await site.passes(site.entry)
        assert await site.free() == CAPACITY - 2
