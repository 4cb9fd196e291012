"""Entity ids and names of discovered entities, as Home Assistant derives them.

``default_entity_id`` (Home Assistant 2025.10 on) and ``object_id`` (before) decide the
entity id; without them the id and the friendly name come from the device's name and the
entity's own name (``has_entity_name``), an unnamed one taking its device class's name.
An id the registry holds for another entity is never taken.
"""
from __future__ import annotations

import json

import pytest

from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.payloads import ZIGBEE2MQTT


@pytest.fixture
async def site(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "probe/#") as probe:
            yield hub, probe


async def announce(probe: MqttProbe, topic: str, config: dict) -> None:
    await probe.publish(topic, json.dumps(config), retain=True)


async def test_default_entity_id_is_the_whole_id_and_object_id_the_part_after_the_dot(site):
    hub, probe = site
    await announce(probe, "homeassistant/sensor/n/a/config",
                   {"name": "Outside", "uniq_id": "n-a", "stat_t": "n/a", "default_entity_id": "sensor.Garden_Temp"})
    await announce(probe, "homeassistant/sensor/n/b/config",
                   {"name": "Inside", "uniq_id": "n-b", "stat_t": "n/b", "object_id": "hall_temp"})
    # both given (Zigbee2MQTT sends both): default_entity_id wins
    await announce(probe, "homeassistant/sensor/n/c/config",
                   {"name": "Cellar", "uniq_id": "n-c", "stat_t": "n/c", "object_id": "old_id", "default_entity_id": "sensor.new_id"})
    # as in Home Assistant, the domain part is not the entity's: a sensor stays a sensor
    await announce(probe, "homeassistant/sensor/n/d/config",
                   {"name": "Attic", "uniq_id": "n-d", "stat_t": "n/d", "default_entity_id": "switch.attic_temp"})
    # without a unique id the suggestion is used too
    await announce(probe, "homeassistant/binary_sensor/n/e/config",
                   {"name": "Door", "stat_t": "n/e", "default_entity_id": "binary_sensor.front_door_contact"})
    await discovered(hub, "sensor.garden_temp", "sensor.hall_temp", "sensor.new_id", "sensor.attic_temp",
                     "binary_sensor.front_door_contact")
    assert hub.states.get("sensor.old_id") is None and hub.states.get("switch.attic_temp") is None
    assert hub.states.get("sensor.garden_temp").attributes["friendly_name"] == "Outside"


async def test_zigbee2mqtt_entities_get_the_ids_zigbee2mqtt_asks_for(site):
    hub, probe = site
    for topic, config in ZIGBEE2MQTT.items():
        await announce(probe, topic, config)
    await discovered(hub, "sensor.weather_sensor_temperature", "sensor.weather_sensor_humidity",
                     "switch.wall_switch_double_left", "number.bosch_radiator_pi_heating_demand")
    assert hub.states.get("sensor.weather_sensor") is None and hub.states.get("sensor.weather_sensor_2") is None


async def test_a_suggested_id_never_takes_one_the_registry_holds_for_another_entity(site):
    hub, probe = site
    # the real gate sensor, registered earlier (by another integration, or before a restart)
    await hub.entity_registry.get_or_create(platform="modbus", unique_id="gate-temp", suggested_entity_id="sensor.gate_temp")
    await announce(probe, "homeassistant/sensor/x/one/config",
                   {"name": "Gate", "uniq_id": "x-one", "stat_t": "x/one", "default_entity_id": "sensor.gate_temp"})
    await announce(probe, "homeassistant/sensor/x/two/config",
                   {"name": "Gate", "stat_t": "x/two", "object_id": "gate_temp"})
    await discovered(hub, "sensor.gate_temp_2", "sensor.gate_temp_3")
    assert hub.states.get("sensor.gate_temp") is None
    assert hub.entity_registry.get("sensor.gate_temp").platform == "modbus"
    # the registered entity keeps its id when its config is announced again, changed
    await announce(probe, "homeassistant/sensor/x/one/config",
                   {"name": "Gate", "uniq_id": "x-one", "stat_t": "x/one", "default_entity_id": "sensor.other"})
    await probe.publish("x/one", "7")
    await wait_state(hub, "sensor.gate_temp_2", "7")
    assert hub.states.get("sensor.other") is None


async def test_a_default_entity_id_without_a_domain_is_logged_and_the_name_used(site, caplog):
    hub, probe = site
    await announce(probe, "homeassistant/sensor/y/one/config",
                   {"name": "Boiler pressure", "uniq_id": "y-one", "stat_t": "y/one", "default_entity_id": "boiler_pressure_x"})
    await discovered(hub, "sensor.boiler_pressure")
    assert "default_entity_id 'boiler_pressure_x' is not <domain>.<object_id>" in caplog.text
    assert mqtt.get(hub).rejections.as_dict()["by_reason"]["invalid_default_entity_id"] >= 1
