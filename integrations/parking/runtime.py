"""Setting parking up in the hub, and finding it (``get_parking``).

Set-up builds the lots, lanes and passes from config, opens ``parking.db`` and the ledger,
registers each entry lane with access as a vehicle gate (so THE decision can be asked for
it), adds a free-spaces sensor per lot, and listens for ``plate_read`` (lpr) and
``payment_received`` (payments). When the hub has started it publishes the displays'
guidance, says which lanes name a barrier or a camera the hub does not have, and runs the
day's pass reminders and the purge of old sessions (again every day at 09:00).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.clock import TimerHandle
from xiaoqu.core.const import EVENT_HUB_START
from xiaoqu.core.errors import HubError
from xiaoqu.core.hub_data import HubKey
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.access.const import VEHICLE
from xiaoqu.integrations.lpr import EVENT_PLATE_READ, get_lpr
from xiaoqu.integrations.payments import EVENT_PAYMENT_RECEIVED
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.visitors import get_visitors

from .admission import EntryRules
from .books import Books
from .const import DATA_PARKING, DOMAIN, IN, TABLE_LOTS, TABLE_REMINDERS, TABLE_SESSIONS
from .displays import Displays
from .entity import FreeSpaces
from .models import Lane, Lot
from .occupancy import Count, Occupancy
from .parking import Parking
from .passes import Reminders, passes_from
from .sessions import Sessions
from .store import ParkingStore

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.visitors import VisitPlate

_LOGGER = logging.getLogger(__package__)
#: What set-up started, undone when the hub stops.
_UNDO: Final[HubKey[list[Callable[[], Any]]]] = HubKey(f"{DOMAIN}.undo")


async def set_up(hub: Hub, config: dict[str, Any]) -> Parking:
    assert hub.config.data_dir is not None
    tz = hub.clock.tz
    lots = {conf["id"]: Lot.from_config(conf, tz) for conf in config["lots"]}
    lanes = {conf["id"]: Lane.from_config(conf) for conf in config["lanes"]}
    passes = passes_from(config["passes"], tz)
    store = ParkingStore(hub.config.data_dir)
    tables = await store.open()
    books = Books(hub.config.data_dir, hub.clock.time)
    try:
        await books.open()
    except BaseException:
        await store.close()
        raise
    sessions = Sessions(store, tz)
    sessions.load(tables[TABLE_SESSIONS])
    for session in sessions.by_id.values():
        session.paid_fen = books.paid(session.id)  # the ledger is the truth; a lost row write is made good
    occupancy = Occupancy(lots, _counts(sessions, lots, dict(tables[TABLE_LOTS])))
    displays = Displays(hub, list(lanes.values()), config["show_seconds"])
    access = get_access(hub)
    rules = EntryRules(access, get_residents(hub), sessions, passes, _visit_of(hub))
    parking = hub.data[DATA_PARKING] = Parking(hub, config, rules, sessions, books, occupancy, displays, lots, lanes,
                                               passes)
    for lane in lanes.values():
        if lane.direction == IN:
            access.register_door(lane.id, VEHICLE, lane.lot, name=lane.name)
    sensors = [FreeSpaces(count) for count in occupancy.counts.values()]
    await hub.entities.add(DOMAIN, sensors)

    def changed(count: Count) -> None:
        hub.create_task(store.save_lot(count.lot.id, count.as_doc()), name=f"parking: count of {count.lot.id}")

    occupancy.listeners += [*(sensor.changed for sensor in sensors), displays.guidance, changed]
    reminders = Reminders(hub, passes.values(), config["pass_reminder_days"], store,
                          (key for key, _doc in tables[TABLE_REMINDERS]))
    daily = _Daily(hub, parking, reminders, config["keep_days"])
    hub.data[_UNDO] = [hub.bus.listen(EVENT_PLATE_READ, parking.on_plate_read),
                       hub.bus.listen(EVENT_PAYMENT_RECEIVED, parking.on_payment_received),
                       hub.bus.listen_once(EVENT_HUB_START, daily.start), daily.stop, books.close, store.close]
    return parking


def _visit_of(hub: Hub) -> Callable[[str], VisitPlate | None] | None:
    """visitors' ``plate_status`` where visitors is set up (before parking: ``after_dependencies``)."""
    try:
        return get_visitors(hub).plate_status
    except HubError:
        return None


def _counts(sessions: Sessions, lots: dict[str, Lot], stored: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The stored counts; a lot never counted starts from the sessions open in it."""
    counts = dict(stored)
    for lot in lots:
        if lot not in counts:
            inside = [s for s in sessions.by_id.values() if s.open and s.lot == lot and s.counted]
            counts[lot] = {"occupied": len(inside), "temporary": sum(s.temporary_space for s in inside)}
    return counts


class _Daily:
    """At the hub's start and each day at 09:00: the guidance shown, pass reminders, old sessions dropped."""

    def __init__(self, hub: Hub, parking: Parking, reminders: Reminders, keep_days: int) -> None:
        self.hub = hub
        self.parking = parking
        self.reminders = reminders
        self.keep = timedelta(days=keep_days).total_seconds()
        self._timer: TimerHandle | None = None

    async def start(self, _event: Event) -> None:
        for count in self.parking.occupancy.counts.values():
            self.parking.displays.guidance(count)
        _check_devices(self.hub, self.parking)
        await self.run()

    async def run(self) -> None:
        self._timer = self.hub.clock.call_at(self.reminders.next_run(self.hub.clock.time()), self._tick)
        await self.reminders.remind()
        dropped = await self.parking.sessions.purge(self.hub.clock.time() - self.keep)
        if dropped:
            _LOGGER.info("Parking: %d sessions older than the %d days kept were dropped", dropped, self.keep // 86_400)

    def _tick(self) -> None:
        self.hub.create_task(self.run(), name="parking: the day's reminders")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _check_devices(hub: Hub, parking: Parking) -> None:
    """Say which lanes name a barrier or a camera this hub does not have (they cannot work)."""
    cameras = get_lpr(hub).cameras
    for lane in parking.lanes.values():
        if hub.entities.get(lane.barrier) is None:
            _LOGGER.error("Parking lane %s: there is no barrier %s; no car can be let through it", lane.id, lane.barrier)
        if lane.camera not in cameras:
            _LOGGER.error("Parking lane %s: camera %s is not one of lpr's cameras (lpr: cameras:); no read reaches it",
                          lane.id, lane.camera)


async def tear_down(hub: Hub) -> None:
    hub.data.pop(DATA_PARKING, None)
    for undo in reversed(hub.data.pop(_UNDO, [])):
        result = undo()
        if result is not None:
            await result


def get_parking(hub: Hub) -> Parking:
    """The hub's parking; raises if the parking integration is not set up."""
    parking = hub.data.get(DATA_PARKING)
    if parking is None:
        raise HubError("parking is not set up on this hub (see the log for why)")
    return parking
