"""Entity ids and names of discovered entities, as Home Assistant derives them.

``default_entity_id`` (Home Assistant 2025.10 on) and ``object_id`` (before) decide the
entity id; without them the id and the friendly name come from the device's name and the
entity's own name (``has_entity_name``), an unnamed one taking its device class's name.
An id the registry holds for another entity is never taken.
"""
from __future__ import annotations

import json

import pytest

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.payloads import ZIGBEE2MQTT
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt


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
                   {"name": "Cellar", "uniq_id": "n-c", "stat_t": "n/c",
                    "object_id": "old_id", "default_entity_id": "sensor.new_id"})
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


WEATHER = {"identifiers": ["weather-1"], "name": "Weather Sensor", "manufacturer": "Aqara"}


def unnamed(device_class: str | None, topic: str, **extra) -> dict:
    """A Zigbee2MQTT-style config without ``name`` nor an id request: Home Assistant names it."""
    config = {"uniq_id": f"weather-1-{topic}", "stat_t": f"weather/{topic}", "dev": {"ids": ["weather-1"]}, **extra}
    if device_class is not None:
        config["dev_cla"] = device_class
    return config


async def test_an_unnamed_entity_takes_its_device_class_name_under_its_device(site):
    hub, probe = site
    await announce(probe, "homeassistant/sensor/weather/temperature/config", {**unnamed("temperature", "t"), "dev": WEATHER})
    await announce(probe, "homeassistant/sensor/weather/humidity/config", unnamed("humidity", "h"))
    await announce(probe, "homeassistant/sensor/weather/battery/config", unnamed("battery", "b"))
    await announce(probe, "homeassistant/sensor/weather/pm25/config", unnamed("pm25", "pm"))
    await announce(probe, "homeassistant/binary_sensor/weather/window/config", unnamed("window", "w"))
    await announce(probe, "homeassistant/number/weather/offset/config",
                   unnamed("temperature", "o", cmd_t="weather/o/set"))
    await announce(probe, "homeassistant/button/weather/restart/config", unnamed("restart", "r", cmd_t="weather/r/set"))
    # no device class to go by (or enum): the platform's default name, as Home Assistant's
    await announce(probe, "homeassistant/sensor/weather/mode/config", unnamed("enum", "m"))
    await announce(probe, "homeassistant/sensor/weather/raw/config", unnamed(None, "raw"))
    # name null: the device's main feature, called by the device's name alone
    power = {**unnamed(None, "p", cmd_t="weather/p/set"), "name": None}
    await announce(probe, "homeassistant/switch/weather/power/config", power)
    # a name of its own follows the device's name
    await announce(probe, "homeassistant/sensor/weather/dew/config", {**unnamed("temperature", "d"), "name": "Dew point"})
    expected = {
        "sensor.weather_sensor_temperature": "Weather Sensor Temperature",
        "sensor.weather_sensor_humidity": "Weather Sensor Humidity",
        "sensor.weather_sensor_battery": "Weather Sensor Battery",
        "sensor.weather_sensor_pm2_5": "Weather Sensor PM2.5",
        "binary_sensor.weather_sensor_window": "Weather Sensor Window",
        "number.weather_sensor_temperature": "Weather Sensor Temperature",
        "button.weather_sensor_restart": "Weather Sensor Restart",
        "sensor.weather_sensor_mqtt_sensor": "Weather Sensor MQTT Sensor",
        "sensor.weather_sensor_mqtt_sensor_2": "Weather Sensor MQTT Sensor",
        "switch.weather_sensor": "Weather Sensor",
        "sensor.weather_sensor_dew_point": "Weather Sensor Dew point",
    }
    await discovered(hub, *expected)
    assert {entity_id: hub.states.get(entity_id).attributes["friendly_name"] for entity_id in expected} == expected
    assert hub.states.get("sensor.weather_sensor_temperature").attributes["device_class"] == "temperature"
    # the configs that name the device by its identifier alone left its name and maker as they were
    device = hub.devices.find("mqtt:weather-1")
    assert device.name == "Weather Sensor" and device.manufacturer == "Aqara"


async def test_without_a_device_the_entity_is_named_by_itself(site):
    hub, probe = site
    await announce(probe, "homeassistant/sensor/a/t/config", {"uniq_id": "a-t", "stat_t": "a/t", "dev_cla": "temperature"})
    await announce(probe, "homeassistant/binary_sensor/a/b/config", {"uniq_id": "a-b", "stat_t": "a/b"})
    await announce(probe, "homeassistant/climate/a/c/config", {"uniq_id": "a-c", "mode_cmd_t": "a/c/set"})
    await discovered(hub, "sensor.temperature", "binary_sensor.mqtt_binary_sensor", "climate.mqtt_hvac")
    assert hub.states.get("sensor.temperature").attributes["friendly_name"] == "Temperature"


async def test_a_device_renamed_by_staff_renames_its_entities_names_not_their_ids(site):
    hub, probe = site
    await announce(probe, "homeassistant/sensor/weather/temperature/config", {**unnamed("temperature", "t"), "dev": WEATHER})
    await discovered(hub, "sensor.weather_sensor_temperature")
    device = hub.devices.find("mqtt:weather-1")
    await hub.devices.update(device.id, name_by_user="Roof station")
    state = hub.states.get("sensor.weather_sensor_temperature")
    assert state.attributes["friendly_name"] == "Roof station Temperature"
    await probe.publish("weather/t", "12.5")
    state = await wait_state(hub, "sensor.weather_sensor_temperature", "12.5")
    assert state.attributes["friendly_name"] == "Roof station Temperature"
