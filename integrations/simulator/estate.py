"""The simulated community: who lives where, what they carry, which devices stand where.

Everything is drawn once from the seeded generator, so the same config and seed give the
same residents, cards, plates and device ids on every run (the end-to-end tests and the
demo's screenshots rely on it).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Final, Literal

from .plates import random_plate

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然欣怡子涵梓轩思雨嘉"

DeviceKind = Literal["plug", "light", "thermometer"]
SMART_HOME_KINDS: tuple[DeviceKind, ...] = ("plug", "light", "thermometer")


@dataclass(frozen=True, slots=True)
class Resident:
    name: str
    household: str
    card: str  # the card's UID as 8 hex digits, what a reader sends
    face_id: str  # the person id a face terminal matches


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One of the property's own staff: their department and post, card, and the hours of the
    simulated day they keep (a guard's crew works days or nights)."""

    name: str
    department: str
    position: str
    card: str
    face_id: str
    starts: time
    ends: time  # at or before ``starts``: the next morning

    @property
    def lunches(self) -> bool:
        """Whether their shift spans the canteen's lunch."""
        return self.starts < LUNCH < self.ends


#: The POS terminal's name where staff have lunch.
CANTEEN: Final = "Canteen"
#: When the office goes to the canteen (the simulated day).
LUNCH: Final = time(12, 0)
#: The property's staff: department, post, and the hours each keeps.
STAFF_POSTS: Final = (
    ("行政部", "经理", time(8, 30), time(17, 30)),
    ("行政部", "文员", time(8, 30), time(17, 30)),
    ("行政部", "出纳", time(8, 30), time(17, 30)),
    ("保安部", "队长", time(7, 0), time(19, 0)),
    ("保安部", "保安", time(7, 0), time(19, 0)),
    ("保安部", "保安", time(19, 0), time(7, 0)),
    ("保安部", "保安", time(19, 0), time(7, 0)),
)


@dataclass(slots=True)
class Household:
    id: str  # "<building>-<unit>-<floor><room>", e.g. "1-2-0601"
    building: int
    unit: int
    residents: list[Resident] = field(default_factory=list)
    vehicles: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Reader:
    """A door reader; the door it controls has the same id."""

    id: str
    name: str
    kind: Literal["face", "card"]
    building: int | None = None  # None for a gate reader
    unit: int | None = None


@dataclass(frozen=True, slots=True)
class Lane:
    """A vehicle lane at a gate: a barrier, perhaps a camera, and the way cars go through it."""

    id: str  # the barrier's id
    name: str
    direction: Literal["in", "out", "both"]
    transport: Literal["modbus", "mqtt"]
    camera: str | None = None
    unit_id: int | None = None  # the barrier's Modbus unit id
    model: Literal["reference", "acme"] = "reference"  # its Modbus register map


@dataclass(frozen=True, slots=True)
class Wand:
    id: str
    name: str
    online: bool  # an offline wand keeps its scans and uploads them when docked


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PosTerminal:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class SmartDevice:
    kind: DeviceKind
    ident: str  # the device's own address (IEEE address, MAC) as its firmware names it
    household: str
    name: str


@dataclass(slots=True)
class Estate:
    households: list[Household]
    readers: list[Reader]
    lanes: list[Lane]
    wands: list[Wand]
    checkpoints: list[Checkpoint]
    pos_terminals: list[PosTerminal]
    smart_devices: list[SmartDevice]
    staff: list[StaffMember] = field(default_factory=list)

    @property
    def residents(self) -> list[Resident]:
        return [r for h in self.households for r in h.residents]

    @property
    def vehicles(self) -> list[str]:
        return [v for h in self.households for v in h.vehicles]

    def summary(self) -> str:
        return (
            f"{len(self.households)} households, {len(self.residents)} residents, {len(self.staff)} staff, "
            f"{len(self.vehicles)} cars, "
            f"{len(self.readers)} readers, {sum(1 for lane in self.lanes if lane.camera)} LPR cameras, "
            f"{len(self.lanes)} barriers, {len(self.wands)} patrol wands, {len(self.pos_terminals)} POS terminals, "
            f"{len(self.smart_devices)} smart-home devices"
        )


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _households(cfg: dict[str, Any], rng: random.Random) -> list[Household]:
    households: list[Household] = []
    cards: set[str] = set()
    plates: set[str] = set()
    for building in range(1, cfg["buildings"] + 1):
        for unit in range(1, cfg["units_per_building"] + 1):
            for floor in range(1, cfg["floors"] + 1):
                for room in range(1, cfg["households_per_floor"] + 1):
                    if rng.random() < 0.1:  # an empty flat
                        continue
                    home = Household(f"{building}-{unit}-{floor:02d}{room:02d}", building, unit)
                    for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
                        card = _unique(cards, lambda: f"{rng.getrandbits(32):08X}")
                        person = len(households) * 10 + len(home.residents)
                        home.residents.append(Resident(_name(rng), home.id, card, f"P{person:06d}"))
                    for _ in range(rng.choice((0, 1, 1, 1, 2))):
                        home.vehicles.append(_unique(plates, lambda: random_plate(rng, local=rng.random() < 0.9)))
                    households.append(home)
    return households


