"""Residents' own smart-home devices, each announcing itself the way its firmware does.

- a Zigbee plug behind a Zigbee2MQTT bridge: full-length discovery keys, a JSON state on
  ``zigbee2mqtt/<ieee>``, commands on ``…/set`` (``ON``/``OFF``/``TOGGLE`` or
  ``{"state": "ON"}``), availability from the bridge's state;
- a Tasmota light (discovery with ``SetOption19``): abbreviated keys and the ``~`` base
  topic, ``cmnd/POWER`` and ``cmnd/Dimmer``, state in ``tele/STATE``, ``tele/LWT``;
- an ESPHome temperature sensor: abbreviated keys, a plain number on its state topic every
  :data:`THERMOMETER_EVERY` seconds, ``<node>/status`` as availability.

When the hub runs smart_home, each device is installed as a household's own: its topics
and its discovery prefix under ``xiaoqu/<site>/household/<id>/`` (:func:`home_prefix`), a
Zigbee bridge per household, so each joins its household the only way smart_home believes
(the topic it announces itself on). Otherwise they use the broker's top level, as a site
without smart_home installs them.

Each has its own MQTT connection (a household's Zigbee plugs share their bridge's) with a last will,
so the hub marks them unavailable when the simulator stops. Discovery configs are retained,
as the three firmwares publish them, and so are states (Zigbee2MQTT's per-device ``retain``,
Tasmota's ``StateRetain``; ESPHome retains by default): the hub and the devices start
together, and a state published before the hub subscribed would otherwise be lost.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

from xiaoqu.core.entity import slugify
from xiaoqu.integrations import mqtt

from .context import SimContext
from .estate import SmartDevice
from .link import Broker, DeviceConnection, Presence

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

Z2M_BASE = "zigbee2mqtt"
Z2M_BRIDGE = "0x00124b0022aabbcc"
#: The integration whose presence in the config puts each device under its household's prefix.
SMART_HOME = "smart_home"
THERMOMETER_EVERY = 30.0
PLUG_EVERY = 60.0
TASMOTA_TELEPERIOD = 300.0
#: What a plug feeds when on (watts): a fridge, a kettle, a TV, a desk lamp.
APPLIANCE_WATTS = (120.0, 1800.0, 95.0, 9.0)


def home_prefix(hub: Hub, device: SmartDevice) -> str:
    """Where the device's topics begin: ``xiaoqu/<site>/household/<id>/`` when the hub runs
    smart_home, else nothing (the broker's top level)."""
    if SMART_HOME not in hub.config.raw:
        return ""
    return f"{mqtt.topic_root(hub)}/household/{device.household}/"


def discovery_prefix(hub: Hub, device: SmartDevice, prefix: str) -> str:
    """The discovery prefix the device is installed with: its household's, or the hub's ``prefix``."""
    home = home_prefix(hub, device)
    return f"{home}homeassistant" if home else prefix


def zigbee_bridge(hub: Hub, broker: Broker, home: str = "") -> DeviceConnection:
    """A Zigbee2MQTT bridge's connection, shared by the Zigbee devices of one home (``home``:
    its :func:`home_prefix`), or of the whole site."""
    presence = Presence(f"{home}{Z2M_BASE}/bridge/state", b'{"state":"online"}', b'{"state":"offline"}')
    suffix = "_" + home.rstrip("/").rsplit("/", 1)[-1] if home else ""
    return DeviceConnection(hub, broker, f"zigbee2mqtt_sim{suffix}", presence)


class SmartHomeDevice:
    """What the traffic model asks of every kind: announce, report, be pressed by a resident."""

    def __init__(self, ctx: SimContext, device: SmartDevice, connection: DeviceConnection, prefix: str) -> None:
        self.ctx = ctx
        self.device = device
        self.connection = connection
        #: where its topics begin (its household's prefix, or nothing)
        self.home = home_prefix(ctx.hub, device)
        self.prefix = discovery_prefix(ctx.hub, device, prefix)
        self.on = False

    #: Whether a resident switches it by hand (a sensor is only read).
    switchable = False

    def announce(self) -> None:
        """Publish the retained discovery configs and the first state."""
        raise NotImplementedError

    def press(self) -> None:
        """A resident switches the device by hand (the wall switch, the plug's button)."""
        raise NotImplementedError

    def _payload(self, payload: bytes) -> str:
        return payload.decode("utf-8", "replace").strip()


class ZigbeePlug(SmartHomeDevice):
    switchable = True

    def __init__(self, ctx: SimContext, device: SmartDevice, connection: DeviceConnection, prefix: str) -> None:
        super().__init__(ctx, device, connection, prefix)
        self.bridge = f"{self.home}{Z2M_BASE}"
        self.topic = f"{self.bridge}/{device.ident}"
        self.load = ctx.rng.choice(APPLIANCE_WATTS)
        connection.subscribe(f"{self.topic}/set", self._on_set)

    def announce(self) -> None:
        ident = self.device.ident
        common = {
            "availability": [{"topic": f"{self.bridge}/bridge/state", "value_template": "{{ value_json.state }}"}],
            "device": {
                "identifiers": [f"zigbee2mqtt_{ident}"],
                "manufacturer": "Xiaomi",
                "model": "Mi smart plug (ZNCZ02LM)",
                "name": self.device.name,
                "via_device": f"zigbee2mqtt_bridge_{Z2M_BRIDGE}",
            },
            "origin": {"name": "Zigbee2MQTT", "sw": "2.6.0", "url": "https://www.zigbee2mqtt.io"},
            "state_topic": self.topic,
        }
        # Zigbee2MQTT (2.6 on) asks for ids made of the device's friendly name, in both forms
        object_id = slugify(self.device.name)
        switch = {**common, "name": None, "object_id": object_id, "default_entity_id": f"switch.{object_id}",
                  "unique_id": f"{ident}_switch_zigbee2mqtt",
                  "command_topic": f"{self.topic}/set", "payload_on": "ON", "payload_off": "OFF",
                  "value_template": "{{ value_json.state }}"}
        power = {**common, "name": "Power", "object_id": f"{object_id}_power", "default_entity_id": f"sensor.{object_id}_power",
                 "unique_id": f"{ident}_power_zigbee2mqtt",
                 "device_class": "power", "state_class": "measurement", "unit_of_measurement": "W",
                 "value_template": "{{ value_json.power }}"}
        self.connection.publish(f"{self.prefix}/switch/{ident}/switch/config", switch, retain=True)
        self.connection.publish(f"{self.prefix}/sensor/{ident}/power/config", power, retain=True)
        self.report()
        self.ctx.timers.later(PLUG_EVERY, self._telemetry)

    def _telemetry(self) -> None:
        self.ctx.timers.later(PLUG_EVERY, self._telemetry)
        self.report()

    def report(self) -> None:
        watts = round(self.load * self.ctx.rng.uniform(0.9, 1.1), 1) if self.on else 0.0
        self.connection.publish(self.topic, {"state": "ON" if self.on else "OFF", "power": watts,
                                             "linkquality": self.ctx.rng.randrange(60, 200)}, retain=True)

    def _on_set(self, _topic: str, payload: bytes) -> None:
        text = self._payload(payload)
        try:
            body = json.loads(text)
        except ValueError:
            body = {"state": text}  # Zigbee2MQTT takes a bare value as the state
        wanted = str(body.get("state", "")).upper() if isinstance(body, dict) else ""
        if wanted in ("ON", "OFF", "TOGGLE"):
            self.on = not self.on if wanted == "TOGGLE" else wanted == "ON"
            self.report()

    def press(self) -> None:
        self.on = not self.on
        self.report()


class TasmotaLight(SmartHomeDevice):
    switchable = True

    def __init__(self, ctx: SimContext, device: SmartDevice, connection: DeviceConnection, prefix: str) -> None:
        super().__init__(ctx, device, connection, prefix)
        self.base = f"{self.home}{tasmota_topic(device)}"
        self.dimmer = 80
        connection.subscribe(f"{self.base}/cmnd/+", self._on_command)

    def announce(self) -> None:
        ident = self.device.ident
        config = {
            "name": "Light", "~": f"{self.base}/",
            "cmd_t": "~cmnd/POWER", "stat_t": "~tele/STATE", "val_tpl": "{{value_json.POWER}}",
            "pl_off": "OFF", "pl_on": "ON",
            "avty_t": "~tele/LWT", "pl_avail": "Online", "pl_not_avail": "Offline",
            "uniq_id": f"{ident}_LI_1",
            "dev": {"ids": [ident], "name": self.device.name, "mdl": "Generic", "sw": "14.3.0(tasmota)", "mf": "Tasmota"},
            "bri_cmd_t": "~cmnd/Dimmer", "bri_stat_t": "~tele/STATE", "bri_scl": 100,
            "on_cmd_type": "brightness", "bri_val_tpl": "{{value_json.Dimmer}}",
        }
        self.connection.publish(f"{self.prefix}/light/{ident}_LI_1/config", config, retain=True)
        self.report()
        self.ctx.timers.later(TASMOTA_TELEPERIOD, self._teleperiod)

    def _teleperiod(self) -> None:
        self.ctx.timers.later(TASMOTA_TELEPERIOD, self._teleperiod)
        self.report()

    def report(self) -> None:
        power = "ON" if self.on else "OFF"
        now = self.ctx.hub.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
        self.connection.publish(f"{self.base}/tele/STATE", {"Time": now, "POWER": power, "Dimmer": self.dimmer},
                                retain=True)

    def _on_command(self, topic: str, payload: bytes) -> None:
        command, value = topic.rsplit("/", 1)[1].upper(), self._payload(payload).upper()
        if command == "POWER" and value in ("ON", "OFF", "TOGGLE", "1", "0"):
            self.on = not self.on if value == "TOGGLE" else value in ("ON", "1")
        elif command == "DIMMER" and value.isdigit():
            self.dimmer = max(0, min(100, int(value)))
            self.on = self.dimmer > 0
        else:
            return
        self.connection.publish(f"{self.base}/stat/RESULT", {"POWER": "ON" if self.on else "OFF", "Dimmer": self.dimmer})
        self.report()

    def press(self) -> None:
        self.on = not self.on
        self.report()


class EspHomeThermometer(SmartHomeDevice):
    def __init__(self, ctx: SimContext, device: SmartDevice, connection: DeviceConnection, prefix: str) -> None:
        super().__init__(ctx, device, connection, prefix)
        self.node = esphome_node(device)
        self.base = f"{self.home}{self.node}"
        self.object_id = "temperature"
        self.comfort = ctx.rng.uniform(19.5, 24.5)  # where this home's heating keeps it

    def announce(self) -> None:
        mac = self.device.ident
        config = {
            "dev_cla": "temperature", "unit_of_meas": "°C", "stat_cla": "measurement",
            "name": "Temperature",
            "stat_t": f"{self.base}/sensor/{self.object_id}/state", "avty_t": f"{self.base}/status",
            "uniq_id": f"{mac}sensor{self.object_id}",
            "dev": {"ids": mac, "name": self.node, "sw": "esphome v2025.2.0", "mdl": "esp32dev",
                    "mf": "Espressif", "cns": [["mac", mac]]},
        }
        self.connection.publish(f"{self.prefix}/sensor/{self.node}/{self.object_id}/config", config, retain=True)
        self.report()
        self.ctx.timers.later(THERMOMETER_EVERY, self._update)

    def _update(self) -> None:
        self.ctx.timers.later(THERMOMETER_EVERY, self._update)
        self.report()

    def report(self) -> None:
        now = self.ctx.sim.now()
        hour = now.hour + now.minute / 60
        daily = 1.5 * math.sin((hour - 9) / 24 * 2 * math.pi)  # warmest mid-afternoon
        value = self.comfort + daily + self.ctx.rng.gauss(0, 0.15)
        self.connection.publish(f"{self.base}/sensor/{self.object_id}/state", f"{value:.1f}", retain=True)


def tasmota_topic(device: SmartDevice) -> str:
    return f"tasmota_{device.ident}"


def esphome_node(device: SmartDevice) -> str:
    return f"bedroom-sensor-{device.ident[-6:]}"


def own_connection(hub: Hub, broker: Broker, device: SmartDevice) -> DeviceConnection:
    """A Wi-Fi device's own connection, with the availability its firmware publishes."""
    home = home_prefix(hub, device)
    if device.kind == "light":
        base = f"{home}{tasmota_topic(device)}"
        return DeviceConnection(hub, broker, f"DVES_{device.ident}", Presence(f"{base}/tele/LWT", b"Online", b"Offline"))
    node = esphome_node(device)
    return DeviceConnection(hub, broker, f"{node}-sim", Presence(f"{home}{node}/status", b"online", b"offline"))


KINDS: dict[str, type[SmartHomeDevice]] = {"plug": ZigbeePlug, "light": TasmotaLight, "thermometer": EspHomeThermometer}
