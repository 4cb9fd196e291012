"""Tasmota's native discovery (``tasmota/discovery/<MAC>/…``): devices announced the way
Tasmota 12+ announces them appear, report and obey, against a real broker.

The tests play the device: they publish its retained discovery and LWT, read the commands
the hub sends, and answer the way Tasmota answers (``payloads_tasmota`` has the sources).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.payloads_tasmota import (
    AM2301_LATER,
    AM2301_SENSOR,
    CT_DIMMER_STATE,
    CT_LIGHT,
    CT_STATE,
    DEFAULT_CONFIG,
    DIMMER,
    DIMMER_RESULT,
    DIMMER_STATE,
    ENERGY_SENSOR,
    MAC,
    PLUG,
    POWER_METER,
    POWER_METER_SENSORS,
    RELAY1_ON,
    RELAY2_OFF,
    RELAY2_ON,
    RESULT_OFF,
    RGB_LIGHT,
    RGB_RESULT,
    STATE_OFF,
    STATE_ON,
    SWITCH_INPUT,
    SWITCH_RESULT_ON,
    SWITCH_SENSOR_OFF,
    SWITCH_STATUS_ON,
    TELEPERIOD_RESULT,
    TOPIC,
    TWO_RELAYS,
    device,
)
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.tasmota import translate

CONFIG_TOPIC = f"tasmota/discovery/{MAC}/config"
SENSORS_TOPIC = f"tasmota/discovery/{MAC}/sensors"
#: DEFAULT_CONFIG's ft is "%topic%/%prefix%/"
CMND, STAT, TELE = f"{TOPIC}/cmnd", f"{TOPIC}/stat", f"{TOPIC}/tele"
DEVICE_ID = "mqtt:mac:00:00:00:49:a3:bc"


@pytest.fixture
async def site(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, f"{TOPIC}/cmnd/#", f"cmnd/{TOPIC}/#") as probe:
            yield hub, probe


async def announce(probe: MqttProbe, config: dict[str, Any], sensors: dict[str, Any] | None = None) -> None:
    await probe.publish(CONFIG_TOPIC, json.dumps(config), retain=True)
    if sensors is not None:
        await probe.publish(SENSORS_TOPIC, json.dumps(sensors), retain=True)


async def call(hub, domain: str, service: str, **data: Any) -> None:
    await hub.services.call(domain, service, data)


def rejected(hub) -> int:
    return mqtt.get(hub).rejections.total


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


async def test_plug_appears_reports_and_switches(site):
    hub, probe = site
    await announce(probe, PLUG)
    await discovered(hub, "switch.tasmota_test")
    assert hub.states.get("switch.tasmota_test").state == "unavailable"  # no LWT yet
    device_entry = hub.devices.find(DEVICE_ID)
    assert device_entry is not None
    assert (device_entry.name, device_entry.model, device_entry.sw_version, device_entry.manufacturer) == (
        "Tasmota", "Sonoff Basic", "8.4.0.2", "Tasmota",
    )

    # Online: the hub asks for the state at once; Tasmota answers STATE on stat/RESULT
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await probe.wait_for(f"{CMND}/STATE", b"")
    await wait_state(hub, "switch.tasmota_test", "unknown")
    await probe.publish(f"{STAT}/RESULT", STATE_ON)
    await wait_state(hub, "switch.tasmota_test", "on")

    await call(hub, "switch", "turn_off", entity_id="switch.tasmota_test")
    await probe.wait_for(f"{CMND}/Power1", b"OFF")
    assert hub.states.is_state("switch.tasmota_test", "on")  # Tasmota is not optimistic: it answers
    await probe.publish(f"{STAT}/RESULT", RESULT_OFF)
    await wait_state(hub, "switch.tasmota_test", "off")

    # TelePeriod reports on tele/STATE; other commands' answers share stat/RESULT and are no errors
    before = rejected(hub)
    await probe.publish(f"{STAT}/RESULT", TELEPERIOD_RESULT)
    await probe.publish(f"{TELE}/STATE", STATE_ON)
    await wait_state(hub, "switch.tasmota_test", "on")
    await probe.publish(f"{TELE}/STATE", STATE_OFF)
    await wait_state(hub, "switch.tasmota_test", "off")
    assert rejected(hub) == before

    await probe.publish(f"{TELE}/LWT", "Offline", retain=True)
    await wait_state(hub, "switch.tasmota_test", "unavailable")
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await wait_state(hub, "switch.tasmota_test", "off")
    await probe.wait_until(lambda: len(probe.payloads(f"{CMND}/STATE")) == 2)  # polled again


async def test_two_relays_are_two_switches(site):
    hub, probe = site
    await announce(probe, TWO_RELAYS)
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await discovered(hub, "switch.tasmota_test", "switch.tasmota_beer")

    await probe.publish(f"{STAT}/RESULT", RELAY2_ON)
    await wait_state(hub, "switch.tasmota_beer", "on")
    assert hub.states.is_state("switch.tasmota_test", "unknown")
    await probe.publish(f"{STAT}/RESULT", RELAY1_ON)
    await wait_state(hub, "switch.tasmota_test", "on")

    await call(hub, "switch", "turn_off", entity_id="switch.tasmota_beer")
    await probe.wait_for(f"{CMND}/Power2", b"OFF")
    await probe.publish(f"{STAT}/RESULT", RELAY2_OFF)
    await wait_state(hub, "switch.tasmota_beer", "off")
    assert hub.states.is_state("switch.tasmota_test", "on")
    assert probe.payloads(f"{CMND}/Power1") == []


async def test_relays_are_named_as_hatasmota_names_them(site):
    """The first relay named like its device is the device's main feature (its name alone);
    one without a friendly name is "switch <n>", under the device's name."""
    hub, probe = site
    await announce(probe, device([1, 1], fn=["Tasmota", None, None, None, None]))
    await discovered(hub, "switch.tasmota", "switch.tasmota_switch_2")
    assert hub.states.get("switch.tasmota").attributes["friendly_name"] == "Tasmota"
    assert hub.states.get("switch.tasmota_switch_2").attributes["friendly_name"] == "Tasmota switch 2"


