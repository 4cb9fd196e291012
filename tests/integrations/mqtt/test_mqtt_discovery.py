"""Home Assistant MQTT discovery, in: real payloads from Zigbee2MQTT, Tasmota, ESPHome and
Shelly create entities with the right state, and commands reach the right topics."""
from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from tests.fixtures_mqtt import MqttProbe
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.payloads import ESPHOME, SHELLY, TASMOTA, ZIGBEE2MQTT
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.discovery import expand


async def announce(probe: MqttProbe, payloads: dict) -> None:
    for topic, payload in payloads.items():
        await probe.publish(topic, json.dumps(payload), retain=True)


async def call(hub, domain, service, **data):
    await hub.services.call(domain, service, data)


@pytest.fixture
async def site(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "zigbee2mqtt/+/set", "zigbee2mqtt/+/set/#", "zigbee2mqtt/+/+/set",
                             "cmnd/#", "livingroom/+/+/command", "shelly1g4-aabbccddeeff/rpc") as probe:
            yield hub, probe


async def test_zigbee2mqtt_devices_appear_and_work(site):
    hub, probe = site
    await probe.publish("zigbee2mqtt/bridge/state", '{"state":"online"}', retain=True)
    await announce(probe, ZIGBEE2MQTT)
    await discovered(hub, "sensor.weather_sensor_temperature", "sensor.weather_sensor_humidity", "switch.wall_switch_double_left",
                     "light.bulb", "cover.smart_vent", "climate.ts0601_thermostat", "fan.fan", "lock.front_door",
                     "number.bosch_radiator_pi_heating_demand")
    await probe.publish("zigbee2mqtt/weather_sensor", json.dumps({"temperature": 21.5, "humidity": 48, "battery": 97}))
    temp = await wait_state(hub, "sensor.weather_sensor_temperature", "21.5")
    assert temp.attributes["unit_of_measurement"] == "°C"
    assert temp.attributes["device_class"] == "temperature"
    assert (await wait_state(hub, "sensor.weather_sensor_humidity", "48")).attributes["unit_of_measurement"] == "%"
    device = hub.devices.find("mqtt:zigbee2mqtt_0x0017880104e45522")
    assert device is not None and device.manufacturer == "Aqara" and device.name == "weather_sensor"

    # switch: the left rocker of a double switch, state from a shared JSON topic
    await probe.publish("zigbee2mqtt/wall_switch_double", json.dumps({"state_left": "ON", "state_right": "OFF"}))
    await wait_state(hub, "switch.wall_switch_double_left", "on")
    await call(hub, "switch", "turn_off", entity_id="switch.wall_switch_double_left")
    await probe.wait_for("zigbee2mqtt/wall_switch_double/left/set", b"OFF")

    # JSON-schema light: state with brightness, command as JSON
    await probe.publish("zigbee2mqtt/bulb", json.dumps({"state": "ON", "brightness": 254, "color_temp": 300}))
    bulb = await wait_state(hub, "light.bulb", "on")
    assert bulb.attributes["brightness"] == 255 and bulb.attributes["color_temp"] == 300
    await call(hub, "light", "turn_on", entity_id="light.bulb", brightness=128, transition=2)
    sent = await probe.wait_for("zigbee2mqtt/bulb/set")
    assert json.loads(sent.payload) == {"state": "ON", "brightness": 127, "transition": 2.0}

    # cover with position and a set_position_template
    await probe.publish("zigbee2mqtt/smart vent", json.dumps({"state": "OPEN", "position": 60}))
    vent = await wait_state(hub, "cover.smart_vent", "open")
    assert vent.attributes["current_position"] == 60
    await call(hub, "cover", "set_cover_position", entity_id="cover.smart_vent", position=25)
    assert json.loads((await probe.wait_for("zigbee2mqtt/smart vent/set", b'{ "position": 25 }')).payload) == {"position": 25}

    # climate: mode, target and current temperature, action through a template
    thermostat_state = {
        "system_mode": "heat",
        "current_heating_setpoint": 21,
        "local_temperature": 19.5,
        "running_state": "heat",
        "preset": "manual",
    }
    await probe.publish("zigbee2mqtt/TS0601_thermostat", json.dumps(thermostat_state))
    thermostat = await wait_state(hub, "climate.ts0601_thermostat", "heat")
    await wait_state(hub, "climate.ts0601_thermostat", lambda s: s.attributes.get("hvac_action") == "heating")
    thermostat = hub.states.get("climate.ts0601_thermostat")
    assert thermostat.attributes["temperature"] == 21 and thermostat.attributes["current_temperature"] == 19.5
    await call(hub, "climate", "set_temperature", entity_id="climate.ts0601_thermostat", temperature=22.5)
    await probe.wait_for("zigbee2mqtt/TS0601_thermostat/set/current_heating_setpoint", b"22.5")
    await call(hub, "climate", "set_hvac_mode", entity_id="climate.ts0601_thermostat", hvac_mode="off")
    await probe.wait_for("zigbee2mqtt/TS0601_thermostat/set/system_mode", b"off")

    # fan: percentage through Zigbee2MQTT's mapping templates
    await probe.publish("zigbee2mqtt/fan", json.dumps({"fan_state": "ON", "fan_mode": "medium"}))
    fan = await wait_state(hub, "fan.fan", "on")
    await wait_state(hub, "fan.fan", lambda s: s.attributes.get("percentage") == 50)
    await call(hub, "fan", "set_percentage", entity_id="fan.fan", percentage=100)
    await probe.wait_for("zigbee2mqtt/fan/set/fan_mode", b"on")
    assert fan.attributes["preset_modes"] == ["smart"]

    # lock with Zigbee2MQTT's LOCK/UNLOCK states
    await probe.publish("zigbee2mqtt/front_door", json.dumps({"state": "LOCK"}))
    await wait_state(hub, "lock.front_door", "locked")
    await call(hub, "lock", "unlock", entity_id="lock.front_door")
    await probe.wait_for("zigbee2mqtt/front_door/set", b"UNLOCK")

    # number within min..max
    await probe.publish("zigbee2mqtt/bosch_radiator", json.dumps({"pi_heating_demand": 35}))
    await wait_state(hub, "number.bosch_radiator_pi_heating_demand", "35")
    await call(hub, "number", "set_value", entity_id="number.bosch_radiator_pi_heating_demand", value=40)
    await probe.wait_for("zigbee2mqtt/bosch_radiator/set/pi_heating_demand", b"40")


