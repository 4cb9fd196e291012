"""Who does what, when: the streams of acts that make the estate live.

Each stream is a Poisson process on the simulated day (``profile.next_arrival``) that picks
who acts and hands the act to a device. The devices then talk to the hub over the broker
and the Modbus server; nothing here touches the hub directly.

=====================  =========================  =====================================================
stream                 rate at its peak           act
=====================  =========================  =====================================================
residents              0.4 × residents per hour   out through a gate reader, or home: gate, then unit door
cars                   0.45 × cars per hour       a resident's car out (mornings) or in (evenings)
visitors               10 per hour                registered by the guard, answered by the host (visitors.py); without
                                                  the visitors integration, a QR code at a gate or a car that leaves later
shopping               25 per hour per terminal   a charge to a resident's card
smart-home use         1.5 per hour per switch    a resident switches a plug or a light by hand
forced door            one per 6 hours            a door's contact opens with no unlock
propped door           one per 4 hours            a cleaner props a door open for minutes
barrier fault          one per 8 hours            a fault code; a technician resets it 10–40 minutes later
=====================  =========================  =====================================================
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .barrier import BarrierState, FaultCode
from .context import SimContext
from .estate import Estate, Resident
from .gates import Car, VehicleLane
from .plates import random_plate
from .pos import PosDevice
from .profile import CARS, RESIDENTS, SHOPPING, VISITORS, Profile, direction_out_share, next_arrival
from .readers import DoorReader
from .smart_home import SmartHomeDevice
from .visitors import VisitorDesk

ALWAYS: Profile = ((0, 1.0),)
#: Simulated seconds between a resident passing the gate and reaching their unit door.
GATE_TO_DOOR = (60.0, 240.0)
#: Simulated seconds a visitor's car stays.
VISIT = (20 * 60.0, 3 * 3600.0)
FAULT_REPAIR = (10 * 60.0, 40 * 60.0)


@dataclass(slots=True)
class Stream:
    """One Poisson stream of acts on the simulated day."""

    ctx: SimContext
    name: str
    profile: Profile
    peak_per_hour: float
    act: Callable[[], None]

    def start(self) -> None:
        delay = next_arrival(self.ctx.rng, self.ctx.sim, self.profile, self.peak_per_hour)
        if delay is not None:
            self.ctx.timers.later(self.ctx.sim.real_delay(delay), self._fire)

    def _fire(self) -> None:
        self.start()
        self.act()


@dataclass(slots=True)
class Traffic:
    ctx: SimContext
    estate: Estate
    readers: list[DoorReader]
    lanes: list[VehicleLane]
    pos: list[PosDevice]
    smart_home: list[SmartHomeDevice]
    visitors: VisitorDesk | None = None  # the hub runs visitors: they go through it
    inside: set[str] = field(default_factory=set)  # plates of the cars in the estate now
    _owners: dict[str, str] = field(default_factory=dict)
    _gates: list[DoorReader] = field(default_factory=list)
    _unit_doors: dict[tuple[int, int], DoorReader] = field(default_factory=dict)

    def start(self) -> None:
        ctx, estate = self.ctx, self.estate
        self._gates = [r for r in self.readers if r.reader.building is None]
        self._unit_doors = {(r.reader.building, r.reader.unit): r for r in self.readers  # type: ignore[misc]
                            if r.reader.building is not None}
        self._owners = {plate: home.id for home in estate.households for plate in home.vehicles}
        share_in = _share_inside(ctx.sim.now())
        self.inside = {plate for plate in self._owners if ctx.rng.random() < share_in}
        streams = [
            Stream(ctx, "residents", RESIDENTS, 0.4 * len(estate.residents), self.resident_moves),
            Stream(ctx, "cars", CARS, 0.45 * len(self._owners), self.resident_drives),
            Stream(ctx, "visitors", VISITORS, 10.0, self.visitor_comes),
            Stream(ctx, "forced door", ALWAYS, 1 / 6, self.force_door),
            Stream(ctx, "propped door", ALWAYS, 1 / 4, self.prop_door),
            Stream(ctx, "barrier fault", ALWAYS, 1 / 8, self.barrier_fault),
        ]
        # ignored: mypy cannot infer the type of a lambda with a default argument (python/mypy#15459)
        streams += [Stream(ctx, f"pos {d.terminal.id}", SHOPPING, 25.0, lambda d=d: self.shop(d))  # type: ignore[misc]
                    for d in self.pos]
        streams += [Stream(ctx, f"use {d.device.ident}", RESIDENTS, 1.5, lambda d=d: self.use(d))  # type: ignore[misc]
                    for d in self.smart_home if d.switchable]
        for stream in streams:
            stream.start()

    # --- people -----------------------------------------------------------------------

    def _present(self, reader: DoorReader, resident: Resident) -> None:
        if reader.reader.kind == "face" and self.ctx.rng.random() < 0.85:
            kind, value = "face", resident.face_id
        else:
            kind, value = "card", resident.card
        reader.present(kind, value, f"{resident.name} ({resident.household})")

    def resident_moves(self) -> None:
        """Out through a gate (a unit door opens from inside without a credential), or home:
        the gate, then a few minutes later the door of their own unit."""
        ctx = self.ctx
        if not self.estate.residents:
            return
        resident = ctx.rng.choice(self.estate.residents)
        home = self._unit_doors.get(_home_of(resident))
        leaving = ctx.rng.random() < direction_out_share(ctx.sim.now())
        if self._gates:
            self._present(ctx.rng.choice(self._gates), resident)
        if leaving or home is None:
            return
        if self._gates:
            walk = ctx.sim.real_delay(ctx.rng.uniform(*GATE_TO_DOOR))
            ctx.timers.later(walk, lambda: self._present(home, resident))
        else:
            self._present(home, resident)

    def visitor_comes(self) -> None:
        """Through the visitors integration when the hub runs it (visitors.py); else a QR code
        nobody issued at a gate, or a stranger's car that leaves later."""
        if self.visitors is not None and self.visitors.available:
            self.visitors.comes()
            return
        ctx = self.ctx
        if ctx.rng.random() < 0.6 and self._gates:
            code = f"VISIT-{ctx.rng.randrange(10**8):08d}"
            ctx.rng.choice(self._gates).present("qr", code, "a visitor")
            return
        plate = random_plate(ctx.rng, local=ctx.rng.random() < 0.6)
        if self._drive(Car(plate, "in", "visitor")):
            ctx.timers.later(ctx.sim.real_delay(ctx.rng.uniform(*VISIT)), lambda: self._drive(Car(plate, "out", "visitor")))

    def shop(self, terminal: PosDevice) -> None:
        if self.estate.residents:
            resident = self.ctx.rng.choice(self.estate.residents)
            terminal.charge(resident.name, resident.card)

    def use(self, device: SmartHomeDevice) -> None:
        device.press()
        self.ctx.log.act("home", "%s: switched %s by hand", device.device.name, "on" if device.on else "off")

    # --- cars -------------------------------------------------------------------------

    def resident_drives(self) -> None:
        ctx = self.ctx
        direction = "out" if ctx.rng.random() < direction_out_share(ctx.sim.now()) else "in"
        pool = sorted(self.inside if direction == "out" else set(self._owners) - self.inside)
        if not pool:
            return
        plate = ctx.rng.choice(pool)
        if self._drive(Car(plate, direction, f"resident {self._owners[plate]}")):
            (self.inside.discard if direction == "out" else self.inside.add)(plate)

    def _drive(self, car: Car) -> bool:
        lanes = [lane for lane in self.lanes if lane.serves(car.direction)]
        if not lanes:
            return False
        # Most cars use the main gate (the back gate takes one in five), and drivers who see
        # a queue tend to go round to another gate.
        weights = [(1.0 if lane.lane.transport == "modbus" else 0.25) / (1 + len(lane.queue)) ** 2 for lane in lanes]
        lane = self.ctx.rng.choices(lanes, weights)[0]
        if not lane.arrive(car):
            self.ctx.log.act("car", "%s: queue full, %s %s turns away", lane.lane.name, car.who, car.plate)
            return False
        return True

    # --- incidents --------------------------------------------------------------------

    def force_door(self) -> None:
        closed = [r for r in self.readers if not r.door_open]
        if closed:
            self.ctx.rng.choice(closed).force()

    def prop_door(self) -> None:
        units = [r for r in self.readers if r.reader.building is not None and not r.door_open]
        if units:
            self.ctx.rng.choice(units).prop_open()

    def barrier_fault(self) -> None:
        working = [lane for lane in self.lanes if lane.gate.state is not BarrierState.FAULT]
        if not working:
            return
        ctx = self.ctx
        lane = ctx.rng.choice(working)
        code = ctx.rng.choice([c for c in FaultCode if c is not FaultCode.NONE])
        lane.gate.fail(code)
        ctx.log.alarm("barrier_fault", "%s: barrier fault %d (%s)", lane.lane.name, int(code),
                      code.name.lower().replace("_", " "))
        ctx.timers.later(ctx.sim.real_delay(ctx.rng.uniform(*FAULT_REPAIR)), lambda: self._repair(lane))

    def _repair(self, lane: VehicleLane) -> None:
        if lane.gate.reset():
            self.ctx.log.act("barrier", "%s: a technician cleared the fault", lane.lane.name)


def _home_of(resident: Resident) -> tuple[int, int]:
    building, unit, _ = resident.household.split("-")
    return int(building), int(unit)


def _share_inside(moment: datetime) -> float:
    """How many residents' cars are parked inside at this time of day."""
    hour = moment.hour
    if hour >= 21 or hour < 7:
        return 0.85
    if 9 <= hour < 17:
        return 0.4
    return 0.6
