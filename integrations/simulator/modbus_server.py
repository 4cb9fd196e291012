"""The barrier gates' controllers as one real Modbus TCP server, one unit id per barrier.

The hub's modbus integration polls and commands these exactly as it would a gate on the
estate's RS-485-to-TCP converter. Each unit speaks a register map: the reference map below
(also in docs/simulator.md), or a vendor's (``acme_device.AcmeMap``, the one the vendor
plugin example in ``plugins/acme_barrier`` reads).

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
afterwards, as the pulse inputs of a real controller do. A gate whose controller has no power
(``BarrierGate.power_off``) does not answer at all, as a dead unit behind a gateway. The server keeps no copy of the
state: pymodbus calls the map's ``access`` on every request (the ``action`` of a
``SimDevice``, pymodbus 3.16's datastore; the older ``ModbusDeviceContext`` now wraps it and
is deprecated), which writes the gate's live values into the registers being read.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from typing import Protocol, cast

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

READ_COILS, READ_DISCRETE, READ_HOLDING, READ_INPUT = 1, 2, 3, 4
WRITE_COILS = (5, 15)
WRITE_REGISTERS = (6, 16)


class ModbusServerError(Exception):
    """The simulated barriers' Modbus server could not listen (the message names the setting)."""


class RegisterMap(Protocol):
    """How one model of barrier controller lays its gate out in the four Modbus tables."""

    name: str

    def tables(self) -> tuple[list[SimData], list[SimData], list[SimData], list[SimData]]:
        """Coils, discrete inputs, holding registers, input registers (pymodbus' order)."""

    def access(self, gate: BarrierGate, func_code: int, address: int, registers: list[int],
               values: list[int] | list[bool] | None) -> None:
        """Fill ``registers`` (the table being read, from its first address) from ``gate``,
        or act on ``values`` being written from ``address``."""


def bits(*flags: bool) -> int:
    """Flags packed into a register, the first in the lowest bit."""
    return sum(1 << index for index, flag in enumerate(flags) if flag)


class ReferenceMap:
    """The reference barrier controller (the table above)."""

    name = "reference"

    def tables(self) -> tuple[list[SimData], list[SimData], list[SimData], list[SimData]]:
        return (
            [SimData(0, count=16, values=False, datatype=DataType.BITS)],
            [SimData(0, count=16, values=False, datatype=DataType.BITS, readonly=True)],
            [SimData(0, count=HOLDING_REGISTERS, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=INPUT_REGISTERS, values=0, datatype=DataType.REGISTERS, readonly=True)],
        )

    def access(self, gate: BarrierGate, func_code: int, address: int, registers: list[int],
               values: list[int] | list[bool] | None) -> None:
        if func_code == READ_INPUT:
            registers[:INPUT_REGISTERS] = [
                int(gate.state), int(gate.fault_code), int(gate.vehicle_present), gate.position,
                (gate.cycles >> 16) & 0xFFFF, gate.cycles & 0xFFFF,
            ]
        elif func_code == READ_DISCRETE:
            registers[0] = bits(gate.vehicle_present, gate.state is BarrierState.OPEN,
                                gate.state is BarrierState.CLOSED, gate.state is BarrierState.FAULT)
        elif func_code == READ_HOLDING:
            registers[HR_AUTO_CLOSE] = round(gate.auto_close)
        elif func_code == READ_COILS:
            registers[0] = 0  # commands were consumed when written
        elif func_code in WRITE_COILS and values is not None:
            commands = {COIL_OPEN: gate.open, COIL_CLOSE: gate.close, COIL_STOP: gate.stop, COIL_RESET: gate.reset}
            for offset, value in enumerate(values):
                if value and (command := commands.get(address + offset)) is not None:
                    command()
        elif func_code in WRITE_REGISTERS and values is not None:
            if address <= HR_AUTO_CLOSE < address + len(values):
                gate.set_auto_close(float(values[HR_AUTO_CLOSE - address]))


async def _no_such_unit(*_args: object) -> ExcCodes | None:
    raise NoSuchIdException("no barrier at this unit id")


class BarrierModbusServer:
    """A ``ModbusTcpServer`` whose unit ids are barrier gates, each with its register map."""

    def __init__(self, units: Mapping[int, tuple[BarrierGate, RegisterMap]], host: str, port: int) -> None:
        self.units = dict(units)
        self.host = host
        self.port = port
        self._server: ModbusTcpServer | None = None

    async def start(self) -> None:
        """Listen; with port 0 the system picks a free port, then found in ``self.port``."""
        devices = [
            SimDevice(unit, simdata=regmap.tables(), action=functools.partial(self._access, gate, regmap))
            for unit, (gate, regmap) in self.units.items()
        ]
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
        # cast: pymodbus annotates its transport as a BaseTransport; a listener's is the asyncio.Server
        self.port = cast(asyncio.Server, server.transport).sockets[0].getsockname()[1]
        maps = ", ".join(f"{unit} ({regmap.name})" for unit, (_, regmap) in self.units.items())
        _LOGGER.info("Simulated barrier controllers listening on Modbus TCP %s:%d, unit ids %s",
                     self.host, self.port, maps)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None

    @staticmethod
    async def _access(
        gate: BarrierGate,
        regmap: RegisterMap,
        func_code: int,
        _start_address: int,
        address: int,
        _count: int,
        registers: list[int],
        values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """pymodbus' hook on every request: show the gate's live values, act on commands; a
        controller without power leaves the request unanswered."""
        if not gate.powered:
            raise NoSuchIdException(f"barrier {gate.name} has no power")
        regmap.access(gate, func_code, address, registers, values)
        return None