async def test_zigbee2mqtt_bridge_offline_makes_entities_unavailable(site):
    hub, probe = site
    await probe.publish("zigbee2mqtt/bridge/state", '{"state":"online"}', retain=True)
    await announce(probe, {k: v for k, v in ZIGBEE2MQTT.items() if "/lock/" in k})
    await discovered(hub, "lock.front_door")
    await probe.publish("zigbee2mqtt/front_door", json.dumps({"state": "UNLOCK"}))
    await wait_state(hub, "lock.front_door", "unlocked")
    await probe.publish("zigbee2mqtt/bridge/state", '{"state":"offline"}', retain=True)
    await wait_state(hub, "lock.front_door", "unavailable")


async def test_tasmota_devices_appear_and_work(site):
    hub, probe = site
    await announce(probe, TASMOTA)
    # Tasmota's Home Assistant format repeats the device name in each entity's name; Home
    # Assistant has shown both since 2024.2 (friendly name "Tasmota Plug Tasmota Plug")
    await discovered(hub, "switch.tasmota_plug_tasmota_plug", "sensor.tasmota_plug_tasmota_plug_am2301_temperature",
                     "light.tasmota_plug_tasmota_plug_lamp")
    await probe.publish("tele/tasmota_A1B2C3/LWT", "Online", retain=True)
    await probe.publish("tele/tasmota_A1B2C3/STATE", json.dumps({"POWER": "ON", "POWER2": "OFF", "Dimmer": 40}))
    await probe.publish("tele/tasmota_A1B2C3/SENSOR", json.dumps({"AM2301": {"Temperature": 23.4, "Humidity": 40.1}}))
    await wait_state(hub, "switch.tasmota_plug_tasmota_plug", "on")
    temp = await wait_state(hub, "sensor.tasmota_plug_tasmota_plug_am2301_temperature", "23.4")
    assert temp.attributes["device_class"] == "temperature"
    await wait_state(hub, "light.tasmota_plug_tasmota_plug_lamp", "off")
    await call(hub, "switch", "turn_off", entity_id="switch.tasmota_plug_tasmota_plug")
    await probe.wait_for("cmnd/tasmota_A1B2C3/POWER", b"OFF")
    # on_command_type brightness: only the dimmer is sent, scaled to 0..100
    await call(hub, "light", "turn_on", entity_id="light.tasmota_plug_tasmota_plug_lamp", brightness=255)
    await probe.wait_for("cmnd/tasmota_A1B2C3/Dimmer", b"100")
    assert probe.payloads("cmnd/tasmota_A1B2C3/POWER2") == []
    await probe.publish("tele/tasmota_A1B2C3/LWT", "Offline", retain=True)
    await wait_state(hub, "switch.tasmota_plug_tasmota_plug", "unavailable")


