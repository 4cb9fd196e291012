"""The reference barrier controller's Modbus register map (docs/barrier.md, docs/simulator.md).

xiaoqu's own map, modelled on the conventions of real gate operators (CAME's: one command
coil per action with pulse semantics, the state as one enumerated register that tells moving
from resting, a fault code apart, a cycle counter; /work/notes/issue12/barrier.md): a
controller built to it needs no plugin. Everything that knows the addresses and codes is
here, so the driver (``modbus_gate.py``) only moves values.

======================  =======  ===========================================================
table                   address  meaning
======================  =======  ===========================================================
coil (write 1)          0        open
                        1        close (ignored while a car is on the loop)
                        2        stop
                        3        reset fault
discrete input          0-3      vehicle present, fully open, fully closed, fault
input register          0        state: 0 closed, 1 opening, 2 open, 3 closing, 4 stopped, 5 fault
                        1        fault code: 0 none, 1 motor overload, 2 encoder lost,
                                 3 arm breakaway, 4 loop detector
                        2        vehicle present (0/1)
                        3        arm position, percent open
                        4-5      cycle counter (uint32, high word first)
holding register        0        the controller's own auto-close delay, seconds (0: never)
======================  =======  ===========================================================

The hub reads the six input registers in one request and writes the command coils.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .const import BarrierState, Command

#: Momentary command coils: write 1, the controller acts and the coil reads 0 again.
COILS: Final = {Command.OPEN: 0, Command.CLOSE: 1, Command.STOP: 2}
COIL_RESET: Final = 3

#: The status block: input registers 0-5, read together.
STATUS_ADDRESS: Final = 0
STATUS_REGISTERS: Final = 6

STATES: Final = (BarrierState.CLOSED, BarrierState.OPENING, BarrierState.OPEN, BarrierState.CLOSING,
                 BarrierState.STOPPED, BarrierState.FAULT)
FAULTS: Final = {1: "motor overload", 2: "encoder lost", 3: "arm breakaway", 4: "loop detector fault"}


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of the status block, decoded."""

    state: BarrierState
    #: the fault in words (also when the state is not ``fault``: a code the controller keeps)
    fault: str | None
    fault_code: int
    vehicle_present: bool
    position: int
    cycles: int


def decode(registers: list[int]) -> Reading:
    """The six registers at :data:`STATUS_ADDRESS`. A state value outside the map is read as a
    fault: the controller says something the hub does not understand."""
    value, fault_code, vehicle, position, cycles_high, cycles_low = registers
    if 0 <= value < len(STATES):
        state = STATES[value]
        fault = FAULTS.get(fault_code, f"unknown fault code {fault_code}") if fault_code else None
    else:
        state, fault = BarrierState.FAULT, f"unknown state {value} in input register {STATUS_ADDRESS}"
    return Reading(state, fault, fault_code, bool(vehicle), min(position, 100), cycles_high << 16 | cycles_low)
