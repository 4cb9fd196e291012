"""Visitors as a site with the visitors integration sees them (docs/visitors.md): registered by
the guard, answered by the host's app over MQTT, let in on the pass the host was sent.

1. **The guard registers the visitor** at the booth: ``visitors.register`` (the one service the
   simulator calls, as the guard on duty would through the dashboard: the hub's own call, its
   context naming the guard) with a name, a phone, a household, for :data:`PLATE_SHARE` of them
   a plate, a purpose of ``visitors: purposes`` and a ``leave_by`` 20 minutes to 3 hours of
   simulated time ahead (a purpose's ``max_stay`` at most).
2. **The host answers from their app**, over MQTT like a household's: the request arrives on
   ``household/<id>/visitors/request``; a few simulated seconds later the app publishes
   ``{"accept": true}`` (:data:`ACCEPT`), ``false`` (:data:`REFUSE`) or nothing on
   ``household/<id>/visitors/<visit>/answer``, QoS 1, not retained. The apps share one connection
   with the simulator's broker account (the demo's broker has no household accounts).
3. **On foot** the visitor shows the token of ``household/<id>/visitors/<visit>/pass`` as a QR
   code at a pedestrian gate of the pass's doors (not an exit), and at the host's unit entrance
   when the pass opens it; leaving, at an exit (``visitors: exits``).
4. **By car** the visitor waits at the booth, off the lane, and drives onto the entry lane only
   once the host accepted (parking lets the car in on its visitor's permission); refused, the
   driver turns round without entering. Leaving, the car goes out through the exit lane.
5. A refused visitor is turned away by the guard; one whose host never answers gives up after a
   few minutes (the visit expires at its ``leave_by``). :data:`OVERSTAY_SHARE` of the admitted
   stay past their ``leave_by`` on purpose.

Every step is an act of kind ``visitors`` in the act log (names, phones and plates masked as
visitors masks them).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError
from xiaoqu.core.masking import mask_name, mask_plate
from xiaoqu.core.validation import time_period, vol

from .estate import GIVEN, SURNAMES, Household
from .gates import Car, VehicleLane
from .link import Broker, DeviceConnection
from .plates import random_plate
from .readers import DoorReader

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .context import SimContext
    from .estate import StaffMember

_LOGGER = logging.getLogger(__name__)

#: The integration whose presence in the config sends visitors through it.
VISITORS = "visitors"
#: A visit's longest stay when config.yaml names none (the visitors integration's default).
DEFAULT_MAX_STAY = timedelta(hours=24)
#: Visitors who come by car (the rest on foot).
PLATE_SHARE = 0.4
#: The host's app accepts, refuses; the rest never answer.
ACCEPT, REFUSE = 0.8, 0.1
#: Simulated seconds the host takes to answer from the app.
ANSWER_AFTER = (5.0, 60.0)
#: Simulated seconds a visitor waits at the booth for an answer before giving up.
PATIENCE = (5 * 60.0, 15 * 60.0)
#: Simulated seconds from registration to ``leave_by``.
STAY = (20 * 60.0, 3 * 3600.0)
#: Of the time until ``leave_by``, the share after which a visitor on time leaves.
ON_TIME = (0.4, 0.9)
#: Visitors who stay past their ``leave_by``, and by how many simulated seconds.
OVERSTAY_SHARE = 0.08
OVERSTAY = (10 * 60.0, 45 * 60.0)
#: Simulated seconds from the booth to the gate, and from the gate to the host's unit entrance.
TO_GATE = (10.0, 60.0)
TO_DOOR = (60.0, 240.0)
#: Simulated seconds before a driver facing a full queue tries again.
RETRY = 60.0


@dataclass(slots=True)
class Guest:
    """One visitor, from the booth to leaving."""

    name: str
    phone: str
    household: str
    purpose: str
    plate: str | None
    stay: float  # simulated seconds until leave_by
    leave_after: float  # simulated seconds after registration they leave (past ``stay``: an overstay)
    visit_id: str | None = None
    state: str = "waiting"  # waiting, admitted, gone
    token: str | None = None

    @property
    def who(self) -> str:
        how = f"by car {mask_plate(self.plate)}" if self.plate else "on foot"
        return f"visitor {mask_name(self.name)} ({how}) for {self.household}"


def household_apps(hub: Hub, broker: Broker) -> DeviceConnection:
    """The households' apps: one connection with the simulator's broker account."""
    return DeviceConnection(hub, broker, f"xiaoqu-sim-household-apps-{hub.config.site}")


class VisitorDesk:
    """The guard's booth and the hosts' apps: visitors through the visitors integration."""

    def __init__(self, ctx: SimContext, apps: DeviceConnection, households: list[Household], staff: list[StaffMember],
                 readers: list[DoorReader], lanes: list[VehicleLane]) -> None:
        self.ctx = ctx
        self.apps = apps
        self.households = [home for home in households if home.residents]
        self.guards = [member for member in staff if member.department == "保安部"]
        self.readers = readers
        self.lanes = lanes
        self.guests: dict[str, Guest] = {}
        self.registered = 0
        root = f"{ctx.root}/household/+/visitors"
        apps.subscribe(f"{root}/request", self._on_request)
        apps.subscribe(f"{root}/+/status", self._on_status)
        apps.subscribe(f"{root}/+/pass", self._on_pass)

    # --- the configuration ---------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any] | None:
        """What the booth knows of ``visitors:`` in config.yaml (its purposes, their limits, the
        exits), as the guard's form shows it; None without the section."""
        raw = self.ctx.hub.config.raw.get(VISITORS)
        if VISITORS not in self.ctx.hub.config.raw:
            return None
        section = raw if isinstance(raw, dict) else {}
        purposes = section.get("purposes") or {"visit": {}}
        default = _period(section.get("max_stay"), DEFAULT_MAX_STAY)
        return {"purposes": {str(name): _period((spec or {}).get("max_stay"), default)
                             for name, spec in purposes.items()},
                "exits": [str(door) for door in section.get("exits") or ()]}

    @property
    def available(self) -> bool:
        return bool(self.households) and self.ctx.hub.services.has(VISITORS, "register")

    # --- 1. the guard registers the visitor ----------------------------------------------

    def comes(self) -> None:
        """A visitor at the booth: drawn, then registered by the guard."""
        config = self.config
        if config is None or not self.households:
            return
        ctx, rng = self.ctx, self.ctx.rng
        purpose = rng.choice(sorted(config["purposes"]))
        most: timedelta = config["purposes"][purpose]
        # The hub checks leave_by on its own clock: the stay in simulated time, at most the
        # purpose's limit in either.
        limit = min(most.total_seconds(), most.total_seconds() * ctx.sim.speed) - 60.0
        stay = max(60.0, min(rng.uniform(*STAY), limit))
        if rng.random() < OVERSTAY_SHARE:
            leave_after = stay + rng.uniform(*OVERSTAY)
        else:
            leave_after = stay * rng.uniform(*ON_TIME)
        plate = random_plate(rng, local=rng.random() < 0.6) if rng.random() < PLATE_SHARE else None
        guest = Guest(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                      "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
                      rng.choice(self.households).id, purpose, plate, stay, leave_after)
        ctx.hub.create_task(self._register(guest), name="simulator: a visitor registered")

    def _guard(self) -> str:
        """The guard on duty now, by name (the one whose crew's shift covers the simulated hour)."""
        now = self.ctx.sim.now().time()
        on_duty = [m for m in self.guards if (m.starts <= now < m.ends if m.starts < m.ends
                                              else now >= m.starts or now < m.ends)]
        return f"guard {on_duty[0].name}" if on_duty else "the guard"

    async def _register(self, guest: Guest) -> None:
        ctx = self.ctx
        guard = self._guard()
        leave_by = ctx.hub.clock.time() + ctx.sim.real_delay(guest.stay)
        data: dict[str, Any] = {"name": guest.name, "phone": guest.phone, "host_household": guest.household,
                                "purpose": guest.purpose,
                                "leave_by": datetime.fromtimestamp(leave_by, ctx.hub.clock.tz).isoformat()}
        if guest.plate is not None:
            data["plate"] = guest.plate
        try:
            answer = await ctx.hub.services.call(VISITORS, "register", data, return_response=True,
                                                 context=Context(source=f"simulator: {guard}"))
        except HubError as err:
            ctx.log.act("visitors", "Booth: %s could not register %s: %s", guard, guest.who, err)
            return
        assert answer is not None
        guest.visit_id = visit_id = str(answer["visit_id"])
        self.guests[visit_id] = guest
        self.registered += 1
        until = datetime.fromtimestamp(ctx.sim.time() + guest.stay, ctx.hub.clock.tz)
        ctx.log.act("visitors", "Booth: %s registers %s (%s, %s) until %s", guard, guest.who, guest.purpose,
                    visit_id, until.strftime("%H:%M"))
        ctx.timers.later(ctx.sim.real_delay(ctx.rng.uniform(*PATIENCE)), lambda: self._gives_up(visit_id))

    def _gives_up(self, visit_id: str) -> None:
        guest = self.guests.get(visit_id)
        if guest is not None and guest.state == "waiting":
            guest.state = "gone"
            del self.guests[visit_id]
            self.ctx.log.act("visitors", "Booth: %s waited in vain for the host's answer and leaves", guest.who)

    # --- 2. the host answers from the app ------------------------------------------------

    def _on_request(self, topic: str, payload: bytes) -> None:
        """A household is asked (by the simulated guard or by staff on the dashboard): its app answers."""
        visit_id = json_object(payload).get("visit_id")
        if not isinstance(visit_id, str):
            return
        household = topic.split("/")[-3]  # .../household/<id>/visitors/request
        ctx = self.ctx
        draw = ctx.rng.random()
        if draw >= ACCEPT + REFUSE:
            return  # the host does not answer: the visitor waits, then gives up
        accept = draw < ACCEPT
        topic = f"{ctx.root}/household/{household}/visitors/{visit_id}/answer"
        ctx.timers.later(ctx.sim.real_delay(ctx.rng.uniform(*ANSWER_AFTER)),
                         lambda: self.apps.publish(topic, {"accept": accept}, qos=1, retain=False))

    def _on_status(self, _topic: str, payload: bytes) -> None:
        data = json_object(payload)
        guest = self.guests.get(str(data.get("visit_id")))
        if guest is None or guest.state != "waiting" or data.get("step") != "answered":
            return
        ctx = self.ctx
        if data.get("status") == "refused":
            guest.state = "gone"
            self.guests.pop(str(data.get("visit_id")), None)
            if guest.plate:
                ctx.log.act("visitors", "Booth: the host refused; %s turns round without entering", guest.who)
            else:
                ctx.log.act("visitors", "Booth: the host refused; the guard turns %s away", guest.who)
        elif data.get("status") == "confirmed":
            guest.state = "admitted"
            ctx.log.act("visitors", "Booth: the host let %s in", guest.who)
            assert guest.visit_id is not None
            visit_id = guest.visit_id
            ctx.timers.later(ctx.sim.real_delay(guest.leave_after), lambda: self._leaves(visit_id))
            if guest.plate:
                self._drive(Car(guest.plate, "in", "visitor"))

    # --- 3. on foot: the pass at the gates -----------------------------------------------

    def _on_pass(self, _topic: str, payload: bytes) -> None:
        data = json_object(payload)
        guest = self.guests.get(str(data.get("visit_id")))
        token = data.get("token")
        if guest is None or not isinstance(token, str):
            return
        guest.token = token
        if guest.plate or guest.state != "admitted":
            return  # a driver's car is let in on its plate
        doors = {str(door) for door in data.get("doors") or ()}
        exits = set(self._exits())
        gates = [r for r in self.readers if r.reader.building is None and r.reader.id in doors - exits]
        unit = next((r for r in self.readers if r.reader.building is not None and r.reader.id in doors), None)
        if not gates:
            self.ctx.log.act("visitors", "Booth: %s holds a pass for no pedestrian gate (%s)", guest.who,
                             ", ".join(sorted(doors)) or "no doors")
            return
        ctx = self.ctx
        gate = ctx.rng.choice(gates)
        walk = ctx.sim.real_delay(ctx.rng.uniform(*TO_GATE))
        ctx.timers.later(walk, lambda: gate.present("qr", token, guest.who))
        if unit is not None:
            walk += ctx.sim.real_delay(ctx.rng.uniform(*TO_DOOR))
            ctx.timers.later(walk, lambda: unit.present("qr", token, guest.who))

    def _exits(self) -> list[str]:
        config = self.config
        return list(config["exits"]) if config is not None else []

    # --- leaving -------------------------------------------------------------------------

    def _leaves(self, visit_id: str) -> None:
        guest = self.guests.pop(visit_id, None)
        if guest is None or guest.state != "admitted":
            return
        guest.state = "gone"
        ctx = self.ctx
        late = guest.leave_after > guest.stay
        if late:
            ctx.log.act("visitors", "%s leaves %d min after their leave-by", guest.who,
                        int((guest.leave_after - guest.stay) // 60))
        if guest.plate:
            self._drive(Car(guest.plate, "out", "visitor"))
            return
        exits = [r for r in self.readers if r.reader.id in self._exits()]
        if exits and guest.token is not None:
            ctx.rng.choice(exits).present("qr", guest.token, guest.who)
        elif not late:
            ctx.log.act("visitors", "%s walks out (no exit reader to show the pass to)", guest.who)

    # --- cars ----------------------------------------------------------------------------

    def _drive(self, car: Car) -> None:
        """Onto the main gate's lane for ``car.direction`` (one with a camera); a full queue: again later."""
        lanes = [lane for lane in self.lanes if lane.lane.direction == car.direction and lane.lane.camera]
        if not lanes:
            return
        lane = min(lanes, key=lambda candidate: len(candidate.queue))
        if not lane.arrive(car):
            self.ctx.log.act("visitors", "%s: queue full, visitor %s waits", lane.lane.name, mask_plate(car.plate))
            self.ctx.timers.later(self.ctx.sim.real_delay(RETRY), lambda: self._drive(car))


def _period(value: Any, default: timedelta) -> timedelta:
    """A ``max_stay`` of config.yaml (``{hours: 4}``), or ``default``; visitors checked it at set-up."""
    if value is None:
        return default
    try:
        return time_period(value)
    except vol.Invalid:
        return default


def json_object(payload: bytes) -> dict[str, Any]:
    """A message's JSON object; {} for anything else (an app ignores what it cannot read)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
