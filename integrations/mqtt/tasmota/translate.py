"""A device's native Tasmota discovery → the Home Assistant-discovery configs of its entities.

What becomes which entity, its name and its unique id follow hatasmota (``discovery.py``:
``get_switch_entities``, ``get_light_entities``, ``get_binary_sensor_entities``;
``relay.py``, ``light.py``, ``switch.py``, ``sensor.py``), so a device keeps the identity
Home Assistant gives it. Topics are built as Tasmota builds them (``GetTopic_P`` in
``support.ino``). The configs use the keys the Home Assistant-discovery platforms take,
plus ``result_topic`` / ``status_topic`` (see :mod:`.entities`).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xiaoqu.core.validation import ensure_list, string, vol

from . import sensors

PREFIX_CMND, PREFIX_STAT, PREFIX_TELE = range(3)
STATE_OFF, STATE_ON = 0, 1
RL_RELAY, RL_LIGHT, RL_SHUTTER = 1, 2, 3
LST_NONE, LST_SINGLE, LST_COLDWARM, LST_RGB, LST_RGBW, LST_RGBCW = range(6)
#: switch modes that give a binary sensor; the push-on ones (PIR) turn off by themselves after 1 s
BINARY_SWITCHMODES = frozenset({1, 2, 3, 4, 5, 6, 9, 10, 13, 14})
PUSH_ON_SWITCHMODES = frozenset({13, 14})
#: SetOptions the translation reads (``so``); Tasmota sends them since 9.x, older ones default to 0
SO_DECIMAL_COLOR, SO_NOT_POWER_LINKED, SO_RELAY_AS_LIGHT = "17", "20", "30"
SO_PWM_CHANNELS, SO_REDUCED_CT = "68", "82"


def _optional_text(value: Any) -> str | None:
    return None if value is None else string(value)


def _flag(value: Any) -> int:
    return int(vol.All(vol.Coerce(int), vol.In([0, 1]))(value))


def _ints(value: Any) -> list[int]:
    return [int(vol.Coerce(int)(item)) for item in ensure_list(value)]


#: The fields of ``tasmota/discovery/<MAC>/config`` that are read (xdrv_12_discovery.ino,
#: ``TasDiscoverMessage``); anything else the device sends is kept and ignored.
CONFIG_SCHEMA = vol.Schema(
    {
        vol.Required("dn"): string,
        vol.Required("fn"): vol.All(ensure_list, [_optional_text]),
        vol.Required("hn"): string,
        vol.Required("ip"): string,
        vol.Required("mac"): string,
        vol.Required("md"): string,
        vol.Required("ofln"): string,
        vol.Required("onln"): string,
        vol.Required("state"): vol.All([string], vol.Length(min=2)),
        vol.Required("sw"): string,
        vol.Required("t"): string,
        vol.Required("ft"): string,
        vol.Required("tp"): vol.All([string], vol.Length(min=3)),
        vol.Required("rl"): _ints,
        vol.Required("swc"): _ints,
        vol.Optional("swn", default=[]): vol.All(ensure_list, [_optional_text]),
        vol.Required("so"): vol.Schema({string: vol.Coerce(int)}),
        vol.Required("lk"): _flag,
        vol.Required("lt_st"): vol.All(vol.Coerce(int), vol.Range(min=LST_NONE, max=LST_RGBCW)),
        vol.Required("ty"): _flag,
        vol.Optional("if", default=0): _flag,
        vol.Required("ver"): 1,
    },
    extra=vol.ALLOW_EXTRA,
)

#: ``tasmota/discovery/<MAC>/sensors``: ``{"sn": <what tele/…/SENSOR carries>, "ver": 1}``
SENSORS_SCHEMA = vol.Schema({vol.Required("sn"): dict, vol.Required("ver"): 1}, extra=vol.ALLOW_EXTRA)


@dataclass(frozen=True, slots=True)
class Component:
    """One entity a device offers: platform, discovery key and Home Assistant-discovery config."""

    platform: str
    key: str
    config: dict[str, Any]


def full_topic(config: dict[str, Any], prefix: int, command: str) -> str:
    """``<ft>`` with its tokens filled in, then ``command``: Tasmota's ``GetTopic_P``.

    A command topic gets ``/%prefix%`` when ``ft`` has none (Tasmota's guard against topic
    loops); ``%id%`` is the whole MAC without colons, as Tasmota fills it.
    """
    topic = config["ft"]
    if prefix == PREFIX_CMND and "%prefix%" not in topic:
        topic += "/%prefix%"
    for token, value in (
        ("%prefix%", config["tp"][prefix]),
        ("%topic%", config["t"]),
        ("%hostname%", config["hn"]),
        ("%id%", config["mac"]),
    ):
        topic = topic.replace(token, value)
    topic = topic.replace("#", "").replace("//", "/")
    if not topic.endswith("/"):
        topic += "/"
    return topic + command


def pick(path: tuple[str | int, ...]) -> str:
    """The value template reading ``path`` out of a JSON payload (``{{ value_json["A"]["B"] }}``)."""
    steps = "".join(f"[{step}]" if isinstance(step, int) else f"[{json.dumps(step, ensure_ascii=False)}]" for step in path)
    return f"{{{{ value_json{steps} }}}}"


def format_mac(mac: str) -> str:
    """``00000049A3BC`` → ``00:00:00:49:a3:bc``, the form the device registry's connections use."""
    mac = mac.replace(":", "").lower()
    return ":".join(mac[i : i + 2] for i in range(0, len(mac), 2))


