"""Discovered entities are their domains' entities: each declares from its config the
optional services it offers, as Home Assistant's MQTT platforms do, and the domain refuses
the others naming the entity and the service, before anything is published."""
from __future__ import annotations

import json

import pytest

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered
from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.testing import running_hub

#: component → (config, a service it cannot run, one it can, the topic that one publishes on)
CASES = {
    "lock": ({"command_topic": "d/lock/set"}, "open", "unlock", "d/lock/set"),
    "cover": ({"command_topic": "d/cover/set", "payload_stop": None}, "stop_cover", "open_cover", "d/cover/set"),
    "fan": ({"command_topic": "d/fan/set", "oscillation_command_topic": "d/fan/osc"}, "set_percentage", "oscillate",
            "d/fan/osc"),
    "alarm_control_panel": ({"command_topic": "d/alarm/set", "state_topic": "d/alarm", "supported_features": ["arm_away"]},
                            "alarm_arm_home", "alarm_arm_away", "d/alarm/set"),
    "climate": ({"mode_command_topic": "d/climate/mode"}, "set_temperature", "set_hvac_mode", "d/climate/mode"),
}
DATA = {"oscillate": {"oscillating": True}, "set_percentage": {"percentage": 50}, "set_hvac_mode": {"hvac_mode": "heat"},
        "set_temperature": {"temperature": 20}}


@pytest.mark.parametrize("component", CASES)
async def test_a_service_the_config_does_not_offer_is_refused_naming_entity_and_service(hub_dir, broker, component):
    config, refused, offered, topic = CASES[component]
    entity_id = f"{component}.d_{component}"
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "d/#") as probe:
            body = {"name": f"d {component}", "unique_id": f"d-{component}", **config}
            await probe.publish(f"homeassistant/{component}/d/config", json.dumps(body), retain=True)
            await discovered(hub, entity_id)
            with pytest.raises(ServiceNotSupported, match=rf"^{entity_id} does not support {component}\.{refused}$"):
                await hub.services.call(component, refused, {"entity_id": entity_id, **DATA.get(refused, {})})
            await hub.services.call(component, offered, {"entity_id": entity_id, **DATA.get(offered, {})})
            await probe.wait_for(topic)
            assert [message.topic.value for message in probe.messages] == [topic], "nothing was sent for the refusal"
