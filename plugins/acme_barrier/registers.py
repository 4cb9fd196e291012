"""Acme's AB-300 barrier controller, as its manual lays it out on Modbus.

Everything that knows Acme's addresses and codes lives here, so a controller with another
map (an AB-400, a rival's gate) means a new module like this one and nothing else.

The manual numbers coils and registers from 1 ("coil 00017", "holding register 40257"); a
Modbus request carries the address from 0. The constants below are wire addresses.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

from xiaoqu.integrations.barrier.const import BarrierState, Command

#: Momentary command coils: write 1, the controller acts and clears the coil.
COIL_OPEN = 16  # manual: coil 00017
COIL_CLOSE = 17  # manual: coil 00018
COIL_STOP = 18  # manual: coil 00019
#: The coil each of the barrier integration's commands pulses.
COMMAND_COILS = {Command.OPEN: COIL_OPEN, Command.CLOSE: COIL_CLOSE, Command.STOP: COIL_STOP}

#: Four holding registers read together: status, fault code, cycle counter (2 words).
REG_STATUS = 256  # manual: 40257
STATUS_REGISTERS = 4


class Status(IntFlag):
    """The status register's bits."""

    OPENING = 1 << 0
    OPEN = 1 << 1  # upper limit switch
    CLOSING = 1 << 2
    CLOSED = 1 << 3  # lower limit switch
    FAULT = 1 << 4
    VEHICLE = 1 << 5  # the loop detector sees a car


#: The fault-code register: high byte the part, low byte the problem.
FAULTS = {
    0x0101: "motor overcurrent",
    0x0102: "motor overheated",
    0x0201: "encoder error",
    0x0301: "arm breakaway",
    0x0401: "loop detector fault",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One poll of the status block, decoded."""

    state: BarrierState
    vehicle_present: bool
    fault_code: int
    cycles: int

    @property
    def fault(self) -> str | None:
        if not self.fault_code:
            return None
        return FAULTS.get(self.fault_code, f"unknown fault 0x{self.fault_code:04X}")


def decode(registers: list[int]) -> Reading:
    """Status, fault code and cycle counter from the four registers at :data:`REG_STATUS`.

    A fault outranks motion, motion outranks the limit switches; no bit at all means the
    arm was stopped between them. The cycle counter's low word comes first (Acme's choice).
    """
    status, fault_code, cycles_low, cycles_high = registers
    flags = Status(status & 0x3F)
    if Status.FAULT in flags:
        state = BarrierState.FAULT
    elif Status.OPENING in flags:
        state = BarrierState.OPENING
    elif Status.CLOSING in flags:
        state = BarrierState.CLOSING
    elif Status.OPEN in flags:
        state = BarrierState.OPEN
    elif Status.CLOSED in flags:
        state = BarrierState.CLOSED
    else:
        state = BarrierState.STOPPED
    return Reading(state, Status.VEHICLE in flags, fault_code, cycles_high << 16 | cycles_low)