async def test_esphome_devices_appear_and_work(site):
    hub, probe = site
    await announce(probe, ESPHOME)
    await discovered(hub, "sensor.livingroom_temperature", "binary_sensor.livingroom_window", "switch.livingroom_relay")
    await probe.publish("livingroom/status", "online", retain=True)
    await probe.publish("livingroom/sensor/temperature/state", "22.8")
    await probe.publish("livingroom/binary_sensor/window/state", "ON")
    await probe.publish("livingroom/switch/relay/state", "OFF")
    assert (await wait_state(hub, "sensor.livingroom_temperature", "22.8")).attributes["state_class"] == "measurement"
    await wait_state(hub, "binary_sensor.livingroom_window", "on")
    await wait_state(hub, "switch.livingroom_relay", "off")
    await call(hub, "switch", "turn_on", entity_id="switch.livingroom_relay")
    await probe.wait_for("livingroom/switch/relay/command", b"ON")
    device = hub.devices.find("mqtt:a4cf12abcdef")
    assert device is not None and device.manufacturer == "Espressif"


async def test_shelly_gen2_script_devices_appear_and_work(site):
    hub, probe = site
    await announce(probe, SHELLY)
    await discovered(hub, "light.shelly_1_gen4_ddeeff_mirror_light",
                     "binary_sensor.shelly_1_gen4_ddeeff_mirror_light_overtemperature")
    # "en": "false": registered, disabled by the integration, as Home Assistant does
    temperature = hub.entity_registry.find("mqtt", "shelly1g4-aabbccddeeff-0-temperature")
    assert temperature is not None and temperature.disabled_by == "integration"
    assert hub.states.get(temperature.entity_id) is None
    await probe.publish("shelly1g4-aabbccddeeff/online", "true", retain=True)
    await probe.publish("shelly1g4-aabbccddeeff/status/switch:0", json.dumps({"id": 0, "output": True, "errors": ["overtemp"]}))
    rpc_status = {"switch:0": {"temperature": {"tC": 41.2}}, "mqtt": {"connected": True}}
    await probe.publish("shelly1g4-aabbccddeeff/status/rpc", json.dumps(rpc_status))
    await wait_state(hub, "light.shelly_1_gen4_ddeeff_mirror_light", "on")
    await wait_state(hub, "binary_sensor.shelly_1_gen4_ddeeff_mirror_light_overtemperature", "on")
    await call(hub, "light", "turn_off", entity_id="light.shelly_1_gen4_ddeeff_mirror_light")
    sent = await probe.wait_for("shelly1g4-aabbccddeeff/rpc")
    assert json.loads(sent.payload)["params"] == {"id": 0, "on": False}


