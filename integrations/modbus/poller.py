"""Polling: what to read, batched into as few requests as the protocol allows, on the hub's clock.

A ``Slot`` is one thing someone wants read every ``interval`` seconds: an entity's registers,
or a plugin's status word. Slots of one device and one interval share a ``Schedule``. On each
tick the schedule reads its slots table by table, merging slots whose addresses are adjacent
or near (at most ``Table.max_gap`` unwanted values between them, at most ``Table.max_read`` in
all) into one request, and hands each slot its part of the answer.

Some devices refuse a read that spans an address they do not have (illegal data address) or
that is longer than they support (illegal data value). When a merged read is refused that
way, its slots are marked ``solo`` and read one by one from then on: only the slot that is
really wrong stays unavailable.

Ticks come from ``hub.clock`` (a ``ManualClock`` in tests moves them), every ``interval``
from the first poll; each poll runs as a tracked task, so ``await hub.block_till_done()``
waits for it. The next tick is armed when a poll ends, so polls never pile up behind a slow
device: a schedule whose poll takes longer than its interval is polled back to back.
A device that does not answer is probed with the schedule's first read only; the rest of the
schedule waits for it to answer again.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .const import Table
from .errors import ModbusError, ModbusExceptionResponse, ModbusNoResponse, describe

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

    from .hub import ModbusHub

_LOGGER = logging.getLogger(__name__)

SPLIT_ON_EXCEPTIONS = frozenset({2, 3})
"""Illegal data address / illegal data value: a merged read may be what the device refuses."""

Values = Sequence[int] | Sequence[bool]


@dataclass(eq=False)
class Slot:
    """Read ``count`` values of ``table`` from ``address`` of ``device_id`` every ``interval`` s."""

    device_id: int
    table: Table
    address: int
    count: int
    interval: float
    on_data: Callable[[Values], Any]
    """Called with exactly ``count`` values (registers as ints, coils and inputs as bools)."""
    on_error: Callable[[ModbusError], Any]
    """Called when the values could not be read; the slot's consumer becomes unavailable."""
    solo: bool = False
    """Read alone: a merged read including it was refused."""

    @property
    def end(self) -> int:
        return self.address + self.count


@dataclass(eq=False)
class Block:
    """One read request covering one or more slots."""

    table: Table
    address: int
    count: int
    slots: list[Slot]


def plan(slots: Iterable[Slot]) -> list[Block]:
    """The fewest reads covering ``slots`` (of one device), within the protocol's limits."""
    blocks: list[Block] = []
    by_table: dict[Table, list[Slot]] = {}
    for slot in slots:
        by_table.setdefault(slot.table, []).append(slot)
    for table, members in sorted(by_table.items()):
        current: Block | None = None
        for slot in sorted(members, key=lambda s: (s.address, s.count)):
            if current is not None and _fits(current, slot):
                current.count = max(current.address + current.count, slot.end) - current.address
                current.slots.append(slot)
            else:
                current = Block(table, slot.address, slot.count, [slot])
                blocks.append(current)
    return blocks


def _fits(block: Block, slot: Slot) -> bool:
    if slot.solo or any(s.solo for s in block.slots):
        return False
    end = block.address + block.count
    return slot.address - end <= block.table.max_gap and max(end, slot.end) - block.address <= block.table.max_read


@dataclass(eq=False)
class Schedule:
    """The slots of one device polled at one interval."""

    device_id: int
    interval: float
    slots: list[Slot] = field(default_factory=list)
    blocks: list[Block] | None = None
    """The current plan; None when the slots changed since it was made."""
    due: float = 0.0
    """When the current (or last) regular poll was due, on the hub's clock."""
    timer: TimerHandle | None = None
    """The next regular poll; None while a regular poll runs (it arms the next when done)."""
    polling: bool = False
    again: bool = False
    """Poll once more when the running poll ends (a write changed what it read)."""

    def plan(self) -> list[Block]:
        if self.blocks is None:
            self.blocks = plan(self.slots)
        return self.blocks


