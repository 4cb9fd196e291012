"""The hub's own pages on a real hub: entities (filtered, paged, exported, one entity's history
and logbook), devices (the office's basic data) and automations (their runs in full, switched
by a manager, refused to a guard)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import openpyxl

from tests.integrations.dashboard.conftest import PASSWORD, Browser, audit_acts, browser, dashboard_hub
from xiaoqu.core.auth import Actor
from xiaoqu.core.hub import Hub

AUTOMATIONS: list[dict[str, Any]] = [{
    "id": "gate_alarm", "alias": "Gate alarm",
    "triggers": [{"trigger": "event", "event_type": "gate_alarm"}],
    "conditions": [{"condition": "template", "value_template": "{{ trigger.event.data.level > 1 }}"}],
    "actions": [
        {"action": "logbook.log", "data": {"name": "Gate", "message": "alarm level {{ trigger.event.data.level }}, "
                                                                    "car {{ trigger.event.data.plate }}"}},
        {"action": "logbook.log", "data": {"name": "{{ trigger.event.data.who }}", "message": "acknowledged"}},
    ],
}]
CONFIG: dict[str, Any] = {"automation": AUTOMATIONS}
#: Numbered sensors beyond one page of a list (50 rows).
MANY = 60
#: Personal data as devices report it, and as the pages show it.
PLATE, PLATE_MASKED = "粤A17964", "粤A1***4"
PHONE, PHONE_MASKED = "13812345678", "138****5678"


async def _estate(hub: Hub) -> None:
    """A gate controller with a temperature sensor and a lock, a silent meter, and many sensors."""
    gate = await hub.devices.get_or_create(integration="test", identifiers=["test:gate"], name="Gate controller",
                                           number="D-001", location="north gate", model="AB-300",
                                           manufacturer="Acme", sw_version="2.1")
    await hub.devices.get_or_create(integration="test", identifiers=["test:meter"], name="Water meter",
                                    number="D-002", location="car park", model="WM-1", manufacturer="Brio")
    for unique_id, entity_id in (("gate_temp", "sensor.gate_temperature"), ("gate_lock", "lock.gate")):
        await hub.entity_registry.get_or_create(platform="test", unique_id=unique_id, suggested_entity_id=entity_id,
                                                device_id=gate.id)
    for value in ("21.5", "22.0", "23.5"):
        hub.states.set("sensor.gate_temperature", value, {"unit_of_measurement": "°C", "friendly_name": "Gate temperature"})
    for value in ("locked", "unlocked", "locked"):
        hub.states.set("lock.gate", value, {"friendly_name": "Gate lock"})
    hub.states.set("sensor.gate_last_plate", PLATE, {"friendly_name": "Gate last plate", "phone": PHONE})
    for number in range(MANY):
        hub.states.set(f"sensor.meter_{number:02d}", str(number), {"friendly_name": f"Meter {number:02d}"})
    await hub.block_till_done()
    await hub.recorder.flush()


@asynccontextmanager
async def site(tmp_path: Path) -> AsyncIterator[Hub]:
    async with dashboard_hub(tmp_path, CONFIG) as hub:
        await _estate(hub)
        yield hub


@asynccontextmanager
async def signed_in(hub: Hub, name: str) -> AsyncIterator[Browser]:
    """``name``'s browser, signed in and reading English."""
    async with browser(hub) as person:
        await person.sign_in(name)
        await person.get("/dashboard/")
        await person.post("/dashboard/language", {"language": "en"})
        yield person


