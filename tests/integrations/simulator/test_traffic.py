"""The simulated community over a real broker: believable traffic, every message one the
hub's device protocol accepts, and incidents the hub can see."""
from __future__ import annotations

import json
from datetime import datetime

from jsonschema import Draft202012Validator

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.device_protocol import BUILTIN_KINDS, load_schema

from .conftest import run_for, simulated, wait_for

NIGHT = datetime(2026, 3, 2, 1, 0, tzinfo=SITE_TZ)
MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=SITE_TZ)
SCHEMAS = {(kind.device_type, kind.message): kind.schema for kind in BUILTIN_KINDS}


def device_messages(probe: MqttProbe, start: datetime | None = None, end: datetime | None = None) -> list[tuple[str, dict]]:
    """(kind, payload) of what devices sent, stamped from ``start`` until before ``end``."""
    found = []
    for message in probe.messages:
        _, _, device_type, _, name = message.topic.value.split("/")
        if (device_type, name) not in SCHEMAS:
            continue
        payload = json.loads(message.payload)
        ts = payload.get("ts")  # a controller's retained status has none
        if start is None and end is None or ts is not None and (start is None or start.timestamp() <= ts) and (
                end is None or ts < end.timestamp()):
            found.append((f"{device_type}/{name}", payload))
    return found


async def test_peaks_bring_more_traffic_than_the_night(tmp_path, broker):
    clock = ManualClock(NIGHT, SITE_TZ)
    async with MqttProbe(broker, "xiaoqu/demo/+/+/+") as probe, simulated(tmp_path, broker, clock) as hub:
        acts = hub.data["simulator"].log.counts
        await run_for(hub, clock, 2 * 3600, step=30)
        night_acts = sum(acts.values())
        clock.set(MORNING)
        before_peak = sum(acts.values())
        await run_for(hub, clock, 2 * 3600, step=30)
        peak_acts = sum(acts.values()) - before_peak
        await wait_for(lambda: len(device_messages(probe)) >= hub.data["simulator"].connections[0].sent)
        night = device_messages(probe, NIGHT, datetime(2026, 3, 2, 3, 0, tzinfo=SITE_TZ))
        peak = device_messages(probe, MORNING, datetime(2026, 3, 2, 9, 0, tzinfo=SITE_TZ))
    assert peak_acts > 4 * max(night_acts, 1)
    credentials = lambda msgs: sum(1 for kind, _ in msgs if kind == "reader/credential")  # noqa: E731
    plates = lambda msgs: sum(1 for kind, _ in msgs if kind == "lpr/plate")  # noqa: E731
    assert credentials(peak) > 4 * max(credentials(night), 1)
    assert plates(peak) > 4 * max(plates(night), 1)


async def test_every_message_fits_the_device_protocol(tmp_path, broker):
    clock = ManualClock(MORNING, SITE_TZ)
    async with MqttProbe(broker, "xiaoqu/demo/+/+/+") as probe, simulated(tmp_path, broker, clock) as hub:
        sim = hub.data["simulator"]
        sim.traffic.force_door()
        sim.traffic.prop_door()
        back_gate = next(lane for lane in sim.lanes if lane.lane.transport == "mqtt")
        sim.traffic.barrier_fault()
        back_gate.gate.fail(back_gate.gate.fault_code.MOTOR_OVERLOAD)
        await run_for(hub, clock, 3 * 3600, step=20)
        gateway = sim.connections[0]
        await wait_for(lambda: len(device_messages(probe)) >= gateway.sent)
        received = device_messages(probe)
        rejections = mqtt.get(hub).rejections.as_dict()
    validators = {name: Draft202012Validator(load_schema(name)) for name in SCHEMAS.values()}
    for kind, payload in received:
        schema = SCHEMAS[tuple(kind.split("/"))]
        errors = [e.message for e in validators[schema].iter_errors(payload)]
        assert not errors, f"{kind} {payload}: {errors}"
    kinds = {kind for kind, _ in received}
    assert kinds == {"reader/credential", "lpr/plate", "barrier/state", "door/state", "patrol/scan", "pos/charge",
                     "controller/status", "controller/sync"}
    assert any(p.get("offline") for k, p in received if k == "patrol/scan"), "the offline wand uploads its round"
    assert any(p["state"] == "fault" and p["fault"] for k, p in received if k == "barrier/state")
    assert rejections["total"] == 0, rejections
