"""``trigger: mqtt`` against a real broker: topics, payload filters, trigger data, unsubscribing."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations import mqtt


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


def seen(hub: Hub) -> list[dict[str, Any]]:
    """The data of every ``seen`` event the automations fire, in order."""
    events: list[dict[str, Any]] = []
    hub.bus.listen("seen", lambda event: events.append(dict(event.data)))
    return events


async def wait_for(events: list[dict[str, Any]], count: int) -> None:
    async with asyncio.timeout(10):
        while len(events) < count:
            await asyncio.sleep(0.01)


def automation(automation_id: str, trigger: dict[str, Any], data: dict[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    return {
        "id": automation_id,
        "mode": "queued",
        "triggers": [{"trigger": "mqtt", **trigger}],
        "actions": [{"event": "seen", "event_data": {"by": automation_id, **(data or {})}}],
        **extra,
    }


async def test_topics_payload_filters_and_trigger_data(tmp_path, broker):
    config = {
        "mqtt": broker.hub_config(),
        "automation": [
            automation("plate", {"topic": "lpr/+/plate", "qos": 1}, {
                "topic": "{{ trigger.topic }}", "plate": "{{ trigger.payload_json.plate }}",
                "qos": "{{ trigger.qos }}", "platform": "{{ trigger.platform }}",
                "description": "{{ trigger.description }}",
            }),
            automation("switched_on", {"topic": "site/#", "payload": "on"}, {"topic": "{{ trigger.topic }}"}),
            automation("door_open", {"topic": "sensor/door", "value_template": "{{ value_json.state }}",
                                     "payload": "open"},
                       {"payload": "{{ trigger.payload_json }}", "text": "{{ trigger.payload is string }}"}),
            automation("camera_7", {"topic": "cam/{{ camera }}/motion"}, {"topic": "{{ trigger.topic }}"},
                       trigger_variables={"camera": "c7"}),
            automation("raw", {"topic": "raw/bytes", "encoding": ""},
                       {"text": "{{ trigger.payload is string }}", "json": "{{ trigger.payload_json is defined }}"}),
            automation("text", {"topic": "raw/bytes"}, {"payload": "{{ trigger.payload_json }}"}),
            automation("last", {"topic": "done"}),
        ],
    }
    async with running_hub(tmp_path, config) as hub:
        events = seen(hub)
        for topic, payload in [
            ("lpr/north/plate", {"plate": "京A12345"}),
            ("lpr/north/speed", {"plate": "京A99999"}),   # not the filter
            ("lpr/north/gate/plate", {"plate": "x"}),     # + is one level only
            ("site/b3/light", "off"),
            ("site/b3/light", "on"),
            ("sensor/door", {"state": "closed"}),
            ("sensor/door", "not json"),                 # value_template fails: logged, no fire
            ("sensor/door", {"state": "open"}),
            ("cam/c8/motion", "1"),
            ("cam/c7/motion", "1"),
            ("raw/bytes", b"\xff\xfe\x00"),               # not UTF-8: only the raw trigger takes it
            ("raw/bytes", "[1, 2]"),
            ("done", ""),
        ]:
            await mqtt.publish(hub, topic, payload, qos=1)
        await wait_for(events, 8)
        await hub.block_till_done()
    by_automation: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_automation.setdefault(event.pop("by"), []).append(event)
    assert by_automation == {
        "plate": [{"topic": "lpr/north/plate", "plate": "京A12345", "qos": 1, "platform": "mqtt",
                   "description": "mqtt topic lpr/north/plate"}],
        "switched_on": [{"topic": "site/b3/light"}],
        "door_open": [{"payload": {"state": "open"}, "text": True}],
        "camera_7": [{"topic": "cam/c7/motion"}],
        "raw": [{"text": False, "json": False}, {"text": False, "json": True}],
        "text": [{"payload": [1, 2]}],
        "last": [{}],
    }


async def test_turning_off_and_reloading_unsubscribe(tmp_path, broker):
    def site(topic: str) -> dict[str, Any]:
        return {"http": {"server_port": 0}, "mqtt": broker.hub_config(),
                "automation": [automation("gate", {"topic": topic}, {"payload": "{{ trigger.payload }}"}),
                               automation("last", {"topic": "done"})]}

    async with running_hub(tmp_path, site("gate/open")) as hub:
        events = seen(hub)
        client = mqtt.get(hub).client

        async def round_of(*topics: str) -> list[str]:
            start = len(events)
            for topic in (*topics, "done"):
                await mqtt.publish(hub, topic, "1", qos=1)
            while not events[start:] or events[-1]["by"] != "last":
                await wait_for(events, len(events) + 1)
            return [event["by"] for event in events[start:]]

        assert "gate/open" in client.wanted_filters()
        assert await round_of("gate/open") == ["gate", "last"]

        await hub.services.call("automation", "turn_off", {"entity_id": "automation.gate"})
        assert "gate/open" not in client.wanted_filters()
        assert await round_of("gate/open") == ["last"]

        await mqtt.publish(hub, "gate/open", "held", qos=1, retain=True)
        count = len(events) + 1
        await hub.services.call("automation", "turn_on", {"entity_id": "automation.gate"})
        await wait_for(events, count)  # the retained message, handed over on subscribing
        assert events[-1] == {"by": "gate", "payload": "held"}
        assert await round_of("gate/open") == ["gate", "last"]

        write_config(tmp_path, site("gate/closed"))
        await hub.services.call("automation", "reload")
        await client.wait_subscribed()
        assert "gate/open" not in client.wanted_filters()
        assert await round_of("gate/open", "gate/closed") == ["gate", "last"]


def test_mistakes_are_named_with_file_and_line(tmp_path):
    (tmp_path / "config.yaml").write_text("""\
mqtt:
  broker: mqtt://127.0.0.1:1
automation:
  - id: bad
    triggers:
      - trigger: mqtt
        topic: "lpr/#/plate"
      - trigger: mqtt
        topic: lpr/+/plate
        qos: 3
        encoding: utf-9
        value_template: "{{ value_json.state }"
    actions:
      - event: seen
""", encoding="utf-8")
    errors = [str(error) for error in check_config(tmp_path / "config.yaml").errors]
    assert errors == [
        "config.yaml:7: automation[0].triggers[0].topic: topic filter 'lpr/#/plate': '#' must be a whole level "
        "and the last one, got 'lpr/#/plate'",
        "config.yaml:10: automation[0].triggers[1].qos: expected 0, 1 or 2, got 3",
        "config.yaml:11: automation[0].triggers[1].encoding: unknown encoding 'utf-9' (for example utf-8, gbk; "
        "\"\" for raw bytes), got 'utf-9'",
        "config.yaml:12: automation[0].triggers[1].value_template: invalid template: unexpected '}', "
        "got '{{ value_json.state }'",
    ]


def test_an_mqtt_trigger_on_a_site_without_mqtt_says_what_to_add(tmp_path):
    (tmp_path / "config.yaml").write_text("""\
automation:
  - id: plate
    triggers:
      - trigger: event
        event_type: plate_read
      - platform: mqtt
        topic: lpr/+/plate
    actions:
      - event: seen
""", encoding="utf-8")
    errors = [str(error) for error in check_config(tmp_path / "config.yaml").errors]
    assert errors == [
        "config.yaml:6: automation[0].triggers[1].trigger: trigger type 'mqtt' comes from the mqtt integration, "
        "which is not set up (add 'mqtt:' to config.yaml)",
    ]
