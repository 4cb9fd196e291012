"""The device protocol: validation, routing, replies with the request id, error accounting."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from tests.fixtures_mqtt import MqttProbe, free_port
from tests.integrations.mqtt.conftest import wait_state
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.device_protocol import load_schema
from xiaoqu.integrations.mqtt.models import MAX_REJECTED_DEVICES
from xiaoqu.integrations.mqtt.schema_errors import describe

ROOT = "xiaoqu/demo"


@pytest.fixture
async def site(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config(max_payload=4096)}) as hub:
        async with MqttProbe(broker, f"{ROOT}/+/+/result", f"{ROOT}/door/+/command") as probe:
            yield hub, probe


async def test_valid_credential_reaches_the_handler_and_is_answered(site):
    hub, probe = site
    events = []
    hub.bus.listen("device_message", events.append)

    async def decide(message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
        assert message.device_id == "r1" and message.payload["value"] == "04A2B3"
        mqtt.publish_nowait(hub, f"{ROOT}/door/r1/command", {"action": "unlock", "duration": 5, "request_id": message.request_id})
        reply({"granted": True, "reason": "resident"})

    mqtt.register_device_message(hub, "reader/credential", "reader_credential", decide)
    await probe.publish(f"{ROOT}/reader/r1/credential", json.dumps({"request_id": "q-1", "type": "card", "value": "04A2B3"}))
    answer = await probe.wait_for(f"{ROOT}/reader/r1/result")
    assert json.loads(answer.payload) == {"request_id": "q-1", "granted": True, "reason": "resident"}
    command = await probe.wait_for(f"{ROOT}/door/r1/command")
    assert json.loads(command.payload)["action"] == "unlock"
    assert events[0].data["kind"] == "reader/credential" and events[0].data["device_id"] == "r1"


@pytest.mark.parametrize(
    ("payload", "code", "request_id", "says"),
    [
        (b"{not json", "invalid_json", None, "not valid JSON"),
        (b"[1, 2]", "not_an_object", None, "JSON object"),
        (json.dumps({"request_id": "q-2", "type": "card"}).encode(), "schema", "q-2", "$: 'value' is a required property"),
        (json.dumps({"request_id": "q-3", "type": "iris", "value": "x"}).encode(), "schema", "q-3", '$.type: not one of "card"'),
    ],
)
async def test_bad_requests_are_answered_with_an_error_and_counted(site, payload, code, request_id, says):
    hub, probe = site
    await probe.publish(f"{ROOT}/reader/r9/credential", payload)
    answer = json.loads((await probe.wait_for(f"{ROOT}/reader/r9/result")).payload)
    assert answer["granted"] is False and answer["request_id"] == request_id
    assert answer["error"]["code"] == code and says in answer["error"]["message"]
    rejections = mqtt.get(hub).rejections
    assert rejections.by_device["reader/r9"][code] == 1
    sensor = await wait_state(hub, "sensor.mqtt_rejected_messages", "1")
    assert sensor.attributes["by_reason"] == {code: 1}


@pytest.mark.parametrize(
    ("ts", "code", "says"),
    [
        ("NaN", "invalid_json", "NaN is not a JSON number"),
        ("1e308", "schema", "$.ts: greater than the maximum 4102444800"),
        ('"2026-02-30T25:00"', "schema", "$.ts: not a 'date-time' (day is out of range for month)"),
        ('"2026-03-02T22:15:04"', "schema", "no offset"),
        ('"9999-12-31T00:00:00+00:00"', "schema", "not between 1970 and 2100"),
        ('"yesterday"', "schema", "$.ts: not a 'date-time'"),
    ],
)
async def test_an_impossible_ts_is_refused_with_the_reason(site, ts, code, says):
    hub, probe = site
    seen = []
    mqtt.register_device_message(hub, "reader/credential", "reader_credential", lambda m, reply: seen.append(m.payload))
    await probe.publish(f"{ROOT}/reader/r7/credential", f'{{"request_id": "q-ts", "type": "card", "value": "04", "ts": {ts}}}')
    answer = json.loads((await probe.wait_for(f"{ROOT}/reader/r7/result")).payload)
    assert answer["granted"] is False and answer["error"]["code"] == code and says in answer["error"]["message"], answer
    assert mqtt.get(hub).rejections.by_device["reader/r7"] == {code: 1} and seen == []


async def test_a_ts_in_either_form_is_accepted(site):
    hub, probe = site
    seen = []
    mqtt.register_device_message(hub, "patrol/scan", "patrol_scan", lambda m, reply: seen.append(m.payload["ts"]))
    for ts in (1772409600.25, "2026-03-02T22:15:04+08:00", "2026-03-02T14:15:04Z"):
        await probe.publish(f"{ROOT}/patrol/w7/scan", json.dumps({"checkpoint": "B3-roof", "ts": ts}))
    await probe.wait_until(lambda: len(seen) == 3)
    assert mqtt.get(hub).rejections.total == 0


async def test_plates_unknown_topics_and_huge_payloads_are_counted(site):
    hub, probe = site
    rejections = mqtt.get(hub).rejections
    plates = []
    mqtt.register_device_message(hub, "lpr/plate", "lpr_plate", lambda m, r: plates.append(m.payload["plate"]))
    await probe.publish(f"{ROOT}/lpr/gate1/plate", json.dumps({"plate": "沪A12345", "confidence": 0.97}))
    await probe.publish(f"{ROOT}/lpr/gate1/plate", json.dumps({"plate": "沪A12345", "confidence": 7}))
    await probe.publish(f"{ROOT}/toaster/t1/smoke", "{}")
    await probe.publish(f"{ROOT}/lpr/gate2/plate", b"x" * 10_000)
    await probe.wait_until(lambda: rejections.total >= 3)
    assert plates == ["沪A12345"]
    assert rejections.by_device["lpr/gate1"] == {"schema": 1}
    assert rejections.by_device["toaster/t1"] == {"unknown_topic": 1}
    assert rejections.by_reason["too_large"] == 1


async def test_many_devices_sending_garbage_cost_bounded_memory_and_one_log_line(site, caplog):
    """Device ids come from topics, which senders choose: the per-device counts keep the most
    recent devices only, and the log says a problem once per kind of problem, not per device."""
    hub, probe = site
    rejections = mqtt.get(hub).rejections
    devices = MAX_REJECTED_DEVICES + 100
    for n in range(devices):
        await probe.publish(f"{ROOT}/reader/r{n}/nosuch", "{}", qos=0)
    await probe.publish(f"{ROOT}/reader/last/nosuch", "{}", qos=1)
    await probe.wait_until(lambda: rejections.total == devices + 1)
    assert rejections.by_reason == {"unknown_topic": devices + 1}
    assert len(rejections.by_device) == MAX_REJECTED_DEVICES
    assert "reader/last" in rejections.by_device and "reader/r0" not in rejections.by_device, "the oldest are forgotten"
    logged = [r for r in caplog.records if r.levelno == logging.WARNING and "no device-protocol message" in r.getMessage()]
    assert len(logged) == 1


def _credential_nested(depth: int) -> bytes:
    return b'{"request_id": "q", "type": "card", "value": ' + b"[" * depth + b"]" * depth + b"}"


#: What a broken or hostile client sends, each fitting in 4 KiB.
GARBAGE = (
    _credential_nested(40),  # deeper than core.payload allows
    _credential_nested(2000),  # deeper than Python's recursion limit
    b"\xff\xfe{}",  # not UTF-8
    b'{"request_id": "q", "type": "card", "value": NaN}',
    b"{not json",
    b"[1, 2]",
)


async def test_a_flood_of_bad_payloads_is_a_few_log_lines_and_the_hub_still_answers(hub_dir, broker, caplog):
    """100 bad payloads each to the device protocol (from 100 "devices"), to discovery, to a
    discovered sensor and to an automation's trigger: a log line per kind of problem, no
    traceback, and the hub still answers a reader."""
    config = {
        "mqtt": broker.hub_config(max_payload=4096),
        "automation": [{
            "id": "plate",
            "triggers": [{"trigger": "mqtt", "topic": "cam/plate", "value_template": "{{ value_json.plate }}", "payload": "A1"}],
            "actions": [{"event": "plate_seen"}],
        }],
    }
    caplog.set_level(logging.INFO)
    async with running_hub(hub_dir, config) as hub:
        rejections = mqtt.get(hub).rejections
        mqtt.register_device_message(hub, "reader/credential", "reader_credential", lambda m, reply: reply({"granted": True}))
        async with MqttProbe(broker, f"{ROOT}/reader/+/result") as probe:
            sensor = {"name": "Meter", "stat_t": "meter/state", "val_tpl": "{{ value_json.v }}", "json_attr_t": "meter/state"}
            await probe.publish("homeassistant/sensor/meter/config", json.dumps(sensor))
            await probe.publish("homeassistant/sensor/odd/config", json.dumps({**sensor, "name": "Odd", "e": "no-such-codec"}))
            await wait_state(hub, "sensor.meter")
            await mqtt.get(hub).client.wait_subscribed()
            caplog.clear()
            for n in range(100):
                payload = GARBAGE[n % len(GARBAGE)]
                for topic in (f"{ROOT}/reader/r{n}/credential", f"homeassistant/sensor/n{n}/config", "meter/state", "cam/plate"):
                    await probe.publish(topic, payload, qos=0)
            await probe.publish(f"{ROOT}/reader/ok/credential", json.dumps({"request_id": "q-ok", "type": "card", "value": "04"}))
            answer = await probe.wait_for(f"{ROOT}/reader/ok/result")
            assert json.loads(answer.payload) == {"request_id": "q-ok", "granted": True}
            await probe.wait_until(lambda: rejections.total >= 300)
        odd = hub.states.get("sensor.odd")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records if r.exc_info][:3]
    assert len(records) <= 12, "\n".join(r.getMessage()[:150] for r in records)
    assert odd is None  # a codec Python does not know is refused with the config


async def test_a_failing_handler_is_answered_and_the_hub_runs_on(site):
    hub, probe = site

    def broken(message, reply):
        raise RuntimeError("bug")

    mqtt.register_device_message(hub, "pos/charge", "pos_charge", broken)
    await probe.publish(f"{ROOT}/pos/p1/charge", json.dumps({"request_id": "c1", "card": "04", "amount": 1250}))
    answer = json.loads((await probe.wait_for(f"{ROOT}/pos/p1/result")).payload)
    error = {"code": "handler_error", "message": "the hub could not handle this request"}
    assert answer == {"request_id": "c1", "ok": False, "error": error}
    assert mqtt.get(hub).rejections.by_device["pos/p1"] == {"handler_error": 1}


async def test_a_plugin_adds_a_kind_with_its_own_schema(site):
    hub, probe = site
    seen = []
    schema = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}, "additionalProperties": False}
    mqtt.register_device_message(hub, "visitor/qr", schema, lambda m, r: seen.append(m.payload["code"]))
    await probe.publish(f"{ROOT}/visitor/k1/qr", json.dumps({"code": "V-9"}))
    await probe.publish(f"{ROOT}/visitor/k1/qr", json.dumps({"code": 9}))
    await probe.wait_until(lambda: seen and mqtt.get(hub).rejections.total == 1)
    assert seen == ["V-9"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12).map(lambda v: json.dumps(v).encode()),
    ),
    st.sampled_from(
        [
            f"{ROOT}/reader/f1/credential", f"{ROOT}/pos/f1/charge", f"{ROOT}/lpr/f1/plate", f"{ROOT}/patrol/f1/scan",
            f"{ROOT}/barrier/f1/state", "homeassistant/sensor/f1/config", "homeassistant/light/f1/x/config",
            "homeassistant/device/f1/config", "homeassistant/climate/f1/config", "fuzz/state", "fuzz/state",
        ]
    ),
)
def test_random_payloads_never_break_a_handler(fuzz_hub, payload, topic):
    """Whatever arrives on any subscribed topic, no handler raises (it is refused or used)."""
    import asyncio

    from xiaoqu.integrations.mqtt.models import ReceiveMessage

    hub, loop, failures = fuzz_hub

    async def deliver() -> None:
        for sub in mqtt.get(hub).client._matcher.match(topic):
            result = sub.callback(ReceiveMessage(topic, payload, 0, False, 0.0))
            if asyncio.iscoroutine(result):
                await result
        await hub.block_till_done()

    loop.run_until_complete(deliver())
    assert failures == []


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory):
    """A hub (embedded broker) with discovered entities on ``fuzz/state``, in a loop of its own."""
    import asyncio
    import logging

    from xiaoqu.integrations.mqtt.models import ReceiveMessage

    loop = asyncio.new_event_loop()
    failures: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                failures.append(record.getMessage())

    catch = Catch()
    logging.getLogger().addHandler(catch)
    manager = running_hub(tmp_path_factory.mktemp("fuzz"), {"mqtt": {"port": free_port()}})
    hub = loop.run_until_complete(manager.__aenter__())
    configs = {
        "homeassistant/light/fz/config": {"schema": "json", "cmd_t": "fuzz/set", "stat_t": "fuzz/state", "uniq_id": "fz",
                                          "avty_t": "fuzz/state", "json_attr_t": "fuzz/state", "brightness": True},
        "homeassistant/sensor/fz2/config": {"stat_t": "fuzz/state", "val_tpl": "{{ value_json.a.b }}", "uniq_id": "fz2"},
        "homeassistant/cover/fz3/config": {"stat_t": "fuzz/state", "pos_t": "fuzz/state", "cmd_t": "c", "uniq_id": "fz3"},
        "homeassistant/climate/fz4/config": {"mode_stat_t": "fuzz/state", "temp_stat_t": "fuzz/state", "uniq_id": "fz4",
                                             "curr_temp_t": "fuzz/state", "curr_temp_tpl": "{{ value_json.t | float }}"},
        "homeassistant/fan/fz5/config": {"stat_t": "fuzz/state", "pct_stat_t": "fuzz/state", "uniq_id": "fz5"},
    }
    discovery = mqtt.get(hub).discovery
    for topic, config in configs.items():
        loop.run_until_complete(discovery._process(ReceiveMessage(topic, json.dumps(config).encode(), 0, True, 0.0)))
    assert len(discovery.entities) == len(configs)
    yield hub, loop, failures
    loop.run_until_complete(manager.__aexit__(None, None, None))
    logging.getLogger().removeHandler(catch)
    loop.close()


async def test_a_refusal_names_the_field_and_rule_never_the_value(site, caplog):
    """A QR pass over 256 characters: the log line and the answer on reader/<id>/result say
    which field broke which rule, and neither carries the pass."""
    hub, probe = site
    caplog.set_level(logging.DEBUG)
    secret = "QRSECRET" + "A" * 300
    payloads = {"r5": {"value": secret}, "r6": {"value": "04", "ts": "QRSECRET-yesterday"}}
    for reader, payload in payloads.items():
        await probe.publish(f"{ROOT}/reader/{reader}/credential", json.dumps({"request_id": "q", "type": "qr", **payload}))
    answers = [json.loads((await probe.wait_for(f"{ROOT}/reader/{reader}/result")).payload) for reader in payloads]
    assert [a["error"]["message"] for a in answers] == ["$.value: longer than 256 characters",
                                                        "$.ts: not a 'date-time'"]
    assert "QRSECRET" not in json.dumps(answers) and "QRSECRET" not in caplog.text
    assert "Refused reader/credential from reader/r5: $.value: longer than 256 characters" in caplog.text


def test_an_upload_over_its_limit_is_refused_without_its_card_numbers():
    validator = Draft202012Validator(load_schema("controller_events"))
    event = {"event_id": "e", "ts": 1772409600, "door": "d1", "type": "card", "granted": True}
    cases = [
        ({"request_id": "u1", "events": [{**event, "value": f"CARD{n:06d}"} for n in range(501)]},
         "$.events: more than 500 items"),
        ({"request_id": "u2", "events": [{**event, "value": "CARD000001", "pin": "CARD000002"}]},
         "$.events[0]: has a property the schema does not allow"),
        ({"request_id": "u3", "events": [{**event, "value": ["CARD000001"]}]}, "$.events[0].value: not of type string"),
        ({"request_id": "u4", "events": []}, "$.events: empty"),
    ]
    for payload, says in cases:
        message = describe(best_match(validator.iter_errors(payload)))
        assert message == says and "CARD" not in message
