"""A vehicle lane on its own: cars queue, one per opening, the guard steps in only when
the hub does not open, and the camera reads each car."""
from __future__ import annotations

import random

from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.simulator.actlog import ActLog
from xiaoqu.integrations.simulator.barrier import BarrierGate, BarrierState
from xiaoqu.integrations.simulator.context import SimContext, Timers
from xiaoqu.integrations.simulator.estate import Lane
from xiaoqu.integrations.simulator.gates import QUEUE_LIMIT, Car, VehicleLane
from xiaoqu.integrations.simulator.link import Broker, DeviceConnection
from xiaoqu.integrations.simulator.profile import SimClock


def make_lane(hub) -> tuple[VehicleLane, DeviceConnection]:
    gateway = DeviceConnection(hub, Broker("127.0.0.1", 1), "test-gateway")  # never started: it only buffers
    ctx = SimContext(hub, random.Random(1), SimClock(hub.clock, 1.0), ActLog(lambda: "--:--"), gateway, Timers(hub))
    lane = Lane("main-1", "Main gate lane 1 (in)", "in", "modbus", "cam-1", 1)
    return VehicleLane(ctx, lane, BarrierGate(hub.clock, "main-1")), gateway


def cars(n: int) -> list[Car]:
    return [Car(f"粤B1234{i}", "in", "visitor") for i in range(n)]


def run(clock: ManualClock, lane: VehicleLane, seconds: float, hub_opens: bool) -> None:
    for _ in range(int(seconds * 2)):
        if hub_opens and lane._current is not None and lane.gate.state is BarrierState.CLOSED:
            lane.gate.open()  # what the hub does when it grants the plate
        clock.advance(0.5)


async def test_the_guard_opens_once_per_car_when_the_hub_is_silent(hub, clock):
    lane, gateway = make_lane(hub)
    for car in cars(3):
        assert lane.arrive(car)
    run(clock, lane, 120, hub_opens=False)
    assert [c.plate for c in lane.passed] == [c.plate for c in cars(3)]
    assert lane.guard_opened == 3 and lane.gate.cycles == 3
    assert lane.gate.state is BarrierState.CLOSED and not lane.gate.vehicle_present
    plates = [topic for topic, *_ in gateway._outbox if topic.endswith("/lpr/cam-1/plate")]
    assert len(plates) >= 3


async def test_no_guard_when_the_hub_opens(hub, clock):
    lane, _ = make_lane(hub)
    for car in cars(3):
        lane.arrive(car)
    run(clock, lane, 60, hub_opens=True)
    assert len(lane.passed) == 3 and lane.guard_opened == 0


async def test_a_long_queue_turns_newcomers_away(hub, clock):
    lane, _ = make_lane(hub)
    accepted = [lane.arrive(car) for car in cars(QUEUE_LIMIT + 2)]
    assert accepted == [True] * (QUEUE_LIMIT + 1) + [False]  # one on the loop, QUEUE_LIMIT waiting
    assert lane.turned_away == 1
