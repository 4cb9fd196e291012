"""The MQTT ``event`` platform: Zigbee2MQTT's button actions and Home Assistant's own JSON
events become ``event`` entities whose state is the time of the last event."""
from __future__ import annotations

import json
import re

import pytest

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.payloads import Z2M_BUTTON_EVENT
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.event.entity import EventEntity

ISO_MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
async def site(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "probe/#") as probe:
            yield hub, probe


async def test_zigbee2mqtt_button_actions_are_events(site):
    hub, probe = site
    await probe.publish("zigbee2mqtt/bridge/state", '{"state":"online"}', retain=True)
    for topic, config in Z2M_BUTTON_EVENT.items():
        await probe.publish(topic, json.dumps(config), retain=True)
    await discovered(hub, "event.button_action")
    state = hub.states.get("event.button_action")
    assert state.state == "unknown"
    assert state.attributes["friendly_name"] == "button Action"
    assert state.attributes["event_types"] == ["single", "double", "triple", "quadruple", "hold", "release"]
    assert isinstance(hub.entities.get("event.button_action"), EventEntity)

    await probe.publish("zigbee2mqtt/button", json.dumps({"action": "double", "battery": 90, "linkquality": 120}))
    fired = await wait_state(hub, "event.button_action", lambda s: s.state != "unknown")
    assert ISO_MILLISECONDS.match(fired.state)
    assert fired.attributes["event_type"] == "double"
    # a state report without an action is no event (the template gives {})
    await probe.publish("zigbee2mqtt/button", json.dumps({"action": "", "battery": 89}))
    # an action the entity does not declare is refused, counted, and changes nothing
    await probe.publish("zigbee2mqtt/button", json.dumps({"action": "left_press"}))
    rejections = mqtt.get(hub).rejections
    await probe.wait_until(lambda: rejections.by_reason["unknown_event_type"] >= 1)
    assert hub.states.get("event.button_action") == fired


async def test_home_assistant_json_events_carry_their_other_keys_as_attributes(site):
    hub, probe = site
    config = {"name": "Doorbell", "uniq_id": "bell-1", "stat_t": "bell/event", "event_types": ["press", "hold"],
              "dev_cla": "doorbell", "dev": {"ids": ["bell-1"], "name": "Front door"}}
    await probe.publish("homeassistant/event/bell/config", json.dumps(config), retain=True)
    # the device sent one before the hub was there: a retained event is not one now
    await probe.publish("bell/event", json.dumps({"event_type": "press"}), retain=True)
    await discovered(hub, "event.front_door_doorbell")
    await probe.publish("bell/event", json.dumps({"event_type": "hold", "duration": 2.5, "visitor": "courier"}))
    state = await wait_state(hub, "event.front_door_doorbell", lambda s: s.state != "unknown")
    assert state.attributes["event_type"] == "hold"
    assert state.attributes["duration"] == 2.5 and state.attributes["visitor"] == "courier"
    assert state.attributes["device_class"] == "doorbell"
    # what is not an event is refused with the reason, and the entity keeps its last event
    rejections = mqtt.get(hub).rejections
    for bad, reason in (("not json", "invalid_json"), ("[1, 2]", "not_an_object"), ('{"duration": 1}', "missing_event_type")):
        await probe.publish("bell/event", bad)
        await probe.wait_until(lambda reason=reason: rejections.by_reason[reason] >= 1)
    assert hub.states.get("event.front_door_doorbell") == state


async def test_an_unnamed_event_entity_is_named_by_its_device_class(site):
    hub, probe = site
    config = {"uniq_id": "bell-2", "stat_t": "bell2/event", "event_types": ["ring"], "dev_cla": "doorbell",
              "dev": {"ids": ["bell-2"], "name": "Back gate"}}
    await probe.publish("homeassistant/event/bell2/config", json.dumps(config), retain=True)
    await discovered(hub, "event.back_gate_doorbell")
    assert hub.states.get("event.back_gate_doorbell").attributes["friendly_name"] == "Back gate Doorbell"


async def test_an_event_config_without_event_types_is_refused(site):
    hub, probe = site
    await probe.publish("homeassistant/event/x/config", json.dumps({"name": "X", "stat_t": "x/e"}), retain=True)
    rejections = mqtt.get(hub).rejections
    await probe.wait_until(lambda: rejections.by_reason["discovery_invalid"] >= 1)
    assert hub.states.get("event.x") is None
