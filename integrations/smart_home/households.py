"""Whose device is whose: by the topic it announced itself on, or by staff's assignment.

:class:`SmartHome` is what the integration runs. It holds the only subscription to the
households' discovery topics and hands each config to its household's
:class:`~.discovery.HouseholdDiscovery` (made on the first). Devices discovered elsewhere
(``homeassistant/...``, a bridge staff run) belong to nobody until staff assign them
(``smart_home.assign``); a device that announced itself under a household's prefix belongs
to that household and cannot be assigned to another.

:meth:`SmartHome.scope_for` answers the core's ``xiaoqu_entity_scope`` for a resident: the
user's person (residents' ``person_for_user``), their household, that household's entities
now. Nothing is cached across requests, so a person moved, unlinked or erased in residents
is answered as they are at once.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final

from tinydb import Query

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.ratelimit import RateLimitedLog

from .const import ASSIGNMENTS, DISCOVERY_LEVEL, REFUSED_HOUSEHOLD
from .discovery import HouseholdDiscovery, household_prefix

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.storage import Store
    from xiaoqu.integrations.mqtt import MqttData, ReceiveMessage
    from xiaoqu.integrations.residents import Residents

_LOGGER = logging.getLogger(__name__)

#: A household id as a topic level: what residents writes (``1-2-0601``), and nothing that
#: could be read as more than one level or as a wildcard.
HOUSEHOLD_LEVEL: Final = re.compile(r"[0-9A-Za-z_-]{1,32}")
DEVICE: Final = "device"
ENTITY: Final = "entity"


class SmartHome:
    """Households' devices: discovered under their prefixes, or assigned by staff."""

    def __init__(self, hub: Hub, mqtt: MqttData, topic_root: str, residents: Residents, store: Store,
                 config: dict[str, Any]) -> None:
        self.hub = hub
        self.mqtt = mqtt
        self.topic_root = topic_root
        self.residents = residents
        #: the validated ``smart_home:`` section
        self.config = config
        self.most_per_household: int = config["max_entities_per_household"]
        #: household id → its discovery (made on its first config)
        self.households: dict[str, HouseholdDiscovery] = {}
        self._table = store.table(ASSIGNMENTS)
        #: (DEVICE | ENTITY, id) → household, as staff assigned them
        self.assigned: dict[tuple[str, str], str] = {(doc["kind"], doc["id"]): doc["household"]
                                                     for doc in self._table.all()}
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)
        self._unsubscribes: list[Callable[[], None]] = []

    # --- discovery ---------------------------------------------------------------------------

    def start(self) -> None:
        """Subscribe to every household's discovery prefix (one pair of filters for them all)."""
        base = f"{self.topic_root}/household/+/{DISCOVERY_LEVEL}"
        for pattern in ("+/+/config", "+/+/+/config"):
            self._unsubscribes.append(self.mqtt.client.subscribe_nowait(f"{base}/{pattern}", self._route, qos=1))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []
        for discovery in self.households.values():
            await discovery.stop()

    async def _route(self, message: ReceiveMessage) -> None:
        household = message.topic[len(self.topic_root) + len("/household/"):].split("/", 1)[0]
        if HOUSEHOLD_LEVEL.fullmatch(household) is None:
            self.mqtt.rejections.add(message.topic[:200], REFUSED_HOUSEHOLD)
            self._log.warning(("household_id",), "Ignoring a discovery config on %.200s: %r is not a household id",
                              message.topic, household[:40])
            return
        discovery = self.households.get(household)
        if discovery is None:
            discovery = self.households[household] = HouseholdDiscovery(
                self.hub, self.mqtt.client, self.mqtt.rejections, self.topic_root, household, self.most_per_household)
        await discovery.receive(message)

    # --- whose is what -----------------------------------------------------------------------

    def household_prefix(self, household: str) -> str:
        return household_prefix(self.topic_root, household)

    def announced_by(self, entity_id: str) -> str | None:
        """The household whose prefix ``entity_id`` was announced under, if any."""
        for household, discovery in self.households.items():
            if entity_id in set(discovery.entity_ids()):
                return household
        return None

    def entity_ids(self, household: str) -> set[str]:
        """The household's entities on the hub now: announced under its prefix, or assigned."""
        discovery = self.households.get(household)
        found = set(discovery.entity_ids()) if discovery is not None else set()
        devices = set()
        for (kind, ident), owner in self.assigned.items():
            if owner != household:
                continue
            if kind == ENTITY:
                found.add(ident)
            else:
                devices.add(ident)
        if devices:
            found.update(e.entity_id for e in self.hub.entities.all() if e.entity_id and e.device_id in devices)
        return found

    def household_of_user(self, user_name: str) -> str | None:
        """The household of the resident who logs in as ``user_name``, if they are one."""
        person = self.residents.person_for_user(user_name)
        if person is None or person.erased or person.kind != "resident":
            return None
        return person.household

    def scope_for(self, user_name: str) -> Callable[[str], bool] | None:
        """``xiaoqu_entity_scope``: the user's household's entities, or None for nobody's."""
        household = self.household_of_user(user_name)
        if household is None:
            return None
        return frozenset(self.entity_ids(household)).__contains__

    # --- staff's assignments -----------------------------------------------------------------

    async def assign(self, household: str, device_ids: Iterable[str], entity_ids: Iterable[str]) -> list[str]:
        """Give devices and entities discovered elsewhere to ``household``; returns what it now has."""
        if self.residents.household(household) is None:
            raise ServiceValidationError(f"smart_home.assign: household {household} does not exist; add it to "
                                         "residents first")
        wanted = [(DEVICE, d) for d in device_ids] + [(ENTITY, e) for e in entity_ids]
        for kind, ident in wanted:
            self._check_assignable(kind, ident, household)
        for kind, ident in wanted:
            await self._table.upsert({"kind": kind, "id": ident, "household": household},
                                     (Query().kind == kind) & (Query().id == ident))
            self.assigned[(kind, ident)] = household
        return sorted(self.entity_ids(household))

    async def unassign(self, device_ids: Iterable[str], entity_ids: Iterable[str]) -> int:
        """Take devices and entities back from whichever household staff gave them to."""
        gone = 0
        for key in [(DEVICE, d) for d in device_ids] + [(ENTITY, e) for e in entity_ids]:
            if self.assigned.pop(key, None) is not None:
                await self._table.remove((Query().kind == key[0]) & (Query().id == key[1]))
                gone += 1
        return gone

    def _check_assignable(self, kind: str, ident: str, household: str) -> None:
        if kind == DEVICE:
            if self.hub.devices.get(ident) is None:
                raise ServiceValidationError(f"smart_home.assign: no device {ident}")
            entity_ids = [e.entity_id for e in self.hub.entities.all() if e.device_id == ident and e.entity_id]
        else:
            if self.hub.states.get(ident) is None:
                raise ServiceValidationError(f"smart_home.assign: no entity {ident}")
            entity_ids = [ident]
        for entity_id in entity_ids:
            owner = self.announced_by(entity_id)
            if owner is not None and owner != household:
                raise ServiceValidationError(
                    f"smart_home.assign: {entity_id} belongs to household {owner} by the topic it announced itself "
                    f"on ({self.household_prefix(owner)}/...); it cannot be given to {household}")

    def describe(self, household: str) -> dict[str, Any]:
        """``smart_home.entities``' answer: the household's entities, and how each became its."""
        announced = set(self.households[household].entity_ids()) if household in self.households else set()
        return {
            "household": household,
            "prefix": self.household_prefix(household),
            "entities": sorted(self.entity_ids(household)),
            "announced": sorted(announced),
            "assigned": sorted(f"{kind}:{ident}" for (kind, ident), owner in self.assigned.items() if owner == household),
        }