async def test_dimmer_reports_brightness_and_dims(site):
    hub, probe = site
    await announce(probe, DIMMER)
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await discovered(hub, "light.tasmota_test")

    await probe.publish(f"{TELE}/STATE", DIMMER_STATE)
    light = await wait_state(hub, "light.tasmota_test", "on")
    assert light.attributes["brightness"] == 204  # Dimmer 80 of 100
    await probe.publish(f"{STAT}/RESULT", DIMMER_RESULT.replace("80", "50"))
    await wait_state(hub, "light.tasmota_test", lambda s: s.attributes.get("brightness") == 128)

    await call(hub, "light", "turn_on", entity_id="light.tasmota_test", brightness_pct=30)
    await probe.wait_for(f"{CMND}/Dimmer", b"30")
    assert probe.payloads(f"{CMND}/Power1") == []  # Dimmer switches it on by itself
    await call(hub, "light", "turn_off", entity_id="light.tasmota_test")
    await probe.wait_for(f"{CMND}/Power1", b"OFF")
    await probe.publish(f"{STAT}/RESULT", RESULT_OFF)
    await wait_state(hub, "light.tasmota_test", "off")


async def test_colour_and_white_lights(site):
    hub, probe = site
    await announce(probe, RGB_LIGHT)
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await discovered(hub, "light.tasmota_test")
    await probe.publish(f"{STAT}/RESULT", RGB_RESULT)  # Color as hex (SetOption17 0)
    light = await wait_state(hub, "light.tasmota_test", lambda s: s.attributes.get("rgb_color") == [186, 186, 186])
    assert light.attributes["brightness"] == 186  # Dimmer 73
    await call(hub, "light", "turn_on", entity_id="light.tasmota_test", rgb_color=[255, 128, 0])
    await probe.wait_for(f"{CMND}/Color2", b"255,128,0")

    await announce(probe, CT_LIGHT)  # the same device, now cold/warm white: updated in place
    await discovered(hub, "light.tasmota_test")
    await probe.publish(f"{TELE}/STATE", CT_DIMMER_STATE)
    await probe.publish(f"{TELE}/STATE", CT_STATE)
    light = await wait_state(hub, "light.tasmota_test", lambda s: s.attributes.get("color_temp") == 300)
    assert light.attributes["brightness"] == 128
    await call(hub, "light", "turn_on", entity_id="light.tasmota_test", color_temp=250)
    await probe.wait_for(f"{CMND}/CT", b"250")


