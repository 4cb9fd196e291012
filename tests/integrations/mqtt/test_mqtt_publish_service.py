"""``mqtt.publish`` as Home Assistant documents it, against a real broker: payloads, QoS and
retain, the legacy templates, what is refused (bad topics, the hub's own topics), and who
may call it."""
from __future__ import annotations

import json
import re

import pytest

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations import mqtt

HUB = Actor("hub", "test")


@pytest.fixture
async def site(hub_dir, broker):
    config = {"mqtt": broker.hub_config(discovery_out=True), "auth": {"roles": {"maintenance": ["mqtt.publish"]}}}
    async with running_hub(hub_dir, config) as hub:
        await mqtt.wait_connected(hub)
        async with MqttProbe(broker, "displays/#", "raw/#", "homeassistant/sensor/#") as probe:
            yield hub, probe


async def publish(hub, context: Context | None = None, **data) -> None:
    await hub.services.call("mqtt", "publish", data, context=context)


async def test_payloads_qos_and_retain(site):
    hub, probe = site
    await publish(hub, topic="displays/gate1/text", payload="空位 12", qos=1, retain=True)
    message = await probe.wait_for("displays/gate1/text")
    assert message.payload == "空位 12".encode() and message.qos == 1
    async with MqttProbe(probe.broker, "displays/gate1/text") as later:  # retained: a new subscriber gets it
        assert (await later.wait_for("displays/gate1/text")).retain
    await publish(hub, topic="displays/gate1/json", payload={"line1": "空位", "free": 12})
    assert json.loads((await probe.wait_for("displays/gate1/json")).payload) == {"line1": "空位", "free": 12}
    await publish(hub, topic="displays/gate1/number", payload=21.5)
    assert (await probe.wait_for("displays/gate1/number")).payload == b"21.5"
    await publish(hub, topic="displays/gate1/empty")
    assert (await probe.wait_for("displays/gate1/empty")).payload == b""
    # evaluate_payload: a bytes literal becomes those bytes; without it, the text is sent
    await publish(hub, topic="raw/relay", payload="b'\\xa0\\x01\\x01\\xa2'", evaluate_payload=True)
    assert (await probe.wait_for("raw/relay")).payload == b"\xa0\x01\x01\xa2"
    await publish(hub, topic="raw/text", payload="b'\\xa0'")
    assert (await probe.wait_for("raw/text")).payload == b"b'\\xa0'"
    # anyone may publish discovery configs of their own (not the hub's)
    await publish(hub, topic="homeassistant/sensor/other/config", payload="{}")
    await probe.wait_for("homeassistant/sensor/other/config")


async def test_legacy_templates_are_rendered(site):
    hub, probe = site
    hub.states.set("sensor.free_spaces", "12")
    await publish(hub, topic_template="displays/{{ 'gate' ~ 2 }}/text",
                  payload_template="空位 {{ states('sensor.free_spaces') }}")
    assert (await probe.wait_for("displays/gate2/text")).payload == "空位 12".encode()
    with pytest.raises(ServiceValidationError, match=r"mqtt.publish: payload_template: .*"):
        await publish(hub, topic="displays/x", payload_template="{{ states( }}")


@pytest.mark.parametrize(("data", "error"), [
    ({"topic": "displays/+/text", "payload": "x"}, "contains a wildcard"),
    ({"topic_template": "displays/{{ '#' }}", "payload": "x"}, "contains a wildcard"),
    ({"payload": "x"}, "give the topic to publish to"),
    ({"topic": "a", "topic_template": "b"}, "two or more values in the same group of exclusion 'topic'"),
    ({"topic": "a", "payload": "x", "payload_template": "y"}, "exclusion 'payload'"),
    ({"topic": "a", "qos": 3}, "expected 0, 1 or 2"),
])
async def test_what_does_not_fit_is_refused_naming_it(site, data, error):
    hub, _ = site
    with pytest.raises(ServiceValidationError, match=error):
        await publish(hub, **data)


@pytest.mark.parametrize(("topic", "what"), [
    ("xiaoqu/demo/state/lock.gate", "the hub's state stream"),
    ("xiaoqu/demo/status", "the hub's availability"),
    ("xiaoqu/demo/set/lock.gate", "the commands Home Assistant sends the hub"),
    ("homeassistant/lock/xiaoqu_demo/gate/config", "what the hub announces to Home Assistant"),
    # a forged swipe or charge would be taken as the device's
    ("xiaoqu/demo/reader/r1/credential", "in the site's device tree"),
    ("xiaoqu/demo/pos/pos-1/charge", "in the site's device tree"),
    ("$SYS/broker/clients", "one of the broker's own topics"),
])
async def test_the_hubs_own_topics_are_refused(site, topic, what):
    hub, probe = site
    async with MqttProbe(probe.broker, topic, "displays/marker") as watcher:
        with pytest.raises(ServiceValidationError, match=f"^mqtt.publish: {re.escape(topic)} is {what}"):
            await publish(hub, topic=topic, payload="forged")
        await publish(hub, topic="displays/marker", payload="after")
        await watcher.wait_for("displays/marker")
        assert b"forged" not in watcher.payloads(topic)


async def test_only_roles_granted_mqtt_publish_may_call_it(site):
    hub, probe = site
    manager = get_access(hub).manager
    guard = await manager.add_user("guard1", "guard", None, HUB)
    fixer = await manager.add_user("fixer", "maintenance", None, HUB)
    admin = await manager.add_user("boss", "admin", None, HUB)
    with pytest.raises(Unauthorized, match=r"^user guard1 \(role guard\) may not call mqtt.publish$"):
        await publish(hub, Context(user_id=guard.id), topic="displays/guard", payload="x")
    await publish(hub, Context(user_id=fixer.id), topic="displays/fixer", payload="x")
    await publish(hub, Context(user_id=admin.id), topic="displays/admin", payload="x")
    await probe.wait_for("displays/admin")
    assert probe.payloads("displays/guard") == [] and probe.payloads("displays/fixer") == [b"x"]


async def test_automations_publish_with_rendered_data(hub_dir, broker):
    config = {"mqtt": broker.hub_config(), "automation": [{
        "id": "gate_display",
        "triggers": [{"trigger": "state", "entity_id": "sensor.free_spaces"}],
        "actions": [{"action": "mqtt.publish", "data": {
            "topic": "displays/gate1/text", "payload": "空位 {{ trigger.to_state.state }}", "qos": 1, "retain": True}}],
    }]}
    async with running_hub(hub_dir, config) as hub, MqttProbe(broker, "displays/#") as probe:
        await mqtt.wait_connected(hub)
        hub.states.set("sensor.free_spaces", "7")
        assert (await probe.wait_for("displays/gate1/text")).payload == "空位 7".encode()


def test_check_config_knows_mqtt_publish(tmp_path):
    write_config(tmp_path, {"mqtt": {"broker": "mqtt://127.0.0.1:1"}, "automation": [
        {"id": "a", "triggers": [{"trigger": "hub", "event": "start"}],
         "actions": [{"action": "mqtt.publish", "data": {"topic": "a/b", "payload": "x"}},
                     {"action": "mqtt.publsh", "data": {"topic": "a/b"}}]}]})
    errors = [str(error) for error in check_config(tmp_path / "config.yaml").errors]
    assert errors == ["config.yaml:13: automation[0].actions[1].action: unknown service mqtt.publsh "
                      "(no plugin in this config provides it)"]
