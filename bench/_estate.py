"""bench/estate.py's estate: a large community's config.yaml and the stores its integrations load.

An estate of ``credentials`` credentials has one household per ten (three residents with two
cards and a face id each, and a car: 10 credentials), spread over bench/access.py's 50
buildings, so its 500 doors and 200 access groups (``site_config``, ``doors``) serve every
size. Beside them: 20 gates (10 lanes in and out, each with its plate camera and an MQTT
barrier, one car park), 20 POS terminals at the one-card centre, 5,000 smart-home entities
announced by the households' own devices (retained discovery configs on the broker, as a
running site's broker holds them), and 1,000 automations in the YAML.

The stores are written the way the office fills them: through the residents integration's
batch writes and the card centre's wallet, on a hub built from the estate's own config
(without MQTT: no broker is needed to fill a registry), in the run's own directory (about
5 s at 100,000 credentials, so nothing is cached). Then the full config.yaml replaces it.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.access import BUILDINGS, FLATS, PER_HOUSEHOLD, UNITS, doors, site_config
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.cards import get_cards
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.registry import FLUSH_EVERY

SITE = "estate"
CREDENTIALS_PER_HOUSEHOLD = PER_HOUSEHOLD * 3 + 1  # each resident's two cards and face, the car
LANES = 10
TERMINALS = 20
ENTITIES = 5_000
AUTOMATIONS = 1_000
#: Cards funded for the POS terminals (funding all 60,000 cards is the cards bench's business).
FUNDED = 2_000
FUNDS = 100_000
#: Smart-home devices are spread over at most this many households (50 entities each at most).
SMART_HOUSEHOLDS = 1_000


@dataclass(frozen=True, slots=True)
class Estate:
    """One size of the estate."""

    credentials: int

    @property
    def households(self) -> int:
        return max(1, self.credentials // CREDENTIALS_PER_HOUSEHOLD)

    def household(self, i: int) -> tuple[str, int]:
        """Household ``i``'s id and building: round-robin over the buildings, then units and floors."""
        building = i % BUILDINGS + 1
        k = i // BUILDINGS
        unit = k % UNITS + 1
        floor, flat = divmod(k // UNITS, FLATS)
        return f"{building}-{unit}-{floor + 1:02d}{flat + 1:02d}", building

    def smart_households(self) -> list[str]:
        return [self.household(i)[0] for i in range(min(self.households, SMART_HOUSEHOLDS))]

    def devices(self) -> Iterator[tuple[str, int]]:
        """(household, device number) of each smart-home entity, ``ENTITIES`` in all."""
        owners = self.smart_households()
        for n in range(ENTITIES):
            yield owners[n % len(owners)], n


# --- the config ------------------------------------------------------------------------------


def gates_config() -> dict[str, Any]:
    """20 gates: each lane's camera, its barrier on the device protocol, one car park."""
    cameras, gates, lanes = [], [], []
    for c in range(LANES):
        for way, lane in (("in", f"car_{c}"), ("out", f"car_{c}_out")):
            camera, gate = f"cam-{c}-{way}", f"car_{c}_{way}"
            cameras.append({"id": camera, "lane": lane, "direction": way})
            gates.append({"id": gate, "offline_after": 86400})
            lanes.append({"id": lane, "lot": "estate", "direction": way, "camera": camera,
                          "barrier": f"barrier.{gate}", "display": f"led-{c}-{way}"})
    return {
        "lpr": {"cameras": cameras},
        "barrier": {"gates": gates},
        "payments": {},
        "sim_pay": {"pay_after": None},
        "parking": {"lots": [{"id": "estate", "name": "小区停车场", "capacity": 20000, "temporary_spaces": 3000,
                              "admit_temporary": True, "residents_free": True,
                              "tariff": {"free_minutes": 15, "price_fen": 300, "daily_cap_fen": 3000}}],
                    "lanes": lanes},
    }


def sensor_id(household: str, n: int) -> str:
    """The entity id the hub gives device ``n``'s sensor (smart_home: household first)."""
    return f"sensor.{household.replace('-', '_')}_dev_{n}"


def automations(estate: Estate) -> list[dict[str, Any]]:
    """1,000 automations staff could have written: half on doors' decisions, half on devices."""
    found: list[dict[str, Any]] = []
    door_ids = [door for door, _ in doors()]
    devices = list(estate.devices())
    for i in range(AUTOMATIONS // 2):
        door = door_ids[i % len(door_ids)]
        found.append({"id": f"door_{i}", "alias": f"Refusals at {door} are counted",
                      "triggers": [{"trigger": "event", "event_type": "access_denied", "event_data": {"door": door}}],
                      "actions": [{"event": "estate_refusal", "event_data": {"door": door}}]})
    for i in range(AUTOMATIONS - AUTOMATIONS // 2):
        household, n = devices[i * len(devices) // (AUTOMATIONS - AUTOMATIONS // 2)]
        found.append({"id": f"device_{i}", "alias": f"{household} device {n} too warm",
                      "triggers": [{"trigger": "numeric_state", "entity_id": sensor_id(household, n), "above": 1e9}],
                      "conditions": [{"condition": "template", "value_template": "{{ trigger.to_state.state != '' }}"}],
                      "actions": [{"event": "estate_too_warm", "event_data": {"household": household}}]})
    return found


def config(estate: Estate, mqtt: dict[str, Any] | None) -> dict[str, Any]:
    """The site's config.yaml; ``mqtt`` None: only what the stores need (for building them)."""
    found: dict[str, Any] = {
        "xiaoqu": {"name": f"Estate of {estate.credentials:,} credentials", "site": SITE,
                   "time_zone": "Asia/Shanghai"},
        "logger": {"default": "info", "logs": {"aiomqtt": "warning"}},
        "http": {"server_port": 0},
        **site_config(),
        "cards": {"pos": {"terminals": [{"id": f"t{i}", "kind": "shop"} for i in range(TERMINALS)]}},
    }
    if mqtt is None:
        return found
    found["mqtt"] = {**mqtt, "max_discovered_entities": ENTITIES + 1000}
    found["door"] = {"doors": [{"id": door, "kind": kind} for door, kind in doors()]}
    found["smart_home"] = {}
    found.update(gates_config())
    found["automation"] = automations(estate)
    return found


def write_config(directory: Path, estate: Estate, mqtt: dict[str, Any]) -> Path:
    """The full config.yaml, with the residents' key the stores were sealed with (if any)."""
    path = directory / "config.yaml"
    text = config(estate, mqtt)
    if path.exists():
        text["residents"] = yaml.safe_load(path.read_text(encoding="utf-8"))["residents"]
    path.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- the stores ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class People:
    """What the peak hour presents: residents' cards by building, plates by lane, funded cards."""

    cards: list[tuple[str, int]]  # (card UID, building)
    plates: list[tuple[str, int]]  # (plate, lane)
    funded: list[str]


async def populate(hub: Any, estate: Estate) -> People:
    residents = get_residents(hub)
    cards: list[tuple[str, int]] = []
    plates: list[tuple[str, int]] = []
    serial = 0
    async with residents.batch() as batch:
        for i in range(estate.households):
            household, building = estate.household(i)
            residents.stage_household(batch, household, None)
            for n in range(PER_HOUSEHOLD):
                own = [f"{(building << 24 | serial + k):08X}" for k in (1, 2)]
                serial += 2
                residents.stage_person(batch, None, {
                    "kind": "resident", "name": f"住户{serial}", "household": household,
                    "role": ("owner", "family", "tenant")[n], "cards": own, "face_id": f"F{serial:07d}"})
                cards += [(uid, building) for uid in own]
            plate = f"沪{'ABCDEFGHJK'[building % 10]}{i:05d}"
            residents.stage_vehicle(batch, plate, household)
            plates.append((plate, building % LANES))
            if len(batch) >= FLUSH_EVERY:
                await batch.flush()
    funded = [uid for uid, _ in cards[:: max(1, len(cards) // FUNDED)]][:FUNDED]
    wallet = get_cards(hub).wallet
    for start in range(0, len(funded), 500):
        await asyncio.gather(*(wallet.recharge(uid, FUNDS, f"estate-{uid}", "cash", {})
                               for uid in funded[start:start + 500]))
    return People(cards, plates, funded)


async def build(estate: Estate, directory: Path) -> People:
    """The estate's stores in ``directory``, through the integrations' own APIs."""
    async with running_hub(directory, config(estate, None)) as hub:
        return await populate(hub, estate)


# --- the smart-home devices' retained messages ----------------------------------------------


def prefix(household: str) -> str:
    return f"xiaoqu/{SITE}/household/{household}"


def state_topic(household: str, n: int) -> str:
    return f"{prefix(household)}/zigbee2mqtt/dev_{n}"


def discovery(estate: Estate) -> Iterator[tuple[str, bytes]]:
    """Each device's retained discovery config (Zigbee2MQTT-shaped) and its first state."""
    for household, n in estate.devices():
        body = {"name": None, "unique_id": f"dev_{n}_value", "state_topic": state_topic(household, n),
                "value_template": "{{ value_json.value }}", "unit_of_measurement": "°C",
                "device_class": "temperature", "state_class": "measurement",
                "device": {"identifiers": [f"dev_{n}"], "name": f"dev {n}", "manufacturer": "Bench", "model": "Sensor"}}
        yield f"{prefix(household)}/homeassistant/sensor/dev_{n}/value/config", json.dumps(body).encode()
        yield state_topic(household, n), b'{"value": 20}'
