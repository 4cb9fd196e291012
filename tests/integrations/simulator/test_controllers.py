"""The simulated readers' controllers honour the offline protocol: they keep the whitelist the
hub pushes (full, delta, in chunks), confirm it, decide alone while the hub is away (a card
they were not given is refused), and upload those decisions until the hub acknowledges them.
The test plays the hub's door side on the broker."""
from __future__ import annotations

import json

from tests.conftest import START
from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.access.credentials import SiteKey
from xiaoqu.integrations.mqtt.device_protocol import load_schema
from xiaoqu.integrations.simulator.controllers import Whitelist, card_key
from xiaoqu.integrations.simulator.readers import ANSWER_TIMEOUT

from .conftest import run_for, simulated, wait_for

ONE_READER = {"buildings": 1, "units_per_building": 1, "floors": 2, "smart_home_devices": 0, "barriers": 0,
              "mqtt_barriers": 0, "readers": 1, "pos_terminals": 0, "patrol_wands": 0, "lpr_cameras": 0}
ROOT = "xiaoqu/demo"


def entry(door: str, schedule: str | None = "day", **extra) -> dict:
    return {"doors": {door: schedule}, "from": None, "until": None, "person": "P000001", **extra}


SCHEDULES = {"day": {"windows": [[day, "06:00", "23:00"] for day in range(7)],
                     "holiday_windows": [["09:00", "17:00"]], "make_up_windows": [["06:00", "23:00"]]}}


def test_a_card_is_one_key_however_the_reader_sends_it():
    assert card_key("04a2b3c4") == card_key("0077771716") == "card:04A2B3C4"
    assert card_key("162,45764") == "w26:162,45764"
    assert card_key("04A2B3") is None and card_key("12,x") is None


def test_the_list_alone_decides_and_refuses_what_it_was_not_given():
    whitelist = Whitelist()
    assert whitelist.apply([{"version": 3, "mode": "full", "chunk": 0, "chunks": 1, "count": 2, "tz": "Asia/Shanghai",
                             "schedules": SCHEDULES, "holidays": ["2026-03-03"], "workdays": [],
                             "put": {"card:04A2B3C4": entry("d1"),
                                     "card:0BADCAFE": entry("d1", until=START.timestamp() - 1)}}])
    monday_8am = START.timestamp()
    assert whitelist.decide("card", "04A2B3C4", "d1", monday_8am)[0] is True
    assert whitelist.decide("card", "04A2B3C4", "d2", monday_8am)[:2] == (False, "offline: not for door d2")
    assert whitelist.decide("card", "DEADBEEF", "d1", monday_8am)[:2] == (False, "offline: not on this controller's list")
    assert whitelist.decide("card", "0BADCAFE", "d1", monday_8am)[:2] == (False, "offline: not valid now")
    assert whitelist.decide("card", "04A2B3C4", "d1", monday_8am - 3 * 3600)[:2] == (False, "offline: outside schedule day")
    holiday_8am = monday_8am + 86400
    assert whitelist.decide("card", "04A2B3C4", "d1", holiday_8am)[0] is False  # the holiday opens at nine
    # A delta on another version than the one held is not applied.
    assert not whitelist.apply([{"version": 5, "mode": "delta", "base": 4, "chunk": 0, "chunks": 1, "count": 1,
                                 "put": {}, "remove": ["card:04A2B3C4"]}])
    assert whitelist.version == 3 and len(whitelist.entries) == 2


