"""An automation's traces over the REST API hold no plate, phone or ID number in clear: a guard
(``api.read``) reads what a gate camera's plate triggered, masked as every page masks it."""
from __future__ import annotations

import json
from typing import Any

from xiaoqu.core.errors import HubError

PLATE, PLATE_MASKED = "粤A17964", "粤A1***4"
PHONE, PHONE_MASKED = "13812345678", "138****5678"
ID_NUMBER, ID_MASKED = "11010119900307451X", "110***********451X"

GATE_CAR = {
    "id": "gate_car",
    "alias": "Tell the guard room who is at the gate",
    "triggers": [{"trigger": "event", "event_type": "gate_plate"}],
    "variables": {"owner_phone": "{{ trigger.event.data.phone }}"},
    "actions": [
        {"variables": {"note": "car {{ trigger.event.data.plate }}, owner {{ owner_phone }}"}},
        {"action": "guard.notify", "data": {"message": "{{ note }}", "id_number": "{{ trigger.event.data.id }}"}},
        {"action": "guard.refuse", "data": {"plate": "{{ trigger.event.data.plate }}"}},
    ],
}


def _guard_services(api) -> list[dict[str, Any]]:
    told: list[dict[str, Any]] = []

    def refuse(call) -> None:
        raise HubError(f"plate {call.data['plate']} is on the blacklist")

    api.hub.services.register("guard", "notify", lambda call: told.append(dict(call.data)))
    api.hub.services.register("guard", "refuse", refuse)
    return told


async def test_a_guard_reads_the_trace_of_a_plate_masked(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, {"http": {"server_port": 0}, "automation": [GATE_CAR]}) as api:
        told = _guard_services(api)
        api.hub.bus.fire("gate_plate", {"plate": PLATE, "phone": PHONE, "id": ID_NUMBER, "lane": 1})
        await api.hub.block_till_done()
        assert told == [{"message": f"car {PLATE}, owner {PHONE}", "id_number": ID_NUMBER}]  # the run had them

        status, runs = await api.request("GET", "/api/automation/gate_car/traces", role="guard")
        assert status == 200, runs
        status, trace = await api.request("GET", "/api/automation/gate_car/traces/latest", role="guard")
        assert status == 200, trace

        text = json.dumps([runs, trace], ensure_ascii=False)
        for clear in (PLATE, PHONE, ID_NUMBER):
            assert clear not in text
        trigger = trace["trace"][0]["changed_variables"]["trigger"]["event"]["data"]
        assert trigger == {"plate": PLATE_MASKED, "phone": PHONE_MASKED, "id": ID_MASKED, "lane": 1}
        assert trace["trace"][0]["changed_variables"]["owner_phone"] == PHONE_MASKED
        notify = next(element for element in trace["trace"] if element["path"] == "action/1")
        assert notify["result"]["data"] == {"message": f"car {PLATE_MASKED}, owner {PHONE_MASKED}",
                                            "id_number": ID_MASKED}
        assert trace["error"] == f"action/2: plate {PLATE_MASKED} is on the blacklist"
        assert runs[0]["error"] == trace["error"]


async def test_the_log_line_of_a_failed_run_is_masked_too(tmp_path, serve_api, caplog) -> None:
    async with serve_api(tmp_path, {"http": {"server_port": 0}, "automation": [GATE_CAR]}) as api:
        _guard_services(api)
        api.hub.bus.fire("gate_plate", {"plate": PLATE, "phone": PHONE, "id": ID_NUMBER, "lane": 1})
        await api.hub.block_till_done()
    failed = [record.getMessage() for record in caplog.records if "failed at" in record.getMessage()]
    assert failed and PLATE_MASKED in failed[0] and PLATE not in caplog.text


async def test_a_measurement_in_a_trace_is_not_taken_for_a_phone(tmp_path, serve_api) -> None:
    meter = {"id": "meter", "triggers": [{"trigger": "state", "entity_id": "sensor.water_meter"}],
             "actions": [{"event": "meter_read"}]}
    async with serve_api(tmp_path, {"http": {"server_port": 0}, "automation": [meter]}) as api:
        api.hub.states.set("sensor.water_meter", PHONE, {"unit_of_measurement": "L", "note": f"reader {PHONE}"})
        await api.hub.block_till_done()
        status, trace = await api.request("GET", "/api/automation/meter/traces/latest", role="guard")
        assert status == 200, trace
        to_state = trace["trace"][0]["changed_variables"]["trigger"]["to_state"]
        assert to_state["state"] == PHONE
        assert to_state["attributes"] == {"unit_of_measurement": "L", "note": f"reader {PHONE_MASKED}"}
