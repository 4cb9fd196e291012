"""Batching: which slots share a read, within the protocol's limits."""
from __future__ import annotations

from xiaoqu.integrations.modbus.const import Table
from xiaoqu.integrations.modbus.poller import Slot, plan


def slot(address: int, count: int = 1, table: Table = Table.HOLDING, solo: bool = False) -> Slot:
    return Slot(1, table, address, count, 10, lambda values: None, lambda err: None, solo=solo)


def reads(*slots: Slot) -> list[tuple[str, int, int]]:
    return [(str(b.table), b.address, b.count) for b in plan(slots)]


def test_adjacent_and_near_registers_share_a_read():
    assert reads(slot(10), slot(11, 2), slot(13)) == [("holding", 10, 4)]
    assert reads(slot(10), slot(19)) == [("holding", 10, 10)], "a gap of 8 is bridged"
    assert reads(slot(10), slot(20)) == [("holding", 10, 1), ("holding", 20, 1)], "a gap of 9 is not"


def test_overlapping_slots_are_read_once():
    assert reads(slot(0, 4), slot(1), slot(2, 2)) == [("holding", 0, 4)]


def test_tables_are_never_mixed():
    assert reads(slot(0), slot(1, table=Table.INPUT), slot(2, table=Table.COIL)) == [
        ("coil", 2, 1), ("holding", 0, 1), ("input", 1, 1)]


def test_a_read_stays_within_125_registers_and_2000_bits():
    assert reads(*(slot(a) for a in range(0, 130))) == [("holding", 0, 125), ("holding", 125, 5)]
    coils = [slot(a, table=Table.COIL) for a in range(0, 2100, 50)]
    assert reads(*coils) == [("coil", 0, 1951), ("coil", 2000, 51)]


def test_solo_slots_are_read_alone():
    assert reads(slot(0), slot(1, solo=True), slot(2)) == [
        ("holding", 0, 1), ("holding", 1, 1), ("holding", 2, 1)]