async def test_removal_update_and_stable_entity_id(site):
    hub, probe = site
    topic = "homeassistant/binary_sensor/door1/contact/config"
    config = {"name": "Door 1", "stat_t": "~/contact", "~": "house/door1", "uniq_id": "door1-contact", "dev_cla": "door"}
    await probe.publish(topic, json.dumps(config), retain=True)
    await discovered(hub, "binary_sensor.door_1")
    await probe.publish("house/door1/contact", "ON")
    state = await wait_state(hub, "binary_sensor.door_1", "on")
    assert state.attributes["device_class"] == "door"
    # an update changes it in place, same entity id
    await probe.publish(topic, json.dumps({**config, "dev_cla": "window", "pl_on": "OPEN"}), retain=True)
    await wait_state(hub, "binary_sensor.door_1", lambda s: s.attributes.get("device_class") == "window")
    await discovered(hub)
    await probe.publish("house/door1/contact", "OPEN")
    await wait_state(hub, "binary_sensor.door_1", lambda s: s.attributes.get("device_class") == "window" and s.state == "on")
    # removal by an empty retained config
    await probe.publish(topic, "", retain=True)
    async with __import__("asyncio").timeout(5):
        while hub.states.get("binary_sensor.door_1") is not None:
            await __import__("asyncio").sleep(0.01)
    assert hub.entity_registry.find("mqtt", "door1-contact") is None


async def test_device_based_discovery_with_components(site):
    hub, probe = site
    payload = {
        "dev": {"ids": "gate-ctl-7", "name": "Gate controller", "mf": "Acme"},
        "o": {"name": "acme-bridge", "sw": "1.0"},
        "~": "acme/gate7",
        "cmps": {
            "relay": {"p": "switch", "uniq_id": "gate7-relay", "name": "Relay", "stat_t": "~/relay", "cmd_t": "~/relay/set"},
            "temp": {"p": "sensor", "uniq_id": "gate7-temp", "name": "Temp", "stat_t": "~/temp", "unit_of_meas": "°C"},
        },
    }
    await probe.publish("homeassistant/device/gate7/config", json.dumps(payload), retain=True)
    await discovered(hub, "sensor.gate_controller_temp", "switch.gate_controller_relay")
    await probe.publish("acme/gate7/temp", "5.5")
    await wait_state(hub, "sensor.gate_controller_temp", "5.5")
    async with MqttProbe(probe.broker, "acme/#") as watch:
        await call(hub, "switch", "turn_on", entity_id="switch.gate_controller_relay")
        await watch.wait_for("acme/gate7/relay/set", b"ON")
    # remove one component by leaving only "p"
    payload["cmps"]["temp"] = {"p": "sensor"}
    await probe.publish("homeassistant/device/gate7/config", json.dumps(payload), retain=True)
    async with __import__("asyncio").timeout(5):
        while hub.states.get("sensor.gate_controller_temp") is not None:
            await __import__("asyncio").sleep(0.01)
    assert hub.states.get("switch.gate_controller_relay") is not None


async def test_availability_modes(site):
    hub, probe = site
    config = {
        "name": "Pump", "stat_t": "pump/state", "uniq_id": "pump",
        "avty": [{"t": "pump/a"}, {"t": "pump/b", "pl_avail": "up", "pl_not_avail": "down"}],
        "avty_mode": "all",
    }
    await probe.publish("homeassistant/binary_sensor/pump/config", json.dumps(config), retain=True)
    await discovered(hub, "binary_sensor.pump")
    await probe.publish("pump/state", "ON")
    await probe.publish("pump/a", "online")
    await wait_state(hub, "binary_sensor.pump", "unavailable")
    await probe.publish("pump/b", "up")
    await wait_state(hub, "binary_sensor.pump", "on")
    await probe.publish("pump/b", "down")
    await wait_state(hub, "binary_sensor.pump", "unavailable")