def rows(text: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>(.*?)</tr>", text.split("<tbody>", 1)[1], re.S)


async def test_entities_are_listed_filtered_and_paged(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        status, text, _ = await guard.get("/dashboard/entities")
        assert status == 200 and len(rows(text)) == 50 and "1–50 of" in text and "offset=50" in text
        _, text, _ = await guard.get("/dashboard/entities?offset=50")
        assert "51–" in text and "offset=0" in text
        _, text, _ = await guard.get("/dashboard/entities?domain=lock")
        assert len(rows(text)) == 1 and "Gate lock" in text and "north gate" in text and "Gate controller" in text
        _, text, _ = await guard.get("/dashboard/entities?area=north+gate")
        assert len(rows(text)) == 2
        _, text, _ = await guard.get("/dashboard/entities?q=METER_1")
        assert len(rows(text)) == 10
        _, text, _ = await guard.get("/dashboard/entities?state=unlocked")
        assert "No entities." in text
        _, text, _ = await guard.get("/dashboard/entities?state=locked&domain=lock")
        assert len(rows(text)) == 1


async def test_entities_export_what_the_filter_shows(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        status, text, response = await guard.get("/dashboard/entities?q=meter&format=csv")
        assert status == 200 and response.headers["Content-Disposition"] == 'attachment; filename="entities.csv"'
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert lines[0][:3] == ["Entity id", "Entity name", "State"] and len(lines) == 1 + MANY
        async with guard.session.get(guard.base + "/dashboard/entities?domain=lock&format=xlsx") as response:
            sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
        assert [cell.value for cell in sheet[2]][:3] == ["lock.gate", "Gate lock", "locked"]
        exported = [act for act in await audit_acts(hub) if act["act"] == "dashboard_export"]
        assert [(act["by"], act["rows"]) for act in exported] == [("guard", MANY), ("guard", 1)]


async def test_a_measurement_is_charted_and_a_lock_is_a_timeline_with_its_logbook(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        status, text, _ = await guard.get("/dashboard/entities/sensor.gate_temperature")
        assert status == 200 and 'data-chart=' in text and "23.5" in text and "Gate controller" in text
        assert "°C" in text and 'class="timeline"' not in text
        status, text, _ = await guard.get("/dashboard/entities/lock.gate")
        assert status == 200 and 'class="timeline"' in text and "data-chart=" not in text
        assert text.count("became unlocked") == 1 and text.count("became locked") == 2
        status, text, _ = await guard.get("/dashboard/entities/lock.gate?format=csv")
        assert [line[1] for line in csv.reader(io.StringIO(text.lstrip("\ufeff")))] == ["State", "locked", "unlocked",
                                                                                        "locked"]


async def test_a_period_that_ended_before_the_changes_shows_the_state_it_had(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        status, text, _ = await guard.get("/dashboard/entities/lock.gate?start=2020-01-01T00:00&end=2020-01-02T00:00")
        assert status == 200 and "Nothing recorded in this period." in text


async def test_malformed_ids_and_periods_are_refused_saying_why(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        for path, says in (
            ("/dashboard/entities/Not..an.id", "is not an entity id"),
            ("/dashboard/entities/lock.gate?start=yesterday", "Times are written like"),
            ("/dashboard/entities/lock.gate?start=2026-03-02T10:00&end=2026-03-02T09:00", "must end after it starts"),
            ("/dashboard/entities/lock.gate?start=2026-03-01T00:00&end=2026-03-20T00:00", "at most 10 days"),
            ("/dashboard/entities/lock.gate?start=0001-01-01T00:00&end=0001-01-02T00:00", "between the years 2000"),
            ("/dashboard/automations/gate_alarm?run=latest", "A run is named by its number"),
            ("/dashboard/entities?q=" + "x" * 101, "Search for at most 100 characters"),
        ):
            status, text, _ = await guard.get(path)
            assert status == 400 and says in text, path
        assert (await guard.get("/dashboard/entities/sensor.nowhere"))[0] == 404
        assert (await guard.get("/dashboard/devices/nothing-here"))[0] == 404
        assert (await guard.get("/dashboard/automations/nothing_here"))[0] == 404


async def test_personal_data_in_states_and_attributes_is_masked(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "manager") as manager:
        for path in ("/dashboard/entities?q=plate", "/dashboard/entities/sensor.gate_last_plate",
                     "/dashboard/entities?q=plate&format=csv", "/dashboard/entities/sensor.gate_last_plate?format=csv"):
            _, text, _ = await manager.get(path)
            assert PLATE_MASKED in text and PLATE not in text and PHONE not in text, path
        _, text, _ = await manager.get("/dashboard/entities/sensor.gate_last_plate")
        assert PHONE_MASKED in text
        hub.states.set("sensor.water_total", PHONE, {"unit_of_measurement": "L"})  # a count, not a phone
        _, text, _ = await manager.get("/dashboard/entities?q=water_total")
        assert f"{PHONE} L" in text


async def test_devices_are_the_offices_basic_data(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        status, text, _ = await guard.get("/dashboard/devices")
        assert status == 200 and len(rows(text)) == 2
        gate, meter = rows(text)
        assert all(word in gate for word in ("D-001", "Gate controller", "north gate", "Acme", "AB-300", "2.1", "available"))
        assert "no entities" in meter
        _, text, _ = await guard.get("/dashboard/devices?manufacturer=Brio")
        assert len(rows(text)) == 1 and "Water meter" in text
        _, text, _ = await guard.get("/dashboard/devices?status=available")
        assert len(rows(text)) == 1 and "Gate controller" in text
        device_id = hub.devices.find("test:gate").id
        status, text, _ = await guard.get(f"/dashboard/devices/{device_id}")
        assert status == 200 and "Gate temperature" in text and "Gate lock" in text
        _, text, _ = await guard.get("/dashboard/devices?format=csv")
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert lines[0][:3] == ["Number", "Device name", "Location"]
        assert lines[1][:3] == ["D-001", "Gate controller", "north gate"]
        hub.states.set("lock.gate", "unavailable")
        hub.states.set("sensor.gate_temperature", "unavailable")
        _, text, _ = await guard.get("/dashboard/devices?status=unavailable")
        assert len(rows(text)) == 1 and "Gate controller" in text


async def test_a_run_shows_its_trigger_condition_and_steps_with_the_error(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        hub.bus.fire("gate_alarm", {"level": 0, "who": "guard"})
        hub.bus.fire("gate_alarm", {"level": 3, "who": "", "plate": PLATE})
        await hub.block_till_done()
        status, text, _ = await guard.get("/dashboard/automations")
        assert status == 200 and "Gate alarm" in text and "error" in text
        status, text, _ = await guard.get("/dashboard/automations/gate_alarm")
        assert status == 200 and text.count('<a href="?run=') == 2
        trace = text.split('class="card trace"', 1)[1]
        for shown in ("Trigger", "Conditions", "Actions", "Test a condition", "passed", "Call a service",
                      "logbook.log", "action/1", f"alarm level 3, car {PLATE_MASKED}"):
            assert shown in trace, shown
        assert PLATE not in text
        assert 'class="step depth0 failed"' in trace
        older = re.findall(r'href="\?run=(\d+)"', text)[-1]
        _, text, _ = await guard.get(f"/dashboard/automations/gate_alarm?run={older}")
        assert "did not pass" in text and "stopped: a condition failed" in text
        assert (await guard.get("/dashboard/automations/gate_alarm?run=999999"))[0] == 404


async def test_a_guard_may_not_switch_or_run_an_automation(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "guard") as guard:
        _, text, _ = await guard.get("/dashboard/automations")
        assert "/gate_alarm/off" not in text and "/gate_alarm/trigger" not in text and 'role="switch"' not in text
        for act in ("off", "trigger"):
            status, _, _ = await guard.post(f"/dashboard/automations/gate_alarm/{act}", {})
            assert status == 403
        await hub.block_till_done()
        assert hub.states.get("automation.gate_alarm").state == "on"
        assert not hub.data["automation"].get("gate_alarm").traces
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert [act["permission"] for act in denied] == ["automation.turn_off", "automation.trigger"]
        assert all(act["by"] == "guard" for act in denied)


async def test_a_manager_switches_an_automation_off_and_on_and_runs_it(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "manager") as manager:
        _, text, _ = await manager.get("/dashboard/automations?q=gate")
        assert 'role="switch" aria-checked="true"' in text and "/gate_alarm/off" in text
        status, _, response = await manager.post("/dashboard/automations/gate_alarm/off",
                                                  {"back": "/dashboard/automations?q=gate"})
        assert status == 303 and response.headers["Location"] == "/dashboard/automations?q=gate"
        assert hub.states.get("automation.gate_alarm").state == "off"
        status, _, response = await manager.post("/dashboard/automations/gate_alarm/on", {"back": "https://evil.example/"})
        assert status == 303 and response.headers["Location"] == "/dashboard/automations"
        assert hub.states.get("automation.gate_alarm").state == "on"
        status, _, response = await manager.post("/dashboard/automations/gate_alarm/trigger", {})
        assert status == 303 and response.headers["Location"] == "/dashboard/automations/gate_alarm"
        await hub.block_till_done()
        _, text, _ = await manager.get("/dashboard/automations/gate_alarm")
        assert "Run by" in text and "manager" in text and "automation.trigger service" in text
        calls = [(act["service"], act["by"], act["source"]) for act in await audit_acts(hub) if act["act"] == "service_call"
                 and act["service"].startswith("automation.")]
        assert calls == [("automation.turn_off", "manager", "dashboard"), ("automation.turn_on", "manager", "dashboard"),
                         ("automation.trigger", "manager", "dashboard")]


async def test_the_pages_read_in_chinese(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, browser(hub) as guard:
        await guard.sign_in("guard")
        _, text, _ = await guard.get("/dashboard/devices")
        assert "设备" in text and "固件" in text
        _, text, _ = await guard.get("/dashboard/automations")
        assert "自动化" in text


async def test_a_resident_never_reaches_them(tmp_path: Path) -> None:
    async with site(tmp_path) as hub:
        await hub.data["auth"].manager.add_user("resident", "resident", PASSWORD, Actor("hub", "test"))
        async with browser(hub) as resident:
            await resident.sign_in("resident")
            for path in ("/dashboard/entities", "/dashboard/entities/lock.gate", "/dashboard/devices",
                         "/dashboard/automations", "/dashboard/automations/gate_alarm"):
                assert (await resident.get(path))[0] == 403, path
            assert (await resident.post("/dashboard/automations/gate_alarm/off", {}))[0] == 403
        assert hub.states.get("automation.gate_alarm").state == "on"
