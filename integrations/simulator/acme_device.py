"""The simulated estate's one gate from Acme: the AB-300 barrier controller's register map.

Acme lays its controller out differently from the reference map (this is the device the
vendor plugin example ``plugins/acme_barrier`` talks to; its README has the manual's table):

=================  ==========  ============================================================
table              address     meaning
=================  ==========  ============================================================
coil (write 1)     16 (0x10)   open
                   17 (0x11)   close
                   18 (0x12)   stop
holding register   256         status bits: 0 opening, 1 open, 2 closing, 3 closed, 4 fault,
                   (0x100)     5 vehicle on the loop (read-only)
                   257         fault code: 0x0000 none, 0x0101 motor overcurrent,
                               0x0201 encoder error, 0x0301 arm breakaway, 0x0401 loop fault
                   258–259     cycle counter, uint32, low word first (read-only)
=================  ==========  ============================================================

Acme's manual numbers from 1 ("coil 00017", "register 40257"); the addresses above are what
goes on the wire. No input registers: reading one is an illegal data address.
"""
from __future__ import annotations

from pymodbus.simulator import DataType, SimData

from .barrier import BarrierGate, BarrierState, FaultCode
from .modbus_server import READ_COILS, READ_HOLDING, WRITE_COILS, bits

COIL_OPEN, COIL_CLOSE, COIL_STOP = 16, 17, 18
REG_STATUS = 256
REGISTERS = 4

FAULT_CODES = {
    FaultCode.NONE: 0x0000,
    FaultCode.MOTOR_OVERLOAD: 0x0101,
    FaultCode.ENCODER_LOST: 0x0201,
    FaultCode.ARM_BREAKAWAY: 0x0301,
    FaultCode.LOOP_DETECTOR: 0x0401,
}


class AcmeMap:
    name = "Acme AB-300"

    def tables(self) -> tuple[list[SimData], list[SimData], list[SimData], list[SimData]]:
        return (
            [SimData(COIL_OPEN, count=16, values=False, datatype=DataType.BITS)],
            [SimData(0, count=16, values=False, datatype=DataType.BITS, readonly=True)],  # none wired
            [SimData(REG_STATUS, count=REGISTERS, values=0, datatype=DataType.REGISTERS, readonly=True)],
            [SimData(0, datatype=DataType.INVALID)],
        )

    def access(self, gate: BarrierGate, func_code: int, address: int, registers: list[int],
               values: list[int] | list[bool] | None) -> None:
        if func_code == READ_HOLDING:
            state = gate.state
            registers[:REGISTERS] = [
                bits(state is BarrierState.OPENING, state is BarrierState.OPEN, state is BarrierState.CLOSING,
                     state is BarrierState.CLOSED, state is BarrierState.FAULT, gate.vehicle_present),
                FAULT_CODES[gate.fault_code],
                gate.cycles & 0xFFFF,
                (gate.cycles >> 16) & 0xFFFF,
            ]
        elif func_code == READ_COILS:
            registers[0] = 0  # commands were consumed when written
        elif func_code in WRITE_COILS and values is not None:
            commands = {COIL_OPEN: gate.open, COIL_CLOSE: gate.close, COIL_STOP: gate.stop}
            for offset, value in enumerate(values):
                if value and (command := commands.get(address + offset)) is not None:
                    command()