async def test_configs_that_do_not_fit_are_counted_and_the_hub_runs_on(site):
    hub, probe = site
    await probe.publish("homeassistant/switch/bad/json/config", "{not json", retain=True)
    await probe.publish("homeassistant/sensor/bad/nostate/config", json.dumps({"name": "x"}), retain=True)
    await probe.publish("homeassistant/sensor/bad/topic/config", json.dumps({"stat_t": "a/#/b"}), retain=True)
    await probe.publish("homeassistant/vacuum/robo/config", json.dumps({"name": "robo"}), retain=True)
    rejections = mqtt.get(hub).rejections
    await probe.wait_until(lambda: rejections.by_reason["discovery_invalid"] >= 2 and rejections.by_reason["invalid_json"] >= 1)
    await probe.wait_until(lambda: rejections.by_reason["unsupported_component"] >= 1)
    sensor = await wait_state(hub, "sensor.mqtt_rejected_messages", lambda s: int(s.state) >= 4)
    assert sensor.attributes["by_reason"]["discovery_invalid"] >= 2
    # still working
    await probe.publish("homeassistant/sensor/ok/one/config", json.dumps({"name": "OK", "stat_t": "ok/one"}), retain=True)
    await discovered(hub, "sensor.ok")
    await probe.publish("ok/one", "1")
    await wait_state(hub, "sensor.ok", "1")


async def test_a_fan_speed_that_parses_as_infinity_or_nan_is_refused(site):
    hub, probe = site
    config = {"name": "Vent", "command_topic": "vent/set", "percentage_state_topic": "vent/speed",
              "percentage_command_topic": "vent/speed/set"}
    await probe.publish("homeassistant/fan/vent/config", json.dumps(config), retain=True)
    await discovered(hub, "fan.vent")
    await probe.publish("vent/speed", "40")
    await wait_state(hub, "fan.vent", lambda s: s.attributes.get("percentage") == 40)
    rejections = mqtt.get(hub).rejections
    for bad in ("inf", "-Infinity", "nan"):
        await probe.publish("vent/speed", bad)
    await probe.wait_until(lambda: rejections.by_reason["unexpected_value"] >= 3)
    assert hub.states.get("fan.vent").attributes["percentage"] == 40


async def test_discovery_creates_no_more_entities_than_its_caps(hub_dir, broker, caplog):
    config = {"mqtt": broker.hub_config(max_discovered_entities=4, max_entities_per_device=2)}
    async with running_hub(hub_dir, config) as hub, MqttProbe(broker, "unused/topic") as probe:
        for node, sensors in (("a", 3), ("b", 2), ("c", 2)):
            for n in range(1, sensors + 1):
                body = {"name": f"{node}{n}", "unique_id": f"{node}{n}", "state_topic": f"t/{node}{n}"}
                await probe.publish(f"homeassistant/sensor/{node}/s{n}/config", json.dumps(body), retain=True)
        rejections = mqtt.get(hub).rejections
        await probe.wait_until(lambda: rejections.total == 3)
        await discovered(hub, "sensor.a1", "sensor.a2", "sensor.b1", "sensor.b2")
        assert sorted(hub.states.entity_ids("sensor")) == ["sensor.a1", "sensor.a2", "sensor.b1", "sensor.b2",
                                                            "sensor.mqtt_rejected_messages"]
        assert rejections.by_reason == {"too_many_entities_per_device": 1, "too_many_entities": 2}
        assert hub.entity_registry.get("sensor.c1") is None, "nothing left out reaches the registry"
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "MQTT discovery" in r.getMessage()]
        assert len(warnings) == 2, "each cap is logged once when reached"
        assert "'mqtt: max_entities_per_device'" in warnings[0] and "'mqtt: max_discovered_entities'" in warnings[1]

        # a removed entity frees its place
        await probe.publish("homeassistant/sensor/b/s1/config", b"", retain=True)
        c1 = {"name": "c1", "unique_id": "c1", "state_topic": "t/c1"}
        await probe.publish("homeassistant/sensor/c/s1/config", json.dumps(c1))
        await discovered(hub, "sensor.c1")
        assert hub.states.get("sensor.b1") is None and len(hub.states.entity_ids("sensor")) == 5


