"""Trigger and condition types contributed by plugins (as the MQTT integration adds ``mqtt``)."""
from __future__ import annotations

import logging

from xiaoqu.core.testing import running_hub

#: A plugin with a trigger type built like the MQTT one: attaching subscribes (asynchronously),
#: a message on a matching topic fires with the topic and payload; and a condition type.
TOPIC_PLUGIN = '''
import asyncio

from xiaoqu.core.automation import record


def matches(pattern, topic):
    want, have = pattern.split("/"), topic.split("/")
    for index, level in enumerate(want):
        if level == "#":
            return True
        if index >= len(have) or level not in ("+", have[index]):
            return False
    return len(want) == len(have)


class TopicTrigger:
    schema = vol.Schema({
        vol.Required("trigger"): "topic",
        vol.Required("topic"): str,
        vol.Optional("payload"): str,
    })

    async def attach(self, hub, config, fire, info):
        await asyncio.sleep(0)  # subscribing takes a round trip to the broker

        def message(event):
            topic, payload = event.data["topic"], event.data["payload"]
            if matches(config["topic"], topic) and config.get("payload", payload) == payload:
                fire({"platform": "topic", "topic": topic, "payload": payload,
                      "description": f"message on {topic}"}, event.context)

        return hub.bus.listen("fake_message", message)


class QuietHours:
    schema = vol.Schema({vol.Required("condition"): "quiet_hours", vol.Required("quiet"): bool})

    def checker(self, hub, config):
        def check(variables):
            record(quiet=config["quiet"])
            return config["quiet"]
        return check


class NoSchema:
    pass


@hookimpl
def xiaoqu_automation_triggers(hub):
    return {"topic": TopicTrigger(), "state": TopicTrigger(), "broken": NoSchema()}


@hookimpl
def xiaoqu_automation_conditions(hub):
    return {"quiet_hours": QuietHours()}


@hookimpl
def xiaoqu_setup(hub, config):
    pass
'''

CONFIG = """
http: {server_port: 0}
topics: {}
automation:
  - id: gate_reports
    triggers:
      - trigger: topic
        topic: xiaoqu/demo/barrier/+/state
        payload: fault
    conditions:
      - condition: quiet_hours
        quiet: true
    actions:
      - event: barrier_fault
        event_data: {topic: "{{ trigger.topic }}"}
"""


async def test_a_plugin_adds_a_trigger_type_and_a_condition_type(tmp_path, clock, isolated_plugins, caplog):
    isolated_plugins(tmp_path, "topics", TOPIC_PLUGIN)
    faults = []
    with caplog.at_level(logging.ERROR):
        async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
            hub.bus.listen("barrier_fault", lambda event: faults.append(event.data["topic"]))
            hub.bus.fire("fake_message", {"topic": "xiaoqu/demo/barrier/north/state", "payload": "ok"})
            hub.bus.fire("fake_message", {"topic": "xiaoqu/demo/barrier/north/state", "payload": "fault"})
            hub.bus.fire("fake_message", {"topic": "xiaoqu/demo/door/north/state", "payload": "fault"})
            await hub.block_till_done()
            trace = hub.data["automation"].trace("gate_reports")
    assert faults == ["xiaoqu/demo/barrier/north/state"]
    assert trace["trigger"] == "message on xiaoqu/demo/barrier/north/state"
    assert trace["trace"][1]["result"] == {"quiet": True, "result": True}
    assert "Plugin topics adds trigger type 'state', which the core already provides; ignored" in caplog.text
    assert "Plugin topics: trigger type 'broken' lacks schema and attach()" in caplog.text


def test_check_config_knows_the_plugin_types(tmp_path, isolated_plugins):
    from xiaoqu.core.bootstrap import check_config

    isolated_plugins(tmp_path, "topics", TOPIC_PLUGIN)
    (tmp_path / "config.yaml").write_text(CONFIG.replace("payload: fault", "payload: [fault]"), encoding="utf-8")
    checked = check_config(tmp_path / "config.yaml")
    assert [str(e) for e in checked.errors if e.path[:1] == ("automation",)] == [
        "config.yaml:9: automation[0].triggers[0].payload: expected str, got ['fault']"
    ]