class Poller:
    """Every schedule of one Modbus hub."""

    def __init__(self, hub: Hub, modbus: ModbusHub) -> None:
        self._hub = hub
        self._modbus = modbus
        self._schedules: dict[tuple[int, float], Schedule] = {}
        self._running = False

    def add(self, slot: Slot) -> Callable[[], None]:
        """Start polling ``slot`` (at once when the poller runs); returns a function that stops it."""
        key = (slot.device_id, slot.interval)
        schedule = self._schedules.get(key)
        new = schedule is None
        if schedule is None:
            schedule = self._schedules[key] = Schedule(slot.device_id, slot.interval)
        schedule.slots.append(slot)
        schedule.blocks = None
        if self._running:  # the poll task starts later, so slots added together are read together
            if new:
                self._start(schedule)
            else:
                self._poll_now(schedule, again=True)

        def remove() -> None:
            if slot in schedule.slots:
                schedule.slots.remove(slot)
                schedule.blocks = None
            if not schedule.slots and self._schedules.get(key) is schedule:
                del self._schedules[key]
                if schedule.timer is not None:
                    schedule.timer.cancel()

        return remove

    def start(self) -> None:
        """Poll every schedule now, then every ``interval`` seconds of the hub's clock."""
        self._running = True
        for schedule in self._schedules.values():
            self._start(schedule)

    def stop(self) -> None:
        self._running = False
        for schedule in self._schedules.values():
            if schedule.timer is not None:
                schedule.timer.cancel()
                schedule.timer = None

    def _start(self, schedule: Schedule) -> None:
        schedule.due = self._hub.clock.time()
        self._poll_now(schedule, again=False)

    def _active(self, schedule: Schedule) -> bool:
        """Still to be polled: the poller runs and the schedule was not removed."""
        return self._running and self._schedules.get((schedule.device_id, schedule.interval)) is schedule

    def _tick(self, schedule: Schedule) -> None:
        schedule.timer = None
        if self._active(schedule):
            self._poll_now(schedule, again=False)  # a refresh poll running now stands in for it

    def _arm(self, schedule: Schedule) -> None:
        """After a regular poll: the next one ``interval`` after this one was due, or at once
        if this one took longer than that (a line too slow for its load never piles polls up)."""
        clock = self._hub.clock
        schedule.due = max(schedule.due + schedule.interval, clock.time())
        schedule.timer = clock.call_at(schedule.due, lambda: self._tick(schedule))

    def refresh(self, device_id: int, table: Table | None = None, address: int = 0, count: int = 65536,
                *, again: bool = True) -> None:
        """Poll now the schedules of ``device_id`` that read any of ``table`` ``address``..+``count``.

        ``again``: a schedule that is polling right now polls once more after it (its read may
        predate the change); otherwise it is left alone.
        """
        if not self._running:
            return
        end = address + count
        for schedule in list(self._schedules.values()):
            if schedule.device_id != device_id:
                continue
            if table is None or any(s.table == table and s.address < end and address < s.end for s in schedule.slots):
                self._poll_now(schedule, again=again)

    def fail_device(self, device_id: int, error: ModbusError) -> None:
        """The device stopped answering: every slot of it gets the error."""
        for schedule in self._schedules.values():
            if schedule.device_id == device_id:
                for slot in schedule.slots:
                    _deliver_error(slot, error)

    def _poll_now(self, schedule: Schedule, *, again: bool) -> None:
        if schedule.polling:
            schedule.again = schedule.again or again
            return
        schedule.polling = True
        self._hub.create_task(self._poll(schedule),
                              name=f"modbus poll {self._modbus.name}/{schedule.device_id}/{schedule.interval:g}s")

    async def _poll(self, schedule: Schedule) -> None:
        try:
            while True:
                schedule.again = False
                for block in schedule.plan():
                    if not await self._read(schedule, block):
                        break
                if not schedule.again or not self._running:
                    return
        finally:
            schedule.polling = False
            if schedule.timer is None and self._active(schedule):
                self._arm(schedule)

    async def _read(self, schedule: Schedule, block: Block) -> bool:
        """Read one block and hand out its values; False when the device did not answer."""
        try:
            values = await self._modbus.read(block.table, schedule.device_id, block.address, block.count)
        except ModbusNoResponse:
            return False  # the hub reported it and failed every slot of the device
        except ModbusExceptionResponse as err:
            if len(block.slots) > 1 and err.code in SPLIT_ON_EXCEPTIONS:
                self._split(schedule, block, err)
                for single in plan(block.slots):
                    if not await self._read(schedule, single):
                        return False
            else:
                for slot in block.slots:
                    _deliver_error(slot, err)
            return True
        except ModbusError as err:  # an answer that does not fit the request
            for slot in block.slots:
                _deliver_error(slot, err)
            return True
        for slot in block.slots:
            start = slot.address - block.address
            _deliver(slot, values[start:start + slot.count])
        return True

    def _split(self, schedule: Schedule, block: Block, err: ModbusExceptionResponse) -> None:
        _LOGGER.info(
            "modbus hub '%s', device %d refused one read of %s (%s); reading them one by one from now on",
            self._modbus.name, schedule.device_id,
            describe(block.table.description, block.address, block.count), err.reason,
        )
        for slot in block.slots:
            slot.solo = True
        schedule.blocks = None


def _deliver(slot: Slot, values: Values) -> None:
    try:
        slot.on_data(values)
    except Exception:  # one consumer's bug must not stop the others' updates
        _LOGGER.exception("Error handling modbus values for %s", slot)


def _deliver_error(slot: Slot, error: ModbusError) -> None:
    try:
        slot.on_error(error)
    except Exception:
        _LOGGER.exception("Error handling a modbus error for %s", slot)