async def test_device_templates_see_only_their_payload_and_stay_small(site):
    """A value template comes from whoever may publish a discovery config: it cannot read the
    hub's states, and it gets a fraction of what a staff template may cost."""
    hub, probe = site
    hub.states.set("sensor.door_code_3_301", "482913")
    templates = {
        "leak": "{{ states('sensor.door_code_3_301') }}",
        "leak_attr": "{{ states.sensor.door_code_3_301.state }}",
        "big": "{{ ('x' * 20000) | length }}",  # fine for staff (256 KiB), not for a device (16 KiB)
        "loops": "{% set ns = namespace(n=0) %}{% for i in range(200) %}{% for j in range(100) %}"
                 "{% set ns.n = ns.n + 1 %}{% endfor %}{% endfor %}{{ ns.n }}",
        "fine": "{{ value_json.temperature | round(1) }}",
    }
    for name, template in templates.items():
        body = {"name": name, "state_topic": f"evil/{name}", "value_template": template}
        await probe.publish(f"homeassistant/sensor/evil/{name}/config", json.dumps(body), retain=True)
    await discovered(hub, *(f"sensor.{name}" for name in templates))
    for name in templates:
        await probe.publish(f"evil/{name}", json.dumps({"temperature": 21.456}))
    await wait_state(hub, "sensor.fine", "21.5")
    rejections = mqtt.get(hub).rejections

    def states() -> dict[str, str]:
        return {name: hub.states.get(f"sensor.{name}").state for name in templates}

    # every message handled: refused, or (what must not happen) rendered
    await probe.wait_until(lambda: rejections.by_reason["template_error"] + sum(s != "unknown" for s in states().values()) == 5)
    states = states()
    assert "482913" not in states.values()
    assert rejections.by_reason["template_error"] == 4
    assert states == {"leak": "unknown", "leak_attr": "unknown", "big": "unknown", "loops": "unknown", "fine": "21.5"}


async def test_a_lock_with_a_code_format_refuses_codes_that_do_not_match(site, broker):
    from xiaoqu.core.errors import ServiceValidationError

    hub, _ = site
    config = {"name": "Gate 7", "unique_id": "gate7", "command_topic": "gate7/set", "state_topic": "gate7/state",
              "code_format": "^\\d{4}$", "command_template": '{"action": "{{ value }}", "code": "{{ code }}"}'}
    async with MqttProbe(broker, "gate7/set") as probe:
        await probe.publish("homeassistant/lock/gate7/config", json.dumps(config), retain=True)
        await probe.publish("homeassistant/lock/bad_format/config", json.dumps({"command_topic": "x/set", "code_format": "(["}))
        await discovered(hub, "lock.gate_7")
        assert hub.states.get("lock.gate_7").attributes["code_format"] == "^\\d{4}$"
        for code in ("12", "12345", "abcd", None):
            with pytest.raises(ServiceValidationError, match=r"code for lock\.gate_7 .*\^\\d\{4\}\$"):
                await call(hub, "lock", "unlock", entity_id="lock.gate_7", **({"code": code} if code else {}))
        await call(hub, "lock", "unlock", entity_id="lock.gate_7", code="4821")
        sent = await probe.wait_for("gate7/set")
        assert json.loads(sent.payload) == {"action": "UNLOCK", "code": "4821"}
        assert len(probe.messages) == 1, "nothing was sent for the refused codes"
        rejections = mqtt.get(hub).rejections
        await probe.wait_until(lambda: rejections.by_reason["discovery_invalid"] == 1)


async def test_an_empty_state_is_skipped_by_every_platform(site):
    """Home Assistant ignores an empty (or blank) value; so does every platform here."""
    hub, probe = site
    configs = {
        "switch": ({"payload_on": "ON"}, "ON", "on"),
        "lock": ({"command_topic": "e/lock/set"}, "LOCKED", "locked"),
        "binary_sensor": ({}, "ON", "on"),
        "alarm_control_panel": ({"command_topic": "e/alarm/set"}, "armed_away", "armed_away"),
        "select": ({"options": ["a", "b"]}, "b", "b"),
        "number": ({}, "7", "7"),
        "sensor": ({}, "21", "21"),
    }
    for component, (extra, _, _) in configs.items():
        body = {"name": f"e {component}", "state_topic": f"e/{component}", **extra}
        await probe.publish(f"homeassistant/{component}/e/{component}/config", json.dumps(body), retain=True)
    await discovered(hub, *(f"{component}.e_{component}" for component in configs))
    for component, (_, payload, state) in configs.items():
        await probe.publish(f"e/{component}", payload)
        await wait_state(hub, f"{component}.e_{component}", state)
    for component in configs:
        for blank in (b"", b"  "):
            await probe.publish(f"e/{component}", blank)
    await probe.publish("e/sensor", "22")  # after the blanks: once it shows, they were handled
    await wait_state(hub, "sensor.e_sensor", "22")
    assert mqtt.get(hub).rejections.by_reason == {}
    assert {c: hub.states.get(f"{c}.e_{c}").state for c in configs if c != "sensor"} == {
        c: state for c, (_, _, state) in configs.items() if c != "sensor"
    }