async def test_sensors_appear_with_units_and_report(site):
    hub, probe = site
    await announce(probe, POWER_METER, POWER_METER_SENSORS)
    await probe.publish(f"tele/{TOPIC}/LWT", "Online", retain=True)  # POWER_METER: ft "%prefix%/%topic%/"
    ids = ["sensor.tasmota_am2301_temperature", "sensor.tasmota_am2301_humidity", "sensor.tasmota_energy_total",
           "sensor.tasmota_energy_power", "sensor.tasmota_energy_voltage", "sensor.tasmota_energy_today"]
    await discovered(hub, *ids)
    temperature = hub.states.get("sensor.tasmota_am2301_temperature").attributes
    temperature_classes = (temperature["unit_of_measurement"], temperature["device_class"], temperature["state_class"])
    assert temperature_classes == ("°C", "temperature", "measurement")
    total = hub.states.get("sensor.tasmota_energy_total").attributes
    assert (total["unit_of_measurement"], total["device_class"], total["state_class"]) == ("kWh", "energy", "total")
    assert hub.states.get("sensor.tasmota_energy_voltage").attributes["unit_of_measurement"] == "V"

    # Asked for everything at once: STATUS 10, answered with the sensors wrapped in StatusSNS
    await probe.wait_for(f"cmnd/{TOPIC}/STATUS", b"10")
    await probe.wait_for(f"cmnd/{TOPIC}/STATE", b"")
    await probe.publish(f"stat/{TOPIC}/STATUS10", json.dumps({"StatusSNS": {**ENERGY_SENSOR, **AM2301_SENSOR}}))
    await wait_state(hub, "sensor.tasmota_am2301_temperature", "22.6")
    await wait_state(hub, "sensor.tasmota_energy_total", "1066.0")
    await wait_state(hub, "sensor.tasmota_energy_voltage", "227.7")

    await probe.publish(f"tele/{TOPIC}/SENSOR", AM2301_LATER)  # TelePeriod
    await wait_state(hub, "sensor.tasmota_am2301_humidity", "32.1")
    assert hub.states.is_state("sensor.tasmota_energy_total", "1066.0")  # not in that message: kept

    await call(hub, "switch", "turn_on", entity_id="switch.tasmota_test")
    await probe.wait_for(f"cmnd/{TOPIC}/Power1", b"ON")


async def test_switch_input_is_a_binary_sensor(site):
    hub, probe = site
    await announce(probe, SWITCH_INPUT)
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await discovered(hub, "binary_sensor.tasmota_switch1")
    await probe.wait_for(f"{CMND}/STATUS", b"10")
    await probe.publish(f"{STAT}/STATUS10", SWITCH_STATUS_ON)
    await wait_state(hub, "binary_sensor.tasmota_switch1", "on")
    await probe.publish(f"{TELE}/SENSOR", SWITCH_SENSOR_OFF)
    await wait_state(hub, "binary_sensor.tasmota_switch1", "off")
    before = rejected(hub)
    await probe.publish(f"{STAT}/RESULT", '{"Switch1":{"Action":"TOGGLE"}}')  # a press, not a state
    await probe.publish(f"{STAT}/RESULT", SWITCH_RESULT_ON)
    await wait_state(hub, "binary_sensor.tasmota_switch1", "on")
    assert rejected(hub) == before


async def test_empty_config_removes_the_device(site):
    hub, probe = site
    await announce(probe, POWER_METER, POWER_METER_SENSORS)
    await discovered(hub, "switch.tasmota_test", "sensor.tasmota_am2301_temperature")
    switch_id = hub.entity_registry.get("switch.tasmota_test").unique_id

    await probe.publish(SENSORS_TOPIC, "", retain=True)  # sensors gone: only they go
    await until(lambda: hub.entity_registry.get("sensor.tasmota_am2301_temperature") is None)
    assert hub.states.get("sensor.tasmota_am2301_temperature") is None
    assert hub.states.get("switch.tasmota_test") is not None

    await probe.publish(CONFIG_TOPIC, "", retain=True)  # what SetOption19 1 / DiscoverOff 1 publishes
    await until(lambda: hub.devices.find(DEVICE_ID) is None)  # the last step of a removal
    assert hub.states.get("switch.tasmota_test") is None
    assert hub.entity_registry.get("switch.tasmota_test") is None

    await announce(probe, POWER_METER)
    await discovered(hub, "switch.tasmota_test")
    assert hub.entity_registry.get("switch.tasmota_test").unique_id == switch_id == f"{MAC}_switch_relay_0"


