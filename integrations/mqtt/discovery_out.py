"""Home Assistant MQTT discovery, out: xiaoqu's own entities appear in Home Assistant.

Each announced entity gets ``<prefix>/<component>/xiaoqu_<site>/<object_id>/config`` (keys
abbreviated, like ESPHome's), reading its state from the state stream
(``xiaoqu/<site>/state/<entity_id>``) and its availability from the hub's birth and will on
``xiaoqu/<site>/status``. Where the entity's domain has the matching services, a command
topic ``xiaoqu/<site>/set/<entity_id>`` is announced too, and what Home Assistant sends
there becomes a service call. Configs are not retained (retained configs come back as
ghosts); instead they are sent on every connect and again, after a small random delay,
whenever Home Assistant's birth message ``<prefix>/status`` = ``online`` arrives.

Entities that came from MQTT discovery are not announced: Home Assistant reads those devices
itself, and announcing them would make every discovering hub on the broker (this one
included) discover its own announcement as a new entity, announce that, and so on. The
hub's discovery in also skips the config topics this hub announces (:meth:`DiscoveryOut.announces`).
An entity whose config cannot be written as JSON is left out (counted in
``writer.left_out``, logged once a minute) and tried again at its next change; the others
are announced.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.bus import Context
from xiaoqu.core.const import EVENT_STATE_CHANGED, __version__
from xiaoqu.core.errors import HubError
from xiaoqu.core.ratelimit import RateLimitedLog

from .abbreviations import DEVICE_SHORT, ORIGIN_SHORT, SHORT
from .const import topic_root
from .models import JsonWriter, ReceiveMessage

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State

    from .client import MqttClient, Unsubscribe

_LOGGER = logging.getLogger(__name__)

#: Home Assistant recommends a random delay before answering its birth message.
BIRTH_DELAY = (0.5, 5.0)
#: The platform of the entities MQTT discovery creates (and of the integration's own sensor).
MQTT_PLATFORM = "mqtt"


@dataclass(frozen=True, slots=True)
class Mapping:
    """How one xiaoqu domain looks in Home Assistant."""

    component: str
    config: dict[str, Any]
    commands: dict[str, str]  # payload Home Assistant sends → service of the entity's domain
    value_command: str | None = None  # service taking the payload as its value (number, select)


_ON_OFF = {"payload_on": "ON", "payload_off": "OFF", "state_on": "on", "state_off": "off"}
MAPPINGS: dict[str, Mapping] = {
    "switch": Mapping("switch", _ON_OFF, {"ON": "turn_on", "OFF": "turn_off"}),
    "light": Mapping(
        "light",
        {"payload_on": "ON", "payload_off": "OFF", "state_value_template": "{{ value_json.state }}"},
        {"ON": "turn_on", "OFF": "turn_off"},
    ),
    "lock": Mapping(
        "lock",
        {"state_locked": "locked", "state_unlocked": "unlocked", "state_jammed": "jammed"},
        {"LOCK": "lock", "UNLOCK": "unlock"},
    ),
    "door": Mapping("lock", {"state_locked": "locked", "state_unlocked": "unlocked"}, {"LOCK": "lock", "UNLOCK": "unlock"}),
    "cover": Mapping("cover", {}, {"OPEN": "open_cover", "CLOSE": "close_cover", "STOP": "stop_cover"}),
    "barrier": Mapping("cover", {"device_class": "gate"}, {"OPEN": "open", "CLOSE": "close", "STOP": "stop"}),
    "binary_sensor": Mapping("binary_sensor", {"payload_on": "on", "payload_off": "off"}, {}),
    "button": Mapping("button", {"payload_press": "PRESS"}, {"PRESS": "press"}),
    "number": Mapping("number", {}, {}, "set_value"),
    "select": Mapping("select", {}, {}, "select_option"),
    "alarm_control_panel": Mapping(
        "alarm_control_panel",
        {"code_arm_required": False, "code_disarm_required": False},
        {"DISARM": "alarm_disarm", "ARM_HOME": "alarm_arm_home", "ARM_AWAY": "alarm_arm_away", "ARM_NIGHT": "alarm_arm_night"},
    ),
}
#: Anything else shows as a sensor with the state as its value.
SENSOR = Mapping("sensor", {}, {})
_VALUE_ARGUMENT = {"set_value": "value", "select_option": "option"}


def abbreviate(config: dict[str, Any]) -> dict[str, Any]:
    short = {SHORT.get(key, key): value for key, value in config.items()}
    if "dev" in short:
        short["dev"] = {DEVICE_SHORT.get(k, k): v for k, v in short["dev"].items()}
    if "o" in short:
        short["o"] = {ORIGIN_SHORT.get(k, k): v for k, v in short["o"].items()}
    return short


def node_id(hub: Hub) -> str:
    """The ``node_id`` of this hub's config topics: ``<prefix>/<component>/xiaoqu_<site>/...``."""
    return f"xiaoqu_{hub.config.site}"


