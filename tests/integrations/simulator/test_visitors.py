"""Simulated visitors through the visitors integration, on a real broker: the guard registers
them, the host's app answers over MQTT, the pass opens the gate, the car comes in on its plate."""
from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.access.const import LOG_KIND
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.importer import import_sheet
from xiaoqu.integrations.residents.sheet import read_sheet
from xiaoqu.integrations.simulator.sheet import write_sheet
from xiaoqu.integrations.visitors import get_visitors

from .conftest import settle, simulated

LUNCHTIME = datetime(2026, 3, 2, 11, 0, tzinfo=SITE_TZ)
GATES = ["gate-1", "gate-2"]
UNITS = [f"b{b}-u{u}" for b in (1, 2, 3) for u in (1, 2)]
SECTIONS = {
    "residents": {},
    "access": {
        "entries": [{"id": "main-1", "name": "Main gate lane 1 (in)", "kind": "vehicle"}],
        "groups": [{"id": "residents", "name": "Residents", "doors": ["*"], "members": {"kinds": ["resident"]}}],
    },
    "door": {"doors": [{"id": door, "name": door} for door in (*UNITS, *GATES)]},
    "lpr": {"cameras": [{"id": "cam-1", "name": "Lane 1 (in)", "lane": "main-1", "direction": "in"},
                        {"id": "cam-2", "name": "Lane 2 (out)", "lane": "main-2", "direction": "out"}]},
    "visitors": {
        "max_stay": {"hours": 12},
        "lanes": ["main-1"],
        "exits": ["gate-2"],
        "purposes": {
            "visit": {"name": "探亲访友 Visiting", "route": [*GATES, "b{building}-u{unit}"]},
            "delivery": {"name": "送货 Delivery", "route": GATES, "max_stay": {"hours": 1}, "lanes": []},
            "service": {"name": "维修服务 Repairs", "route": [*GATES, "b{building}-u{unit}"], "max_stay": {"hours": 4}},
        },
    },
}


async def live_for(hub, clock: ManualClock, seconds: int) -> None:
    """A second of the hub's clock at a time, each given a moment of real time: the broker's
    round trips (the request, the app's answer, the pass) take real milliseconds, which at
    the simulator's speed would otherwise be simulated minutes."""
    for _ in range(seconds):
        clock.advance(1)
        await hub.block_till_done()
        await asyncio.sleep(0.01)
    await settle(hub)


async def test_visitors_registered_answered_over_mqtt_and_let_in(tmp_path: Path, broker):
    clock = ManualClock(LUNCHTIME, SITE_TZ)
    answers = "xiaoqu/demo/household/+/visitors/+/answer"
    async with MqttProbe(broker, answers) as probe, \
            simulated(tmp_path, broker, clock, simulator={"speed": 30}, **SECTIONS) as hub:
        sim = hub.data["simulator"]
        sheet = tmp_path / "estate.csv"
        write_sheet(sim.estate, sheet)
        report = await import_sheet(get_residents(hub), read_sheet(sheet))
        assert report.error_count == 0
        assert sim.visitors is not None and sim.visitors.available
        for _ in range(16):  # a busy lunchtime at the booth, besides the stream's own visitors
            sim.visitors.comes()
        await live_for(hub, clock, 480)  # four simulated hours
        visits = list(get_visitors(hub).visits.values())
        await hub.recorder.flush()
        decisions = [r.data for r in await hub.recorder.query(LOG_KIND, limit=None)]
        acts = sim.log.counts["visitors"]

    # The guard registered them, as the hub's own call naming the guard on duty.
    assert len(visits) >= 16
    assert all(v.registered_by.startswith("simulator: guard ") for v in visits)
    assert {v.purpose for v in visits} <= {"visit", "delivery", "service"}
    with_plates = [v for v in visits if v.plate]
    assert with_plates and len(with_plates) < len(visits)
    # The hosts answered from their apps over MQTT, QoS 1, not retained; some never did.
    answered = [v for v in visits if v.answered_how is not None]
    assert answered and all(v.answered_how == "mqtt" for v in answered)
    assert {v.status for v in answered} & {"confirmed", "overstay", "closed"}
    assert any(v.status == "refused" for v in answered)
    assert any(v.status in ("pending", "expired") for v in visits), "some hosts never answer"
    published = [m for m in probe.messages if m.topic.value.endswith("/answer")]
    assert len(published) == len(answered)
    assert all(m.qos == 1 and not m.retain for m in published)
    # On foot: the pass shown at gate-1 (gate-2 is the exit), then at the host's unit entrance.
    qr = [d for d in decisions if d["type"] == "qr"]
    assert any(d["granted"] and d["door"] == "gate-1" for d in qr), qr
    assert not [d for d in qr if d["door"] == "gate-1" and not d["granted"]]
    walkers = [v for v in visits if not v.plate and v.entered_at is not None]
    assert walkers and all(v.entered_at_door == "gate-1" for v in walkers)
    # By car: in at cam-1 only once confirmed; refused drivers never reach the camera.
    drivers = [v for v in with_plates if v.entered_at is not None]
    assert all(v.entered_at_door == "cam-1" and v.answered_at is not None and v.answered_at <= v.entered_at
               for v in drivers)
    entering = next(lane for lane in sim.lanes if lane.lane.camera == "cam-1")
    refused_plates = {v.plate for v in with_plates if v.status == "refused"}
    assert not refused_plates & {car.plate for car in entering.passed}
    # Those who left were seen leaving: at the exit gate, or at cam-2.
    closed = [v for v in visits if v.status == "closed"]
    assert closed and all(v.exit in ("gate-2", "cam-2") for v in closed)
    assert acts >= 2 * len(visits)
