"""/api/history/period and /api/logbook as Home Assistant's REST API answers them, over a real
server, from states the hub recorded as they changed (START is 2026-03-02 08:00 Shanghai)."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import START

LOCK = "lock.east_door"
TEMP = "sensor.boiler_temperature"


async def changes(api, clock) -> None:
    """A lock and a thermometer over an hour, then a logbook line from an automation."""
    hub = api.hub
    hub.states.set(LOCK, "locked", {"friendly_name": "East door"})
    hub.states.set(TEMP, "60", {"unit_of_measurement": "°C"})
    for minutes, lock, temp in ((10, "unlocked", "61"), (20, "unlocked", "62"), (30, "locked", "63")):
        clock.advance(timedelta(minutes=10))
        hub.states.set(LOCK, lock, {"friendly_name": "East door", "by": f"card {minutes}"})
        hub.states.set(TEMP, temp, {"unit_of_measurement": "°C"})
    await hub.services.call("logbook", "log", {"name": "Guard", "message": "checked the east door",
                                               "entity_id": LOCK}, blocking=True)
    await hub.block_till_done()
    await hub.recorder.flush()


async def test_history_of_two_entities_from_a_start_time(api, clock) -> None:
    await changes(api, clock)
    start = (START + timedelta(minutes=5)).isoformat()
    status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id={LOCK},{TEMP}",
                                     role="guard")
    assert status == 200
    lock, temp = body
    # The first row is the state at the start time (locked since 08:00), then each change.
    assert [row["state"] for row in lock] == ["locked", "unlocked", "unlocked", "locked"]
    assert lock[0]["last_changed"] == lock[0]["last_updated"] == "2026-03-02T00:05:00+00:00"  # 08:05 local
    assert lock[1]["last_changed"] == "2026-03-02T00:10:00+00:00"
    assert lock[2]["attributes"] == {"friendly_name": "East door", "by": "card 20"}
    assert [row["state"] for row in temp] == ["60", "61", "62", "63"]

    status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id={LOCK}"
                                     "&significant_changes_only&no_attributes&minimal_response")
    assert [[row["state"] for row in rows] for rows in body] == [["locked", "unlocked", "locked"]]
    assert "attributes" not in body[0][0] and set(body[0][1]) == {"state", "last_changed"}


async def test_history_asks_for_a_period_it_can_read(api, clock) -> None:
    await changes(api, clock)
    assert (await api.request("GET", f"/api/history/period?filter_entity_id={LOCK}"))[0] == 200
    status, body = await api.request("GET", "/api/history/period/yesterday?filter_entity_id=a.b")
    assert status == 400 and body["message"] == "Invalid start time: 'yesterday' is not an ISO 8601 time."
    status, body = await api.request("GET", "/api/history/period")
    assert status == 400 and "filter_entity_id is missing" in body["message"]
    many = ",".join(f"sensor.s{i}" for i in range(101))
    assert (await api.request("GET", f"/api/history/period?filter_entity_id={many}"))[0] == 400
    # a resident is answered only about their own entities (tests/core/http/test_entity_scope.py)
    assert await api.request("GET", f"/api/history/period?filter_entity_id={LOCK}", role="resident") == (200, [])
    assert (await api.request("GET", f"/api/history/period?filter_entity_id={LOCK}", role=None))[0] == 401


async def test_logbook_lists_changes_and_entries_but_not_measurements(api, clock) -> None:
    await changes(api, clock)
    status, body = await api.request("GET", f"/api/logbook/{START.isoformat()}", role="guard")
    assert status == 200
    assert [(row["name"], row.get("state") or row.get("message")) for row in body] == [
        ("East door", "locked"), ("East door", "unlocked"), ("East door", "unlocked"), ("East door", "locked"),
        ("Guard", "checked the east door"),
    ]
    status, body = await api.request("GET", f"/api/logbook/{START.isoformat()}?entity={TEMP}")
    assert body == []


async def test_a_request_reads_a_bounded_period_and_number_of_records(api, clock, monkeypatch) -> None:
    from xiaoqu.core.history import views

    await changes(api, clock)
    eleven_days = (START + timedelta(days=11)).isoformat().replace("+", "%2B")
    status, body = await api.request("GET", f"/api/logbook/{START.isoformat()}?end_time={eleven_days}")
    assert status == 400 and body["message"] == "A period of at most 10 days in one request."
    monkeypatch.setattr(views, "MAX_LOGBOOK", 3)
    monkeypatch.setattr(views, "MAX_STATES", 3)
    status, body = await api.request("GET", f"/api/logbook/{START.isoformat()}", role="guard")
    assert status == 400 and body["message"].startswith("More than 3 entries in this period")
    start = (START + timedelta(minutes=5)).isoformat()
    status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id={LOCK},{TEMP}")
    assert status == 400 and body["message"].startswith("More than 3 states in this period")
    assert (await api.request("GET", f"/api/history/period/{start}?filter_entity_id={LOCK}"))[0] == 200  # 3 fit
