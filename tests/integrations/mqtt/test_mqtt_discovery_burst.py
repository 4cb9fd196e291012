"""Many discovery configs at once: the entities are added side by side, and configs are
still decided in the order they came (an update or a removal waits for the additions)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import wait_state
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt


def sensor(i: int, **extra: Any) -> dict[str, Any]:
    """A Zigbee2MQTT-shaped sensor: its own device and state topic, the bridge's availability."""
    return {
        "name": f"burst {i}",
        "unique_id": f"burst_{i}",
        "state_topic": f"z2m/dev_{i}",
        "value_template": "{{ value_json.value }}",
        "availability": [{"topic": "z2m/bridge/state", "value_template": "{{ value_json.state }}"}],
        "device": {"identifiers": [f"burst_dev_{i}"]},  # unnamed: the entity's name is its whole name
        **extra,
    }


async def test_a_burst_of_retained_configs_becomes_entities_with_their_states(hub_dir, broker):
    n = 200
    async with MqttProbe(broker, "nothing/here") as probe:
        await probe.publish("z2m/bridge/state", '{"state": "online"}', retain=True)
        for i in range(n):
            await probe.publish(f"homeassistant/sensor/dev_{i}/value/config", json.dumps(sensor(i)), retain=True)
            await probe.publish(f"z2m/dev_{i}", json.dumps({"value": i}), retain=True)
    async with running_hub(hub_dir, {"mqtt": broker.hub_config(max_discovered_entities=n)}) as hub:
        for i in range(n):
            await wait_state(hub, f"sensor.burst_{i}", str(i), timeout=20)
        entries = [e for e in hub.entity_registry.all("mqtt") if e.unique_id.startswith("burst_")]
        assert sorted(e.entity_id for e in entries) == sorted(f"sensor.burst_{i}" for i in range(n))
        assert len({e.device_id for e in entries}) == n
        data = mqtt.get(hub)
        assert data.discovery_budget.used == n
        wanted = data.client.wanted_filters()
        assert all(f"z2m/dev_{i}" in wanted for i in range(n)) and "z2m/bridge/state" in wanted


async def test_a_unique_id_given_twice_in_one_burst_makes_one_entity(hub_dir, broker):
    async with MqttProbe(broker, "nothing/here") as probe:
        for node in ("left", "right"):
            config = {"name": "twin", "unique_id": "twin", "state_topic": f"twin/{node}"}
            await probe.publish(f"homeassistant/sensor/{node}/twin/config", json.dumps(config), retain=True)
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        data = mqtt.get(hub)
        async with asyncio.timeout(5):
            while not data.rejections.by_reason["duplicate_unique_id"]:
                await asyncio.sleep(0.01)
        await hub.block_till_done()
        assert data.rejections.by_reason["duplicate_unique_id"] == 1
        assert len(data.discovery.entities) == 1 and data.discovery_budget.used == 1
        assert hub.states.get("sensor.twin") is not None and hub.states.get("sensor.twin_2") is None


async def test_an_update_or_removal_right_behind_a_new_config_is_applied_after_it(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        data = mqtt.get(hub)
        async with MqttProbe(broker, "nothing/here") as probe:
            first, second = "homeassistant/sensor/n1/a/config", "homeassistant/sensor/n2/b/config"
            # Back to back on the wire: the second of each pair arrives while the first's
            # entity is still being added.
            await asyncio.gather(
                probe.publish(first, json.dumps(sensor(1))),
                probe.publish(first, json.dumps(sensor(1, device_class="temperature"))),
                probe.publish(second, json.dumps(sensor(2))),
                probe.publish(second, ""),
            )
            await probe.publish("homeassistant/sensor/n3/c/config", json.dumps(sensor(3)))
            await wait_state(hub, "sensor.burst_3")  # configs are decided in order: the others were
        state = hub.states.get("sensor.burst_1")
        assert state is not None and state.attributes.get("device_class") == "temperature"
        assert hub.states.get("sensor.burst_2") is None
        assert hub.entity_registry.find("mqtt", "burst_2") is None
        assert sorted(data.discovery.entities) == ["sensor n1 a", "sensor n3 c"] and data.discovery_budget.used == 2


async def test_entities_of_one_name_get_their_ids_in_the_order_the_configs_came(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "nothing/here") as probe:
            # One device announcing three entities with no names of their own (name: null):
            # each is named after the device, and the ids go 'lamp', 'lamp_2', 'lamp_3' in order.
            device = {"identifiers": ["lamp-1"], "name": "lamp"}
            await asyncio.gather(*(
                probe.publish(f"homeassistant/sensor/lamp1/{part}/config", json.dumps(
                    {"name": None, "unique_id": f"lamp-{part}", "state_topic": f"lamp/{part}", "device": device}))
                for part in ("power", "energy", "voltage")
            ))
            await wait_state(hub, "sensor.lamp_3")
        assert [hub.entity_registry.get(e).unique_id for e in ("sensor.lamp", "sensor.lamp_2", "sensor.lamp_3")] == [
            "lamp-power", "lamp-energy", "lamp-voltage"]