def _device(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "connections": [["mac", format_mac(config["mac"])]],
        "name": config["dn"],
        "model": config["md"],
        "sw_version": config["sw"],
        "manufacturer": "Tasmota",
        "configuration_url": f"http://{config['ip']}/",
    }


def _friendly_name(config: dict[str, Any], platform: str, index: int) -> str | None:
    """A relay's or light's own name, as hatasmota's ``config_get_friendlyname``: its
    friendly name (``fn``); None, the device's name alone, for the first one when that is
    the device's name (``dn``); ``"<platform> <n>"`` when it has none. The entity is shown
    under its device's name (``has_entity_name``)."""
    names = config["fn"]
    if index >= len(names) or names[index] is None:
        return f"{platform} {index + 1}"
    if index == 0 and names[index] == config["dn"]:
        return None
    return names[index]


def _switch_name(config: dict[str, Any], index: int, fallback: str) -> str:
    """A switch input's name (``swn``), or ``fallback`` (hatasmota's ``config_get_switchname``
    and ``config_get_switchfriendlyname``)."""
    names = config["swn"]
    return fallback if index >= len(names) or names[index] is None else names[index]


class _Device:
    """The parts every entity of one device shares."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.mac = config["mac"]
        self.common = {
            "availability_topic": full_topic(config, PREFIX_TELE, "LWT"),
            "payload_available": config["onln"],
            "payload_not_available": config["ofln"],
            "device": _device(config),
        }

    def option(self, number: str) -> int:
        return self.config["so"].get(number, 0)

    def topic(self, prefix: int, command: str) -> str:
        return full_topic(self.config, prefix, command)

    def power(self, index: int) -> dict[str, Any]:
        """On/off of relay ``index``: ``Power<n>`` to command, ``POWER<n>`` in STATE and RESULT."""
        state = self.config["state"]
        return {
            "command_topic": self.topic(PREFIX_CMND, f"Power{index + 1}"),
            "state_topic": self.topic(PREFIX_TELE, "STATE"),
            "result_topic": self.topic(PREFIX_STAT, "RESULT"),
            "value_template": pick((f"POWER{index + 1}",)),
            "payload_on": state[STATE_ON],
            "payload_off": state[STATE_OFF],
        }

    def component(self, platform: str, endpoint: str, index: int | str, name: str | None, config: dict[str, Any]) -> Component:
        unique_id = f"{self.mac}_{platform}_{endpoint}_{index}"
        return Component(platform, unique_id, {**self.common, "name": name, "unique_id": unique_id, **config})


def _relays(device: _Device) -> Iterator[Component]:
    config = device.config
    relays = list(config["rl"])
    ifan = bool(config["if"])
    if ifan and relays[:1] == [RL_LIGHT]:
        relays[0] = RL_RELAY  # the iFan's light is a plain on/off relay
    as_light = bool(device.option(SO_RELAY_AS_LIGHT))
    for index, kind in enumerate(relays):
        if kind == RL_RELAY:
            platform = "light" if as_light or (ifan and index == 0) else "switch"
            name = _friendly_name(config, platform, index)
            yield device.component(platform, "relay", index, name, device.power(index))
        elif kind == RL_LIGHT:
            yield _light(device, index)


def _light(device: _Device, index: int) -> Component:
    """A dimmable or coloured light, as hatasmota's ``TasmotaLightConfig`` reads ``lt_st``, ``lk``, ``ty`` and ``so``."""
    config = device.config
    subtype = light_type = config["lt_st"]
    dimmer_command = dimmer_state = "Dimmer"
    color_suffix = ""
    if config["ty"]:
        dimmer_command = "Dimmer3"  # Tuya MCU dimmers
    if device.option(SO_PWM_CHANNELS):
        dimmer_command = dimmer_state = f"Channel{index + 1}"  # each PWM channel its own light
        light_type = LST_SINGLE
    elif not config["lk"] and subtype >= LST_RGBW:
        part = index - config["rl"].index(RL_LIGHT)  # colour and white as two lights
        dimmer_command = dimmer_state = f"Dimmer{part + 1}"
        if part == 0:
            light_type, color_suffix = LST_RGB, "="  # "=": leave the white channels as they are
        else:
            light_type = LST_SINGLE if subtype == LST_RGBW else LST_COLDWARM
    light: dict[str, Any] = {"schema": "default", **device.power(index)}
    state_topic = light["state_topic"]
    if light_type >= LST_SINGLE:
        light |= {
            "brightness_command_topic": device.topic(PREFIX_CMND, dimmer_command),
            "brightness_state_topic": state_topic,
            "brightness_value_template": pick((dimmer_state,)),
            "brightness_scale": 100,
            # Dimmer turns the light on by itself, unless SetOption20 decouples them
            "on_command_type": "last" if device.option(SO_NOT_POWER_LINKED) else "brightness",
        }
    if light_type in (LST_COLDWARM, LST_RGBCW):
        light |= {
            "color_temp_command_topic": device.topic(PREFIX_CMND, "CT"),
            "color_temp_state_topic": state_topic,
            "color_temp_value_template": pick(("CT",)),
        }
    if light_type >= LST_RGB:
        light |= {
            "rgb_command_topic": device.topic(PREFIX_CMND, "Color2"),
            "rgb_command_template": "{{ red }},{{ green }},{{ blue }}" + color_suffix,
            "rgb_state_topic": state_topic,
            "rgb_value_template": pick(("Color",)),
        }
    return device.component("light", "light", index, _friendly_name(config, "light", index), light)