class DiscoveryOut:
    def __init__(self, hub: Hub, client: MqttClient, prefix: str, domains: list[str] | None) -> None:
        self.hub = hub
        self.client = client
        self.prefix = prefix
        self.domains = frozenset(domains) if domains else None
        self.root = topic_root(hub)
        self.node_id = node_id(hub)
        self._announced: dict[str, str] = {}  # entity_id → config topic
        self._topics: set[str] = set()  # the config topics in _announced
        self._unsubscribes: list[Unsubscribe] = []
        self._birth_timer: Any = None
        self.writer = JsonWriter(_LOGGER, hub.clock.time, "discovery out")
        #: Commands that cannot be carried out (whoever may publish on the command topics
        #: chooses them): once a minute per kind of problem.
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    def start(self) -> None:
        self._unsubscribes = [
            self.hub.bus.listen(EVENT_STATE_CHANGED, self._state_changed),
            self.client.on_connection_change(self._connection_changed),
            self.client.subscribe_nowait(f"{self.prefix}/status", self._birth, qos=1),
            self.client.subscribe_nowait(f"{self.root}/set/+", self._command, qos=1),
        ]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []
        if self._birth_timer is not None:
            self._birth_timer.cancel()

    def announces(self, topic: str) -> bool:
        """Whether ``topic`` is the config topic of an entity this hub announces now."""
        return topic in self._topics

    def _wanted(self, entity_id: str) -> bool:
        entity = self.hub.entities.get(entity_id)
        if entity is not None and entity.platform == MQTT_PLATFORM:
            return False
        return self.domains is None or entity_id.partition(".")[0] in self.domains

    def _mapping(self, domain: str) -> Mapping:
        return MAPPINGS.get(domain, SENSOR)

    def config_for(self, state: State) -> tuple[str, dict[str, Any]]:
        """The config topic and (full-key) payload announcing ``state``'s entity."""
        domain, object_id = state.entity_id.split(".", 1)
        mapping = self._mapping(domain)
        state_topic = f"{self.root}/state/{state.entity_id}"
        config: dict[str, Any] = {
            "name": state.name,
            "unique_id": f"{self.node_id}_{state.entity_id.replace('.', '_')}",
            # default_entity_id for Home Assistant 2025.10 and later, object_id for the older
            "default_entity_id": f"{mapping.component}.{self.node_id}_{object_id}",
            "object_id": f"{self.node_id}_{object_id}",
            "state_topic": state_topic,
            "value_template": "{{ value_json.state }}",
            "json_attributes_topic": state_topic,
            "json_attributes_template": "{{ value_json.attributes | tojson }}",
            "availability_topic": f"{self.root}/status",
            "device": self._device(state),
            "origin": {"name": "xiaoqu", "sw_version": __version__},
            **mapping.config,
        }
        if mapping.component == "light":
            config.pop("value_template")
        for key in ("unit_of_measurement", "device_class", "icon"):
            if key in state.attributes and key not in config:
                config[key] = state.attributes[key]
        if mapping.component == "select" and isinstance(state.attributes.get("options"), (list, tuple)):
            config["options"] = list(state.attributes["options"])
        usable = [s for s in (*mapping.commands.values(), mapping.value_command) if s and self.hub.services.has(domain, s)]
        if usable:
            config["command_topic"] = f"{self.root}/set/{state.entity_id}"
        return f"{self.prefix}/{mapping.component}/{self.node_id}/{object_id}/config", config

    def _device(self, state: State) -> dict[str, Any]:
        entity = self.hub.entities.get(state.entity_id) if hasattr(self.hub, "entities") else None
        device = self.hub.devices.get(entity.device_id) if entity is not None and entity.device_id else None
        if device is None:
            return {"identifiers": [self.node_id], "name": self.hub.config.name, "manufacturer": "xiaoqu", "model": "hub"}
        info = {
            "identifiers": [f"{self.node_id}_{device.id}"],
            "name": device.display_name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "sw_version": device.sw_version,
            "via_device": self.node_id,
        }
        return {key: value for key, value in info.items() if value is not None}

    def announce(self, state: State) -> None:
        topic, config = self.config_for(state)
        payload = self.writer.dumps(state.entity_id, abbreviate(config))
        if payload is None:
            return
        self._announced[state.entity_id] = topic
        self._topics.add(topic)
        self.client.publish_nowait(topic, payload, qos=1)

    def announce_all(self) -> None:
        for state in self.hub.states.all():
            if self._wanted(state.entity_id):
                self.announce(state)

    def _state_changed(self, event: Event) -> None:
        entity_id = event.data["entity_id"]
        if not self._wanted(entity_id):
            return
        if event.data["new_state"] is None:
            topic = self._announced.pop(entity_id, None)
            if topic is not None:
                self._topics.discard(topic)
                self.client.publish_nowait(topic, b"", qos=1)
        elif entity_id not in self._announced:
            self.announce(event.data["new_state"])

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self.announce_all()

    def _birth(self, message: ReceiveMessage) -> None:
        if message.payload != b"online" or self._birth_timer is not None:
            return

        def resend() -> None:
            self._birth_timer = None
            self.announce_all()

        self._birth_timer = self.hub.clock.call_later(random.uniform(*BIRTH_DELAY), resend)

    async def _command(self, message: ReceiveMessage) -> None:
        entity_id = message.topic.rsplit("/", 1)[1]
        if entity_id not in self._announced:
            return
        domain = entity_id.partition(".")[0]
        mapping = self._mapping(domain)
        try:
            payload = message.text()
        except UnicodeDecodeError:
            return
        service = mapping.commands.get(payload)
        data: dict[str, Any] = {"entity_id": entity_id}
        if service is None and mapping.value_command:
            service = mapping.value_command
            data[_VALUE_ARGUMENT[service]] = payload
        if service is None or not self.hub.services.has(domain, service):
            self._log.warning("unknown_command", "Home Assistant sent %r for %s, which it cannot do", payload[:40], entity_id)
            return
        try:
            await self.hub.services.call(domain, service, data, context=Context(source="homeassistant"))
        except HubError as err:
            self._log.warning("command_failed", "Home Assistant's %s.%s for %s failed: %s", domain, service, entity_id, err)