def test_expand_abbreviations_and_base_topic():
    config = expand(
        {
            "~": "shellies/plug/",
            "stat_t": "~relay/0",
            "cmd_t": "~relay/0/command",
            "avty": [{"t": "~online", "pl_avail": "true"}],
            "dev": {"ids": ["x"], "mf": "Shelly", "sw": "1.0"},
            "o": {"name": "script", "url": "https://example.org"},
            "uniq_id": "u1",
        }
    )
    assert config["state_topic"] == "shellies/plug/relay/0"
    assert config["command_topic"] == "shellies/plug/relay/0/command"
    assert config["availability"] == [{"topic": "shellies/plug/online", "payload_available": "true"}]
    assert config["device"] == {"identifiers": ["x"], "manufacturer": "Shelly", "sw_version": "1.0"}
    assert config["origin"] == {"name": "script", "support_url": "https://example.org"}
    assert "~" not in config


async def test_a_cover_position_of_inf_or_nan_is_refused_not_a_crash(site, caplog):
    hub, probe = site
    config = {"name": "Vent", "uniq_id": "vent-1", "cmd_t": "vent/set", "pos_t": "vent/position",
              "set_pos_t": "vent/position/set"}
    await probe.publish("homeassistant/cover/vent/config", json.dumps(config), retain=True)
    await discovered(hub, "cover.vent")
    await probe.publish("vent/position", "40")
    await wait_state(hub, "cover.vent", lambda s: s.attributes.get("current_position") == 40)
    rejections = mqtt.get(hub).rejections
    before = rejections.by_reason["unexpected_value"]
    for bad in ("inf", "nan", "-inf"):
        await probe.publish("vent/position", bad)
    await probe.wait_until(lambda: rejections.by_reason["unexpected_value"] >= before + 3)
    assert hub.states.get("cover.vent").attributes["current_position"] == 40
    assert "Traceback" not in caplog.text and "OverflowError" not in caplog.text


async def test_a_lone_surrogate_in_attributes_is_replaced_and_every_reader_of_the_state_works(site, broker):
    """JSON may escape half a surrogate pair ("\\ud800"), which UTF-8 cannot encode: kept in a
    state, it made GET /api/states answer 500 and the state stream drop the entity's batch."""
    from tests.core.http.conftest import add_user

    hub, probe = site
    config = {"name": "Meter", "uniq_id": "meter-1", "stat_t": "meter/state", "json_attr_t": "meter/attributes"}
    await probe.publish("homeassistant/sensor/meter/config", json.dumps(config), retain=True)
    await discovered(hub, "sensor.meter")
    async with MqttProbe(broker, "xiaoqu/demo/state/sensor.meter") as stream:
        await probe.publish("meter/attributes", '{"x": "\\ud800", "label": "ok \\ud83d\\ude00"}')
        await probe.publish("meter/state", "7")
        state = await wait_state(hub, "sensor.meter", lambda s: s.state == "7" and "x" in s.attributes)
        assert (state.attributes["x"], state.attributes["label"]) == ("\ufffd", "ok \U0001f600")
        await stream.wait_until(lambda: any(json.loads(m.payload)["state"] == "7" for m in stream.messages))
    token = await add_user(hub, "admin", "admin")
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/states"
    async with aiohttp.ClientSession() as session, session.get(url, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200
        listed = {s["entity_id"]: s for s in await reply.json()}
    assert listed["sensor.meter"]["attributes"]["x"] == "\ufffd"