def _unique(taken: set[str], draw: Any) -> str:
    value = draw()
    while value in taken:
        value = draw()
    taken.add(value)
    return value


def _readers(cfg: dict[str, Any], rng: random.Random) -> list[Reader]:
    """Unit entrances first (one reader each, as many as there are readers), then gates."""
    units = [(b, u) for b in range(1, cfg["buildings"] + 1) for u in range(1, cfg["units_per_building"] + 1)]
    total = cfg["readers"] if cfg.get("readers") is not None else len(units) + 2
    readers = [
        Reader(f"b{b}-u{u}", f"Building {b} unit {u} entrance", rng.choice(("card", "face")), b, u)
        for b, u in units[:total]
    ]
    for gate in range(1, total - len(readers) + 1):
        readers.append(Reader(f"gate-{gate}", f"Pedestrian gate {gate}", "face"))
    return readers


def _lanes(cfg: dict[str, Any]) -> list[Lane]:
    """Modbus barriers alternate entry and exit lanes at the main gate, each with a camera
    while cameras last (the last ``acme_barriers`` of them are Acme's); MQTT barriers stand
    at the back gate, both ways, without one."""
    lanes: list[Lane] = []
    first_acme = cfg["barriers"] - cfg["acme_barriers"]
    for index in range(cfg["barriers"]):
        direction: Literal["in", "out"] = "in" if index % 2 == 0 else "out"
        camera = f"cam-{index + 1}" if index < cfg["lpr_cameras"] else None
        model: Literal["reference", "acme"] = "acme" if index >= first_acme else "reference"
        lanes.append(Lane(f"main-{index + 1}", f"Main gate lane {index + 1} ({direction})", direction, "modbus",
                          camera, index + 1, model))
    extra_cameras = max(0, cfg["lpr_cameras"] - cfg["barriers"])
    for index in range(cfg["mqtt_barriers"]):
        camera = f"cam-{cfg['barriers'] + index + 1}" if index < extra_cameras else None
        lanes.append(Lane(f"back-{index + 1}", f"Back gate lane {index + 1}", "both", "mqtt", camera))
    return lanes


def _checkpoints(cfg: dict[str, Any]) -> list[Checkpoint]:
    points = [Checkpoint("cp-gate", "Main gate")]
    points += [Checkpoint(f"cp-b{b}", f"Building {b}") for b in range(1, cfg["buildings"] + 1)]
    points += [Checkpoint("cp-garage", "Underground car park"), Checkpoint("cp-pump", "Pump room"),
               Checkpoint("cp-fence", "East fence")]
    return points


#: What each kind is called, and how its firmware writes its own address.
_SMART_LABELS = {"plug": "Smart plug", "light": "Living room light", "thermometer": "Bedroom sensor"}


def _device_address(kind: DeviceKind, rng: random.Random) -> str:
    if kind == "plug":  # a Zigbee IEEE address (Xiaomi's prefix)
        return f"0x00158d000{rng.getrandbits(28):07x}"
    if kind == "light":  # Tasmota names itself after the last three bytes of its MAC
        return f"{rng.getrandbits(24):06X}"
    return f"{rng.getrandbits(48):012x}"  # ESPHome: the whole MAC


def _smart_devices(count: int, households: list[Household], rng: random.Random) -> list[SmartDevice]:
    """Devices in turn of kind, each in a different home while there are homes enough."""
    if not households:
        return []
    homes = rng.sample(households, k=min(count, len(households)))
    devices = []
    for index in range(count):
        kind = SMART_HOME_KINDS[index % len(SMART_HOME_KINDS)]
        home = homes[index % len(homes)]
        devices.append(SmartDevice(kind, _device_address(kind, rng), home.id, f"{_SMART_LABELS[kind]} {home.id}"))
    return devices


def _staff(households: list[Household], rng: random.Random) -> list[StaffMember]:
    """One of each post, cards apart from every resident's. ``rng`` is the staff's own: the
    estate's generator, which the traffic goes on drawing from, is not touched."""
    cards = {r.card for h in households for r in h.residents}
    names: set[str] = set()
    return [StaffMember(_unique(names, lambda: _name(rng)), department, position,
                        _unique(cards, lambda: f"{rng.getrandbits(32):08X}"), f"S{index:06d}", starts, ends)
            for index, (department, position, starts, ends) in enumerate(STAFF_POSTS, start=1)]


def build_estate(cfg: dict[str, Any], rng: random.Random) -> Estate:
    """The community the config describes, drawn from ``rng``."""
    households = _households(cfg, rng)
    estate = Estate(
        households=households,
        readers=_readers(cfg, rng),
        lanes=_lanes(cfg),
        wands=[Wand(f"wand-{i}", f"Patrol wand {i}", online=i % 2 == 1) for i in range(1, cfg["patrol_wands"] + 1)],
        checkpoints=_checkpoints(cfg),
        pos_terminals=[PosTerminal(f"pos-{i}", (CANTEEN, "Convenience shop", "Laundry")[(i - 1) % 3])
                       for i in range(1, cfg["pos_terminals"] + 1)],
        smart_devices=_smart_devices(cfg["smart_home_devices"], households, rng),
    )
    estate.staff = _staff(households, random.Random(f"{cfg['seed']}:staff"))
    return estate
