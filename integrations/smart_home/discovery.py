"""A household's devices, announced under its own prefix and kept to it.

A household's Zigbee2MQTT, ESPHome or Tasmota announces its devices under
``xiaoqu/<site>/household/<id>/homeassistant/...`` (its discovery prefix) instead of
``homeassistant/...``. The broker lets only that household's account publish there
(``mqtt: users: {household: <id>}``), so the topic a config arrives on *is* the proof of
whose device it is: nothing in the payload can claim another household.

Each household's configs go through the mqtt integration's own discovery (one
:class:`HouseholdDiscovery` per household, made when its first config arrives), so the
entities live exactly as any discovered entity does, with four guards added:

- every topic a config names (state, command, availability, a device trigger's) must lie
  inside the household's prefix: otherwise a household could subscribe the hub to another
  household's states or make the hub — which may publish anywhere — send its commands to a
  door (``command_topic: xiaoqu/<site>/door/d1/command``). Such a config is refused and counted;
- the unique id and the device's identifiers and connections are put in the household's
  namespace, so a config cannot take over another household's entity or merge into its device;
- entity ids start with the household (``switch.1_2_0601_fridge_plug``), so a device cannot
  squat an id staff automations rely on (``lock.main_gate``);
- each household may create at most ``max_entities_per_household`` entities, within the
  hub's ``mqtt: max_discovered_entities``.

Templates in these configs render limited (no ``states()``), as every device's do.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.entity import slugify
from xiaoqu.integrations.mqtt.discovery import Discovery, DiscoveryBudget
from xiaoqu.integrations.mqtt.entity import MqttEntity
from xiaoqu.integrations.mqtt.platforms import entity_class
from xiaoqu.integrations.mqtt.topic import InvalidTopic, covers, valid_subscribe_topic

from .const import REFUSED_TOO_MANY, REFUSED_TOPIC

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.mqtt.client import MqttClient
    from xiaoqu.integrations.mqtt.models import ReceiveMessage, Rejections

_LOGGER = logging.getLogger(__name__)

#: Keys of a device's block that name it; each is put in the household's namespace.
_DEVICE_NAMES: Final = ("identifiers", "via_device")


def household_prefix(topic_root: str, household: str) -> str:
    """``xiaoqu/<site>/household/<id>``: everything of one household, and its account's reach."""
    return f"{topic_root}/household/{household}"


class HouseholdBudget(DiscoveryBudget):
    """At most ``total`` entities for one household, each also counted in the hub's budget."""

    def __init__(self, shared: DiscoveryBudget, household: str, most: int) -> None:
        super().__init__(most, shared.per_device)
        self.shared = shared
        self.household = household
        self._told = False

    def take(self, device: str) -> str | None:
        if self.used >= self.total:
            if not self._told:
                self._told = True
                _LOGGER.warning("Household %s announced more than %d entities ('smart_home: "
                                "max_entities_per_household'); the others are left out", self.household, self.total)
            return REFUSED_TOO_MANY
        refused = self.shared.take(device)
        if refused is None:
            self.used += 1
        return refused

    def give_back(self, device: str) -> None:
        self.used -= 1
        self.shared.give_back(device)
        if self.used < self.total:
            self._told = False


class HouseholdEntity(MqttEntity):
    """Mixed in before a discovered entity's class: its id starts with its household."""

    @property
    def suggested_object_id(self) -> str | None:
        assert isinstance(self.discovery, HouseholdDiscovery)
        own = slugify(self.discovery.household)
        asked = slugify(super().suggested_object_id or self.friendly_name or self.domain)
        # a device named after its flat ("Smart plug 1-2-0601") says the flat once, first
        asked = re.sub(rf"(?:^|_){re.escape(own)}(?=_|$)", "", asked).strip("_") or self.domain
        return f"{own}_{asked}"


_CLASSES: dict[type[MqttEntity], type[MqttEntity]] = {}


def household_class(component: str, config: dict[str, Any]) -> type[MqttEntity]:
    """The entity class Home Assistant discovery would use, with :class:`HouseholdEntity` first."""
    cls = entity_class(component, config)
    made = _CLASSES.get(cls)
    if made is None:
        made = _CLASSES[cls] = type(f"Household{cls.__name__}", (HouseholdEntity, cls), {})
    return made


class HouseholdDiscovery(Discovery):
    """Home Assistant discovery for one household's prefix, with the guards above."""

    entity_class = staticmethod(household_class)

    def __init__(
        self, hub: Hub, client: MqttClient, rejections: Rejections, topic_root: str, household: str, most: int
    ) -> None:
        self.household = household
        self.own = household_prefix(topic_root, household)
        super().__init__(hub, client, rejections, f"{self.own}/homeassistant")
        self.budget = HouseholdBudget(self.budget, household, most)

    async def receive(self, message: ReceiveMessage) -> None:
        """Take one config the household router passed on (it holds the only subscription)."""
        await self._received(message)

    def entity_ids(self) -> Iterator[str]:
        """The ids of the household's entities on the hub now."""
        return (entity.entity_id for entity in self.entities.values() if entity.entity_id is not None)

    async def _apply(self, component: str, key: str, config: dict[str, Any], node: str | None = None) -> None:
        outside = [topic for topic in _topics(config) if not self._inside(topic)]
        if outside:
            self._refuse(f"{self.own} {key}", REFUSED_TOPIC,
                         f"{outside[0][:120]!r} is outside {self.own}/#, where household {self.household}'s devices "
                         "must keep all their topics")
            return
        await super()._apply(component, key, self._namespaced(config), node)

    def _inside(self, topic: str) -> bool:
        try:
            valid_subscribe_topic(topic)
        except InvalidTopic:
            return False
        return covers(f"{self.own}/#", topic)

    def _namespaced(self, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` with its unique id and its device's names in the household's namespace."""
        config = dict(config)
        if isinstance(config.get("unique_id"), str):
            config["unique_id"] = f"{self.household}/{config['unique_id']}"
        device = config.get("device")
        if isinstance(device, dict):
            device = dict(device)
            for name in _DEVICE_NAMES:
                value = device.get(name)
                if isinstance(value, str):
                    device[name] = f"{self.household}/{value}"
                elif isinstance(value, list):
                    device[name] = [f"{self.household}/{item}" for item in value]
            if isinstance(device.get("connections"), list):
                device["connections"] = [[pair[0], f"{self.household}/{pair[1]}"]
                                         if isinstance(pair, list) and len(pair) == 2 else pair
                                         for pair in device["connections"]]
            config["device"] = device
        return config


def _topics(config: dict[str, Any]) -> Iterator[str]:
    """Every topic a config names: its ``*_topic`` keys (``topic`` for a device trigger) and
    its availability entries'. An empty one names none; what is not text is left to the
    platform's schema to refuse."""
    for key, value in config.items():
        if (key == "topic" or key.endswith("_topic")) and isinstance(value, str) and value:
            yield value
    for entry in config.get("availability") or ():
        if isinstance(entry, dict) and isinstance(entry.get("topic"), str) and entry["topic"]:
            yield entry["topic"]
