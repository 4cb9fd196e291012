"""Device triggers: ``device_automation`` discovery (Zigbee2MQTT's button actions, and as a
component of a device discovery config) and ``trigger: device`` automations using them."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.payloads import Z2M_BUTTON_DEVICE, Z2M_BUTTON_TRIGGERS, Z2M_ORIGIN
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations import mqtt

BUTTON = "mqtt:zigbee2mqtt_0x0017880104e45520"


def seen(hub: Hub) -> list[dict[str, Any]]:
    """The data of every ``seen`` event the automations fire, in order."""
    events: list[dict[str, Any]] = []
    hub.bus.listen("seen", lambda event: events.append(dict(event.data)))
    return events


async def until(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def on_device_trigger(automation_id: str, device_id: str, subtype: str, trigger_type: str = "action") -> dict[str, Any]:
    """An automation as Home Assistant's editor writes one for a device trigger."""
    return {
        "id": automation_id,
        "mode": "queued",
        "triggers": [{"trigger": "device", "domain": "mqtt", "device_id": device_id, "type": trigger_type,
                      "subtype": subtype, "metadata": {}}],
        "actions": [{"event": "seen", "event_data": {"by": automation_id, "payload": "{{ trigger.payload }}",
                                                     "topic": "{{ trigger.topic }}"}}],
    }


def listening(hub: Hub, automation_id: str) -> bool:
    """Whether the automation's device trigger is subscribed (white-box: the removal of a
    config and a message after it travel separately through the hub)."""
    return any(attached.info.automation_id == automation_id and attached.unsubscribe is not None
               for trigger in mqtt.get(hub).device_triggers._triggers.values() for attached in trigger.attached)


async def announce(probe: MqttProbe, configs: dict[str, dict[str, Any] | str]) -> None:
    for topic, config in configs.items():
        await probe.publish(topic, config if isinstance(config, str) else json.dumps(config), retain=True)


async def discover_button(hub_dir, broker) -> str:
    """A first run of the hub: the button's triggers are discovered; its device id (as staff
    would read it before writing the automation)."""
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub, MqttProbe(broker, "probe/#") as probe:
        await announce(probe, Z2M_BUTTON_TRIGGERS)
        await until(lambda: hub.devices.find(BUTTON) is not None)
        return hub.devices.find(BUTTON).id


async def test_zigbee2mqtt_button_actions_fire_device_trigger_automations(hub_dir, broker):
    device_id = await discover_button(hub_dir, broker)
    config = {"mqtt": broker.hub_config(),
              "automation": [on_device_trigger("double", device_id, "double"), on_device_trigger("hold", device_id, "hold")]}
    # after a restart the automations attach while the retained configs are still arriving
    async with running_hub(hub_dir, config) as hub, MqttProbe(broker, "probe/#") as probe:
        events = seen(hub)
        await mqtt.get(hub).client.wait_subscribed()
        await until(lambda: "zigbee2mqtt/button/action" in mqtt.get(hub).client.wanted_filters())
        await probe.publish("zigbee2mqtt/button/action", "single")
        await probe.publish("zigbee2mqtt/button/action", "double")
        await until(lambda: len(events) == 1)
        assert events[0] == {"by": "double", "payload": "double", "topic": "zigbee2mqtt/button/action"}
        await probe.publish("zigbee2mqtt/button/action", "hold")
        await until(lambda: len(events) == 2)
        assert events[1]["by"] == "hold"

        # the device withdraws its trigger: the automation waits, and fires again once it is back
        double = "homeassistant/device_automation/0x0017880104e45520/action_double/config"
        await probe.publish(double, "", retain=True)
        await until(lambda: not listening(hub, "double"))
        await probe.publish("zigbee2mqtt/button/action", "double")
        await probe.publish("zigbee2mqtt/button/action", "hold")
        await until(lambda: len(events) == 3)
        assert events[2]["by"] == "hold"
        await announce(probe, {double: Z2M_BUTTON_TRIGGERS[double]})
        await until(lambda: listening(hub, "double"))
        await probe.publish("zigbee2mqtt/button/action", "double")
        await until(lambda: len(events) == 4)
        assert events[3]["by"] == "double"
        # the device stays while its triggers do
        assert hub.devices.find(BUTTON) is not None


async def test_device_discovery_components_and_value_templates(hub_dir, broker):
    """A device discovery config (``cmps``) with a device trigger whose value_template picks
    the action out of the device's state message."""
    device = {"ids": ["remote-7"], "name": "Hall remote", "mf": "Acme"}
    remote = {
        "dev": device,
        "o": {"name": "acme-bridge", "sw": "1.0"},
        "cmps": {
            "on": {"p": "device_automation", "atype": "trigger", "type": "button_short_press", "stype": "button_1",
                   "t": "acme/remote7", "val_tpl": "{{ value_json.press }}", "pl": "b1"},
            "battery": {"p": "sensor", "uniq_id": "remote-7-battery", "stat_t": "acme/remote7",
                        "val_tpl": "{{ value_json.battery }}", "dev_cla": "battery", "unit_of_meas": "%"},
        },
    }
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub, MqttProbe(broker, "probe/#") as probe:
        await announce(probe, {"homeassistant/device/remote7/config": remote})
        await until(lambda: hub.devices.find("mqtt:remote-7") is not None and hub.states.get("sensor.hall_remote_battery"))
        device_id = hub.devices.find("mqtt:remote-7").id
    config = {"mqtt": broker.hub_config(), "automation": [on_device_trigger("b1", device_id, "button_1", "button_short_press")]}
    async with running_hub(hub_dir, config) as hub, MqttProbe(broker, "probe/#") as probe:
        events = seen(hub)
        await until(
            lambda: "acme/remote7" in mqtt.get(hub).client.wanted_filters() and hub.states.get("sensor.hall_remote_battery")
        )
        await mqtt.get(hub).client.wait_subscribed()
        await probe.publish("acme/remote7", json.dumps({"press": "b2", "battery": 80}))
        await probe.publish("acme/remote7", json.dumps({"press": "b1", "battery": 80}))
        await until(lambda: len(events) == 1)
        assert events[0]["by"] == "b1"
        # the whole device goes: its trigger and its sensor, then the device itself
        await probe.publish("homeassistant/device/remote7/config", "", retain=True)
        await until(lambda: hub.devices.find("mqtt:remote-7") is None)
        await probe.publish("acme/remote7", json.dumps({"press": "b1"}))
        await asyncio.sleep(0.2)
        assert len(events) == 1