async def test_announcements_that_do_not_fit_are_counted_and_change_nothing(site):
    hub, probe = site
    await announce(probe, PLUG)
    await discovered(hub, "switch.tasmota_test")
    before = rejected(hub)
    by_device = mqtt.get(hub).rejections.by_device

    await probe.publish(CONFIG_TOPIC, "{not json", retain=True)
    await probe.publish(CONFIG_TOPIC, json.dumps({k: v for k, v in PLUG.items() if k != "ft"}), retain=True)
    await probe.publish("tasmota/discovery/AABBCCDDEEFF/config", json.dumps(PLUG))  # payload of another MAC
    await probe.publish("tasmota/discovery/aabbccddeeff/config", json.dumps(PLUG))  # not how Tasmota writes a MAC
    await probe.wait_until(lambda: rejected(hub) == before + 4)
    assert by_device[f"tasmota {MAC}"] == {"invalid_json": 1, "discovery_invalid": 1}
    assert by_device["tasmota AABBCCDDEEFF"] == {"discovery_invalid": 1}

    # the accepted device still works
    await probe.publish(f"{TELE}/LWT", "Online", retain=True)
    await probe.publish(f"{STAT}/RESULT", STATE_ON)
    await wait_state(hub, "switch.tasmota_test", "on")
    assert hub.states.get("switch.tasmota_beer") is None


# --- the translation alone --------------------------------------------------------------


@pytest.mark.parametrize(
    ("ft", "prefix", "expected"),
    [
        ("%prefix%/%topic%/", translate.PREFIX_CMND, "cmnd/tasmota_49A3BC/Power1"),
        ("%topic%/%prefix%/", translate.PREFIX_TELE, "tasmota_49A3BC/tele/Power1"),
        ("home/%hostname%/%prefix%", translate.PREFIX_STAT, "home/tasmota_49A3BC-0956/stat/Power1"),
        ("plugs/%id%", translate.PREFIX_CMND, "plugs/00000049A3BC/cmnd/Power1"),  # command topics always get a prefix
        ("plugs/%id%", translate.PREFIX_TELE, "plugs/00000049A3BC/Power1"),
    ],
)
def test_full_topic_is_built_as_tasmota_builds_it(ft, prefix, expected):
    assert translate.full_topic({**DEFAULT_CONFIG, "ft": ft}, prefix, "Power1") == expected


def _platforms(config: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c.platform, c.key) for c in translate.components(translate.CONFIG_SCHEMA(config), None)]


def test_relays_lights_and_options_become_hatasmotas_entities():
    assert _platforms(device([1], {"30": 1})) == [("light", f"{MAC}_light_relay_0")]  # SetOption30
    assert _platforms(device([2], lt_st=1, **{"if": 1})) == [("light", f"{MAC}_light_relay_0")]  # iFan light
    assert translate.unsupported(translate.CONFIG_SCHEMA(device([2], **{"if": 1}))) == ["fan"]
    assert translate.unsupported(translate.CONFIG_SCHEMA(device([3, 3]))) == ["shutters"]
    split = translate.components(translate.CONFIG_SCHEMA(device([2, 2], lk=0, lt_st=5)), None)
    colour, white = (c.config for c in split)
    assert (colour["brightness_command_topic"], colour["rgb_command_template"]) == (
        f"{CMND}/Dimmer1",
        "{{ red }},{{ green }},{{ blue }}=",
    )
    assert (white["brightness_command_topic"], white["color_temp_command_topic"]) == (f"{CMND}/Dimmer2", f"{CMND}/CT")
    assert "rgb_command_topic" not in white
    tuya = translate.components(translate.CONFIG_SCHEMA(device([2], lt_st=1, ty=1)), None)[0].config
    assert (tuya["brightness_command_topic"], tuya["brightness_value_template"]) == (
        f"{CMND}/Dimmer3",
        '{{ value_json["Dimmer"] }}',
    )


def test_sensor_readings_follow_hatasmota():
    sn = {"Time": "2020-09-25T12:47:15", "ENERGY": {"TotalTariff": [0.0, 0.017]},
          "ANALOG": {"Temperature1": 2.4}, "TX23": {"Speed": {"Act": 14.8}}, "SpeedUnit": "km/h", "TempUnit": "F"}
    readings = {c.config["name"]: (c.config["value_template"], c.config["unit_of_measurement"])
                for c in translate.components(translate.CONFIG_SCHEMA(PLUG), sn) if c.platform == "sensor"}
    assert readings == {
        "ENERGY TotalTariff 0": ('{{ value_json["ENERGY"]["TotalTariff"][0] }}', None),
        "ENERGY TotalTariff 1": ('{{ value_json["ENERGY"]["TotalTariff"][1] }}', None),
        "ANALOG Temperature1": ('{{ value_json["ANALOG"]["Temperature1"] }}', "°F"),
        "TX23 Speed Act": ('{{ value_json["TX23"]["Speed"]["Act"] }}', "km/h"),
    }
