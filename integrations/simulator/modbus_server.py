"""The barrier gates' controllers as one real Modbus TCP server, one unit id per barrier.

The hub's modbus integration polls and commands these exactly as it would a gate on the
estate's RS-485-to-TCP converter. The register map (also in docs/simulator.md):

======================  =======  ===========================================================
table                   address  meaning
======================  =======  ===========================================================
coil (write 1)          0        open
                        1        close (ignored while a car is on the loop)
                        2        stop
                        3        reset fault
discrete input          0        vehicle present (loop detector)
                        1        fully open (limit switch)
                        2        fully closed (limit switch)
                        3        fault
input register          0        state: 0 closed, 1 opening, 2 open, 3 closing, 4 stopped, 5 fault
                        1        fault code: 0 none, 1 motor overload, 2 encoder lost,
                                 3 arm breakaway, 4 loop detector
                        2        vehicle present (0/1)
                        3        arm position, percent open
                        4–5      cycle counter (uint32, high word first)
holding register        0        auto-close delay, seconds (0: never)
======================  =======  ===========================================================

Command coils are momentary: a written 1 is acted on at once and the coil reads 0 again
afterwards, as the pulse inputs of a real controller do. The server keeps no copy of the
state: pymodbus calls :meth:`BarrierModbusServer._access` on every request (the ``action``
of a ``SimDevice``, pymodbus 3.16's datastore; the older ``ModbusDeviceContext`` now wraps it
and is deprecated), which writes the gate's live values into the registers being read.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from .barrier import BarrierGate, BarrierState

_LOGGER = logging.getLogger(__name__)

COIL_OPEN, COIL_CLOSE, COIL_STOP, COIL_RESET = range(4)
DI_VEHICLE, DI_OPEN, DI_CLOSED, DI_FAULT = range(4)
IR_STATE, IR_FAULT_CODE, IR_VEHICLE, IR_POSITION, IR_CYCLES_HIGH, IR_CYCLES_LOW = range(6)
HR_AUTO_CLOSE = 0
INPUT_REGISTERS = 6
HOLDING_REGISTERS = 1

_READ_COILS, _READ_DISCRETE, _READ_HOLDING, _READ_INPUT = 1, 2, 3, 4
_WRITE_COIL, _WRITE_COILS = 5, 15
_WRITE_REGISTER, _WRITE_REGISTERS = 6, 16


class ModbusServerError(Exception):
    """The simulated barriers' Modbus server could not listen (the message names the setting)."""


def input_registers(gate: BarrierGate) -> list[int]:
    return [
        int(gate.state),
        int(gate.fault_code),
        int(gate.vehicle_present),
        gate.position,
        (gate.cycles >> 16) & 0xFFFF,
        gate.cycles & 0xFFFF,
    ]


def discrete_inputs(gate: BarrierGate) -> int:
    """The four inputs packed into one register, input 0 in the lowest bit."""
    bits = (gate.vehicle_present, gate.state is BarrierState.OPEN, gate.state is BarrierState.CLOSED,
            gate.state is BarrierState.FAULT)
    return sum(1 << index for index, bit in enumerate(bits) if bit)


def _device(unit_id: int, action: object) -> SimDevice:
    bits = [SimData(0, count=16, values=False, datatype=DataType.BITS)]
    return SimDevice(
        id=unit_id,
        simdata=(
            bits,
            [SimData(0, count=16, values=False, datatype=DataType.BITS)],
            [SimData(0, count=HOLDING_REGISTERS, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=INPUT_REGISTERS, values=0, datatype=DataType.REGISTERS)],
        ),
        action=action,  # type: ignore[arg-type]
    )


async def _no_such_unit(*_args: object) -> ExcCodes | None:
    raise NoSuchIdException("no barrier at this unit id")


class BarrierModbusServer:
    """A ``ModbusTcpServer`` whose unit ids are barrier gates."""

    def __init__(self, gates: Mapping[int, BarrierGate], host: str, port: int) -> None:
        self.gates = dict(gates)
        self.host = host
        self.port = port
        self._server: ModbusTcpServer | None = None

    async def start(self) -> None:
        """Listen; with port 0 the system picks a free port, then found in ``self.port``."""
        devices = [_device(unit, functools.partial(self._access, unit)) for unit in self.gates]
        # Unit id 0 stands for every id not served; it stays silent, like a gateway with no
        # device at that address (pymodbus would otherwise log a traceback per request).
        devices.append(SimDevice(0, simdata=[SimData(0, datatype=DataType.REGISTERS)], action=_no_such_unit))
        server = ModbusTcpServer(devices, address=(self.host, self.port), ignore_missing_devices=True)
        try:
            await server.serve_forever(background=True)
        except RuntimeError as err:
            await server.shutdown()
            raise ModbusServerError(
                f"cannot listen on {self.host}:{self.port} for the simulated barriers ({err}); "
                "set simulator.modbus_port to a free port"
            ) from None
        self._server = server
        self.port = server.transport.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        _LOGGER.info("Simulated barrier controllers listening on Modbus TCP %s:%d (unit ids %s)",
                     self.host, self.port, ", ".join(map(str, self.gates)))

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None

    async def _access(
        self,
        unit_id: int,
        func_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """pymodbus' hook on every request: show the gate's live values, act on commands."""
        gate = self.gates[unit_id]
        if func_code == _READ_INPUT:
            registers[: INPUT_REGISTERS] = input_registers(gate)
        elif func_code == _READ_DISCRETE:
            registers[0] = discrete_inputs(gate)
        elif func_code == _READ_HOLDING:
            registers[HR_AUTO_CLOSE] = round(gate.auto_close)
        elif func_code == _READ_COILS:
            registers[0] = 0  # commands were consumed when written
        elif func_code in (_WRITE_COIL, _WRITE_COILS) and values is not None:
            for offset, value in enumerate(values):
                if value:
                    self._command(gate, address + offset)
        elif func_code in (_WRITE_REGISTER, _WRITE_REGISTERS) and values is not None:
            if address <= HR_AUTO_CLOSE < address + len(values):
                gate.set_auto_close(float(values[HR_AUTO_CLOSE - address]))
        return None

    @staticmethod
    def _command(gate: BarrierGate, coil: int) -> None:
        action = {COIL_OPEN: gate.open, COIL_CLOSE: gate.close, COIL_STOP: gate.stop, COIL_RESET: gate.reset}.get(coil)
        if action is None:
            return
        accepted = action()
        _LOGGER.debug("Barrier %s: coil %d → %s (%s)", gate.name, coil, gate.state.name.lower(),
                      "accepted" if accepted else "refused")