def _switches(device: _Device) -> Iterator[Component]:
    """Switch inputs as binary sensors (Tasmota lists them only with ``SetOption114 1``)."""
    config = device.config
    state = config["state"]
    for index, mode in enumerate(config["swc"]):
        if mode not in BINARY_SWITCHMODES:
            continue
        switch = _switch_name(config, index, f"Switch{index + 1}")
        name = _switch_name(config, index, f"binary_sensor {index + 1}")
        sensor: dict[str, Any] = {"payload_on": state[STATE_ON], "payload_off": state[STATE_OFF]}
        if mode in PUSH_ON_SWITCHMODES:
            # A PIR only reports the moment it fires: {"Switch1": {"Action": "ON"}} on RESULT
            sensor |= {
                "state_topic": device.topic(PREFIX_STAT, "RESULT"),
                "value_template": pick((switch, "Action")),
                "off_delay": 1,
            }
        else:
            sensor |= {
                "state_topic": device.topic(PREFIX_TELE, "SENSOR"),
                "result_topic": device.topic(PREFIX_STAT, "RESULT"),
                "status_topic": device.topic(PREFIX_STAT, "STATUS10"),
                "value_template": pick((switch,)),
            }
        yield device.component("binary_sensor", "switch", index, name, sensor)


def _sensors(device: _Device, sn: dict[str, Any]) -> Iterator[Component]:
    for path, quantity in sensors.readings(sn):
        device_class, state_class = sensors.CLASSES.get(quantity, (None, None))
        reading = {
            "state_topic": device.topic(PREFIX_TELE, "SENSOR"),
            "status_topic": device.topic(PREFIX_STAT, "STATUS10"),
            "value_template": pick(path),
            "unit_of_measurement": sensors.unit(quantity, sn),
            "device_class": device_class,
            "state_class": state_class,
        }
        name = " ".join(str(step) for step in path)
        yield device.component("sensor", "sensor", "_".join(str(step) for step in path), name, reading)


def components(config: dict[str, Any], sn: dict[str, Any] | None) -> list[Component]:
    """Every entity of a device: relays and lights, switch inputs, and (once known) its sensors."""
    device = _Device(config)
    found = [*_relays(device), *_switches(device)]
    if sn is not None:
        found += _sensors(device, sn)
    return found


def unsupported(config: dict[str, Any]) -> list[str]:
    """What the device has that is not made into entities (shutters, the iFan's fan)."""
    left_out = ["shutters"] if RL_SHUTTER in config["rl"] else []
    return left_out + (["fan"] if config["if"] else [])


def polls(found: list[Component], config: dict[str, Any]) -> list[tuple[str, str]]:
    """The commands that make the device report everything its entities show, as hatasmota polls:
    ``STATE`` (answered on ``stat/…/RESULT``) for relays and lights, ``STATUS 10`` (answered on
    ``stat/…/STATUS10``) for sensors and switch inputs."""
    platforms = {component.platform for component in found}
    commands = []
    if platforms & {"switch", "light"}:
        commands.append((full_topic(config, PREFIX_CMND, "STATE"), ""))
    if platforms & {"sensor", "binary_sensor"}:
        commands.append((full_topic(config, PREFIX_CMND, "STATUS"), "10"))
    return commands
