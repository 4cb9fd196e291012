"""What goes in and out as JSON: bodies read through core.payload, answers that one odd value cannot break."""
from __future__ import annotations

import logging
import math

from xiaoqu.core.http import register_webhook, webhook_payload


class Unprintable:
    """What a careless plugin might leave in an attribute: an object that cannot even be shown."""

    def __str__(self) -> str:
        raise RuntimeError("no")

    __repr__ = __str__


async def test_one_lone_surrogate_does_not_break_the_state_list(api, caplog) -> None:
    states = api.hub.states
    states.set("door.block3_unit1", "locked", {"friendly_name": "3-1 单元门"})
    # set directly in the state machine, as a plugin could: no HTTP body was involved
    states.set("sensor.bad_label", "on", {"label": "x\ud800y", "ratio": math.nan, "odd": Unprintable()})
    states.set("sensor.lane_2", "12")
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        status, body = await api.request("GET", "/api/states", role="guard")
        assert status == 200
        by_id = {state["entity_id"]: state for state in body}
        assert set(by_id) == {"door.block3_unit1", "sensor.bad_label", "sensor.lane_2"}
        assert by_id["door.block3_unit1"]["attributes"] == {"friendly_name": "3-1 单元门"}
        assert by_id["sensor.lane_2"]["state"] == "12"
        assert by_id["sensor.bad_label"]["attributes"] == {"label": "x\ufffdy", "ratio": None,
                                                           "odd": "<unwritable Unprintable>"}
    status, body = await api.request("GET", "/api/states/sensor.bad_label", role="guard")
    assert status == 200 and body["attributes"]["label"] == "x\ufffdy"
    logged = [r.getMessage() for r in caplog.records if "sensor.bad_label" in r.getMessage()]
    assert len(logged) == 1, logged  # three answers, one line
    assert "cleaned" in logged[0]


async def test_other_answers_are_cleaned_too(api) -> None:
    def relabel(call) -> None:
        api.hub.states.set("sensor.bad_label", "on", {"label": "x\ud800y"}, context=call.context)

    api.hub.services.register("demo", "relabel", relabel)
    status, body = await api.request("POST", "/api/services/demo/relabel", json={})
    assert status == 200 and body[0]["attributes"] == {"label": "x\ufffdy"}


async def test_bodies_are_cleaned_on_entry(api) -> None:
    status, body = await api.request(
        "POST", "/api/states/sensor.plate", data=b'{"state": "\\ud800A", "attributes": {"\\udfffk": ["\\ud801"]}}'
    )
    assert status == 201 and body["state"] == "\ufffdA"
    assert api.hub.states.get("sensor.plate").attributes == {"\ufffdk": ["\ufffd"]}
    assert (await api.request("GET", "/api/states"))[0] == 200


async def test_bad_bodies_are_refused_saying_what_and_where(api) -> None:
    events: list = []
    api.hub.bus.listen("lpr_plate", events.append)
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"speed": NaN}')
    assert (status, body) == (400, {"message": "The body is not accepted: NaN is not a JSON number."})
    deep = b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}"
    status, body = await api.request("POST", "/api/events/lpr_plate", data=deep)
    assert status == 400 and body["message"].startswith("The body is not accepted: $.a[0][0]")
    assert "nested deeper than 32 levels" in body["message"]
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"n": ' + b"9" * 5000 + b"}")
    assert status == 400 and "a number has more than 4300 digits" in body["message"]
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"a": "\xff"}')
    assert (status, body) == (400, {"message": "The body is not accepted: not UTF-8 (byte 7)."})
    assert events == []


async def test_webhook_payloads_are_read_through_the_same_parser(api, caplog) -> None:
    payloads: list = []

    async def handler(hub, webhook_id, request):
        payloads.append(await webhook_payload(request))

    webhook_id = "d" * 64
    register_webhook(api.hub, webhook_id, handler)
    headers = {"Content-Type": "application/json"}
    status, _ = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, headers=headers,
                                  data=b'{"plate": "\\ud800A"}')
    assert status == 200 and payloads[-1]["json"] == {"plate": "\ufffdA"}
    caplog.set_level(logging.WARNING)
    status, _ = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, headers=headers,
                                  data=b"[" * 100_000)
    assert status == 200 and "json" not in payloads[-1]
    assert any("nested deeper" in r.getMessage() and "127.0.0.1" in r.getMessage() for r in caplog.records)