async def test_the_controller_keeps_the_list_decides_alone_and_uploads(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, simulator=ONE_READER) as hub, \
            MqttProbe(broker, f"{ROOT}/controller/#") as probe:
        sim = hub.data["simulator"]
        reader, controller = sim.readers[0], sim.controllers[0]
        door = reader.reader.id
        topic = f"{ROOT}/controller/{door}"
        await wait_for(lambda: controller.hub_online)
        status = json.loads((await probe.wait_for(f"{topic}/status")).payload)
        assert status == {"state": "online", "version": 0, "count": 0}

        # A full list in two chunks, then a delta: each confirmed with the count held.
        resident = sim.estate.residents[0].card
        head = {"version": 7, "mode": "full", "chunks": 2, "count": 2, "tz": "Asia/Shanghai",
                "schedules": SCHEDULES, "holidays": [], "workdays": []}
        await probe.publish(f"{topic}/whitelist", json.dumps({**head, "chunk": 0, "put": {f"card:{resident}": entry(door)}}))
        await probe.publish(f"{topic}/whitelist", json.dumps({"version": 7, "mode": "full", "chunk": 1, "chunks": 2,
                                                              "count": 2, "put": {"face:P000009": entry(door)}}))
        await probe.publish(f"{topic}/whitelist", json.dumps({"version": 8, "mode": "delta", "base": 7, "chunk": 0,
                                                              "chunks": 1, "count": 1, "put": {},
                                                              "remove": ["face:P000009"]}))
        def confirmed() -> list[tuple[int, int]]:
            return [(s["version"], s["count"]) for s in map(json.loads, probe.payloads(f"{topic}/sync"))]

        await probe.wait_until(lambda: (8, 1) in confirmed())
        assert confirmed()[-2:] == [(7, 2), (8, 1)]

        # The hub goes away: the controller decides alone, from the list.
        await probe.publish(f"{ROOT}/status", b"offline", retain=True)
        await wait_for(lambda: controller.hub_online is False)
        reader.present("card", resident, "a resident")
        reader.present("card", "DEADBEEF", "a stranger")
        assert controller.decided_alone == {"granted": 1, "denied": 1}
        assert reader.door_open  # let in by the controller alone

        # The hub is back: the decisions are uploaded, and forgotten once acknowledged.
        await probe.publish(f"{ROOT}/status", b"online", retain=True)
        upload = json.loads((await probe.wait_for(f"{topic}/events")).payload)
        assert [(e["value"], e["granted"], e["key"]) for e in upload["events"]] == [
            (resident, True, f"card:{resident}"), ("DEADBEEF", False, "card:DEADBEEF")]
        assert all(not error for error in _errors("controller_events", upload))
        await probe.publish(f"{topic}/ack", json.dumps({"request_id": upload["request_id"],
                                                        "accepted": [e["event_id"] for e in upload["events"]]}))
        await wait_for(lambda: not controller.unsent)


def _errors(schema: str, payload: dict) -> list[str]:
    from jsonschema import Draft202012Validator

    return [error.message for error in Draft202012Validator(load_schema(schema)).iter_errors(payload)]


async def test_a_hub_that_does_not_answer_in_time_leaves_the_controller_to_decide(tmp_path, broker):
    """The hub is online but nothing answers the reader (its door side is down): after the
    reader's wait, its controller decides alone, from its list."""
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, simulator=ONE_READER) as hub:
        sim = hub.data["simulator"]
        reader, controller = sim.readers[0], sim.controllers[0]
        await wait_for(lambda: controller.hub_reachable)
        reader.present("card", sim.estate.residents[0].card, "a resident")
        assert controller.decided_alone == {"granted": 0, "denied": 0}, "first the hub is asked"
        await run_for(hub, clock, ANSWER_TIMEOUT)
        assert reader.answers["unanswered"] == 1
        assert controller.decided_alone == {"granted": 0, "denied": 1}, "an empty list opens nothing"


def test_a_pin_is_matched_by_its_digest_under_the_key_the_hub_sent():
    """The hub sends PINs and QR tokens only as HMAC digests, and the key with the schedules."""
    key = SiteKey(b"site secret")
    head = {"version": 1, "mode": "full", "chunk": 0, "chunks": 1, "count": 1, "tz": "Asia/Shanghai",
            "schedules": SCHEDULES, "holidays": [], "workdays": [], "put": {key.credential("pin", "123456"): entry("d1")}}
    blind = Whitelist()
    assert blind.apply([head])  # a list without its digest key: every PIN refused
    assert blind.decide("pin", "123456", "d1", START.timestamp())[0] is False
    keyed = Whitelist()
    assert keyed.apply([{**head, "digest_key": key.credentials_hex}])
    assert keyed.decide("pin", "123456", "d1", START.timestamp())[0] is True
    assert keyed.decide("pin", "654321", "d1", START.timestamp())[:2] == (False, "offline: not on this controller's list")
    assert key.credentials_hex not in key.card("04A2B3C4") and key.card("04A2B3C4") != key.credential("card", "04A2B3C4")