async def test_a_device_trigger_is_plain_text_and_its_template_sees_no_state(hub_dir, broker, caplog):
    """A device may not render templates with the hub's states (payload is compared as text;
    value_template renders limited)."""
    device = {"ids": ["evil-1"], "name": "Evil"}
    configs = {
        "homeassistant/device_automation/evil/payload/config": {
            "atype": "trigger", "type": "action", "stype": "a", "t": "evil/a",
            "pl": "{{ states('sensor.mqtt_rejected_messages') }}", "dev": device},
        "homeassistant/device_automation/evil/template/config": {
            "atype": "trigger", "type": "action", "stype": "b", "t": "evil/b",
            "val_tpl": "{{ states('sensor.mqtt_rejected_messages') }}", "pl": "0", "dev": device},
    }
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub, MqttProbe(broker, "probe/#") as probe:
        await announce(probe, configs)
        await until(lambda: hub.devices.find("mqtt:evil-1") is not None)
        device_id = hub.devices.find("mqtt:evil-1").id
    config = {"mqtt": broker.hub_config(),
              "automation": [on_device_trigger("a", device_id, "a"), on_device_trigger("b", device_id, "b")]}
    async with running_hub(hub_dir, config) as hub, MqttProbe(broker, "probe/#") as probe:
        events = seen(hub)
        await until(lambda: {"evil/a", "evil/b"} <= set(mqtt.get(hub).client.wanted_filters()))
        await mqtt.get(hub).client.wait_subscribed()
        await probe.publish("evil/b", "anything")
        await probe.publish("evil/a", "0")
        await probe.publish("evil/a", "{{ states('sensor.mqtt_rejected_messages') }}")
        await until(lambda: len(events) == 1)
        await asyncio.sleep(0.2)
        assert [e["by"] for e in events] == ["a"] and events[0]["payload"].startswith("{{")
        assert "value_template failed on a message on evil/b: states() cannot be used here" in caplog.text


async def test_device_trigger_configs_that_do_not_fit_are_refused(hub_dir, broker):
    device = dict(Z2M_BUTTON_DEVICE)
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub, MqttProbe(broker, "probe/#") as probe:
        rejections = mqtt.get(hub).rejections
        await announce(probe, {
            "homeassistant/device_automation/b/x/config": {"automation_type": "action", "type": "a", "subtype": "b",
                                                           "topic": "t", "device": device},
            "homeassistant/device_automation/b/y/config": {"automation_type": "trigger", "type": "a", "subtype": "b",
                                                           "topic": "t/#/x", "device": device},
            "homeassistant/device_automation/b/z/config": {"automation_type": "trigger", "type": "a", "subtype": "b",
                                                           "topic": "t", "device": {"name": "no ids"}},
        })
        await until(lambda: rejections.by_reason["discovery_invalid"] >= 3)
        # the same trigger announced twice (another topic, same device, type and subtype)
        single = "homeassistant/device_automation/0x0017880104e45520/action_single/config"
        await announce(probe, {single: Z2M_BUTTON_TRIGGERS[single]})
        await until(lambda: hub.devices.find(BUTTON) is not None)
        await announce(probe, {"homeassistant/device_automation/0x0017880104e45520/again/config": {
            **Z2M_BUTTON_TRIGGERS[single], "topic": "zigbee2mqtt/button/other", "origin": Z2M_ORIGIN}})
        await until(lambda: rejections.by_reason["duplicate_device_trigger"] >= 1)


def test_check_config_names_what_a_device_trigger_needs(tmp_path):
    write_config(tmp_path, {"mqtt": {"broker": "mqtt://127.0.0.1:1"}, "automation": [
        {"id": "zha", "triggers": [{"trigger": "device", "domain": "zha", "device_id": "x", "type": "t", "subtype": "s"}],
         "actions": [{"event": "seen"}]},
        {"id": "half", "triggers": [{"trigger": "device", "domain": "mqtt", "device_id": "x", "type": "t"}],
         "actions": [{"event": "seen"}]}]})
    errors = [str(error) for error in check_config(tmp_path / "config.yaml").errors]
    assert errors == [
        "config.yaml:7: automation[0].triggers[0].domain: only MQTT devices have device triggers here (domain: mqtt), "
        "got 'zha'",
        "config.yaml:15: automation[1].triggers[0].subtype: required key not provided",
    ]
