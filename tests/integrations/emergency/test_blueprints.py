"""The two shipped blueprints on a real hub: a second fire-alarm input starts the fire plan
through an automation (latched: the input flapping changes nothing), and a group of devices
unavailable for minutes tells the technicians and announces the outage to every household with
notices' ``outage`` template, then its end once they are all back."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integrations.notices.conftest import START
from tests.integrations.portal.conftest import portal
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.notices import get_notices

PLANS: dict[str, Any] = {"fire": {"actions": [{"service": {"action": "logbook.log",
                                                           "data": {"name": "火警", "message": "fire plan on"}}}]}}


def automation(path: str, **inputs: Any) -> list[dict[str, Any]]:
    return [{"id": path.removesuffix(".yaml"), "use_blueprint": {"path": path, "input": inputs}}]


async def test_a_second_panel_starts_the_fire_plan_once_through_the_blueprint(tmp_path, broker):
    clock = ManualClock(START)
    async with portal(tmp_path, broker, clock=clock, emergency={"plans": PLANS},
                      automation=automation("fire_alarm_linkage.yaml", alarm_input="binary_sensor.panel_b2")) as site:
        hub = site.hub
        activated: list[dict[str, Any]] = []
        hub.bus.listen("emergency.activated", lambda e: activated.append(dict(e.data)))
        for state in ("off", "on", "off", "on"):
            hub.states.set("binary_sensor.panel_b2", state, {"friendly_name": "2号楼火灾报警控制器"})
            await hub.block_till_done()
        assert [(a["plan"], a["reason"]) for a in activated] == [("fire", "fire alarm: 2号楼火灾报警控制器 is on")]
        assert hub.states.get("emergency.fire").state == "active"


async def test_an_outage_is_announced_to_residents_and_its_end_too(tmp_path, broker):
    clock = ManualClock(START)
    told: list[dict[str, Any]] = []
    devices = ["sensor.gate_controller_1", "sensor.gate_controller_2"]
    async with portal(tmp_path, broker, clock=clock, notify=[{"name": "maintenance"}],
                      notices={"default_channels": ["log"]},
                      automation=automation("platform_fault_notice.yaml", devices=devices,
                                            technicians="notify.maintenance", what="门禁", area="南门")) as site:
        hub = site.hub
        hub.bus.listen("call_service", lambda e: told.append(dict(e.data["service_data"]))
                       if e.data["domain"] == "notify" else None)
        for device in devices:
            hub.states.set(device, "online")
        hub.states.set(devices[0], "unavailable")
        clock.advance(timedelta(minutes=2))
        hub.states.set(devices[0], "online")  # a blip: nobody told
        clock.advance(timedelta(minutes=20))
        await hub.block_till_done()
        assert told == [] and not get_notices(hub).notices
        hub.states.set(devices[1], "unavailable")
        clock.advance(timedelta(minutes=5, seconds=1))
        await hub.block_till_done()
        (outage,) = get_notices(hub).notices.values()
        assert outage.title == "停门禁通知" and "南门" in outage.body and len(outage.recipients) == 2
        assert told[0]["title"] == "门禁 outage" and devices[1] in told[0]["message"]
        hub.states.set(devices[1], "online")
        clock.advance(timedelta(minutes=10, seconds=1))
        await hub.block_till_done()
        end = [n for n in get_notices(hub).notices.values() if n.ref == "outage:门禁:end"]
        assert len(end) == 1 and end[0].title == "门禁恢复通知" and told[-1]["title"] == "门禁 restored"
