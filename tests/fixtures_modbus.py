"""A real pymodbus server for tests and benchmarks, with devices a test can read, change and break.

    async with ModbusTestServer(device_ids=(1, 2)) as server:
        await server.set_registers(1, 100, [215, 0x4120, 0x0000])
        ...                                  # point a hub at server.host, server.port
        server.silence(2)                    # device 2 stops answering
        server.fail(1, 2)                    # device 1 answers "illegal data address"
        server.slow(1, 0.5)                  # device 1 answers after half a second
        server.heal(1); server.heal(2)
        await server.stop(); await server.start()   # the whole server goes away and comes back
        server.reads(device_id=1)            # the read requests device 1 received

It is pymodbus' own server (``ModbusTcpServer`` or ``ModbusSerialServer``) on its non-deprecated
datastore (``SimDevice``/``SimData``); the behaviour hooks run in the datastore's ``action``
callback and the request log comes from the server's ``trace_pdu`` callback, both public
pymodbus 3.16 API. Each device has four separate tables (coils, discrete inputs, holding
and input registers) of ``size`` entries from address 0; reading past them is an
"illegal data address" exception, as on a real device. A unit id the server does not serve
gets no answer, like a missing unit behind a gateway.

``framer="rtu"`` serves RTU frames over TCP (``type: rtuovertcp``); ``serial=True`` serves
RTU on a real pseudo-terminal: the server opens one end of a pty pair relayed to a second
pair, and a client opens ``server.serial_port`` with pyserial like any serial port.
"""
from __future__ import annotations

import asyncio
import functools
import os
import tty
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

#: Function codes by table, for reading and writing the datastore from the test side.
_READ_CODE = {"coil": 1, "discrete_input": 2, "holding": 3, "input": 4}
_WRITE_CODE = {"coil": 5, "discrete_input": 2, "holding": 6, "input": 4}
READ_FUNCTION_CODES = frozenset(_READ_CODE.values())
Table = Literal["coil", "discrete_input", "holding", "input"]


@dataclass(frozen=True)
class Request:
    """One request the server received, as the client sent it."""

    device_id: int
    function_code: int
    address: int
    count: int


@dataclass
class Behaviour:
    """How one device answers: normally, late, with a Modbus exception, or not at all."""

    delay: float = 0.0
    exception: int | None = None
    silent: bool = False


class _PtyRelay:
    """Two pty pairs whose masters are joined, so two programs can talk over "serial ports"."""

    def __init__(self) -> None:
        self._fds: list[int] = []
        ends = []
        for _ in range(2):
            master, slave = os.openpty()
            tty.setraw(slave)
            os.set_blocking(master, False)
            self._fds += [master, slave]
            ends.append((master, os.ttyname(slave)))
        (self._master_a, self.path_a), (self._master_b, self.path_b) = ends

    def start(self) -> None:
        """Relay in the running loop (again after a stop: re-adding a reader replaces it)."""
        loop = asyncio.get_running_loop()
        loop.add_reader(self._master_a, self._copy, self._master_a, self._master_b)
        loop.add_reader(self._master_b, self._copy, self._master_b, self._master_a)

    @staticmethod
    def _copy(source: int, target: int) -> None:
        try:
            data = os.read(source, 4096)
        except (BlockingIOError, OSError):  # EIO while the other end is closed
            return
        os.write(target, data)

    def close(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._master_a)
        loop.remove_reader(self._master_b)
        for fd in self._fds:
            os.close(fd)


class ModbusTestServer:
    """A pymodbus server on 127.0.0.1 (a free port) or on a pty, serving ``device_ids``."""

    def __init__(
        self,
        device_ids: Iterable[int] = (1,),
        *,
        size: int = 1000,
        framer: Literal["socket", "rtu"] = "socket",
        serial: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        churn: bool = False,
    ) -> None:
        """``churn``: every holding-register read changes the registers it returned (+1), so a
        poller sees a new value each time (benchmarks of the state-change path)."""
        self.device_ids = tuple(device_ids)
        self.size = size
        self.framer = FramerType.RTU if serial or framer == "rtu" else FramerType.SOCKET
        self.host = host
        self.port = port
        self.churn = churn
        self.requests: list[Request] = []
        self.behaviour: dict[int, Behaviour] = {device_id: Behaviour() for device_id in self.device_ids}
        self._relay = _PtyRelay() if serial else None
        self._server: ModbusTcpServer | ModbusSerialServer | None = None
        self._saved: dict[tuple[int, str], list[Any]] = {}
        self._internal = False
        self._latest = 0

    @property
    def serial_port(self) -> str:
        """The port a serial client opens (``serial=True`` only)."""
        assert self._relay is not None, "not a serial server"
        return self._relay.path_b

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Serve (again): values set before a stop are still there."""
        assert self._server is None, "already running"
        devices = [self._device(device_id) for device_id in self.device_ids]
        devices.append(SimDevice(0, simdata=[SimData(0, datatype=DataType.REGISTERS)], action=self._unknown))
        if self._relay is not None:
            self._relay.start()
            server: ModbusTcpServer | ModbusSerialServer = ModbusSerialServer(
                devices, port=self._relay.path_a, framer=self.framer, baudrate=115200,
                ignore_missing_devices=True, trace_pdu=self._trace,
            )
        else:
            server = ModbusTcpServer(
                devices, address=(self.host, self.port), framer=self.framer,
                ignore_missing_devices=True, trace_pdu=self._trace,
            )
        await server.serve_forever(background=True)
        self._server = server
        if self._relay is None and not self.port:
            # cast: pymodbus annotates its transport as a BaseTransport; a listener's is the asyncio.Server
            self.port = cast(asyncio.Server, server.transport).sockets[0].getsockname()[1]
        for (device_id, table), values in self._saved.items():
            await self._set(device_id, table, 0, values)
        self._saved.clear()

    async def stop(self) -> None:
        """Stop serving and drop every connection, as a device does when it loses power."""
        if self._server is None:
            return
        for device_id in self.device_ids:
            for table in _READ_CODE:
                self._saved[(device_id, table)] = await self._get(device_id, table, 0, self.size)
        server, self._server = self._server, None
        await server.shutdown()

    async def close(self) -> None:
        await self.stop()
        if self._relay is not None:
            self._relay.close()

    async def __aenter__(self) -> ModbusTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- data ----------------------------------------------------------------------------

    async def set_registers(self, device_id: int, address: int, values: list[int], table: Table = "holding") -> None:
        await self._set(device_id, table, address, values)

    async def get_registers(self, device_id: int, address: int, count: int = 1, table: Table = "holding") -> list[int]:
        return await self._get(device_id, table, address, count)

    async def set_bits(self, device_id: int, address: int, values: list[bool], table: Table = "coil") -> None:
        await self._set(device_id, table, address, values)

    async def get_bits(self, device_id: int, address: int, count: int = 1, table: Table = "coil") -> list[bool]:
        return await self._get(device_id, table, address, count)

    async def _set(self, device_id: int, table: str, address: int, values: list[Any]) -> None:
        server = self._require_running()
        self._internal = True
        try:
            await server.async_setValues(device_id, _WRITE_CODE[table], address, values)
        finally:
            self._internal = False

    async def _get(self, device_id: int, table: str, address: int, count: int) -> list[Any]:
        server = self._require_running()
        self._internal = True
        try:
            return list(await server.async_getValues(device_id, _READ_CODE[table], address, count))
        finally:
            self._internal = False

    def _require_running(self) -> ModbusTcpServer | ModbusSerialServer:
        assert self._server is not None, "the test server is stopped; start() it to reach its data"
        return self._server

    # --- behaviour -----------------------------------------------------------------------

    def slow(self, device_id: int, delay: float) -> None:
        """Answer after ``delay`` seconds. A late answer is dropped when another request has
        arrived meanwhile, so it can never be taken for the answer to that request."""
        self.behaviour[device_id].delay = delay

    def fail(self, device_id: int, exception_code: int) -> None:
        """Answer every request with Modbus exception ``exception_code`` (2: illegal data address)."""
        self.behaviour[device_id].exception = exception_code

    def silence(self, device_id: int) -> None:
        """Answer nothing, as a device that lost power behind a gateway."""
        self.behaviour[device_id].silent = True

    def heal(self, device_id: int) -> None:
        self.behaviour[device_id] = Behaviour()

    # --- what the server saw ---------------------------------------------------------------

    def reads(self, device_id: int | None = None) -> list[Request]:
        """The read requests received (function codes 1-4), oldest first."""
        return [r for r in self.requests
                if r.function_code in READ_FUNCTION_CODES and device_id in (None, r.device_id)]

    def _trace(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if not sending:
            count = getattr(pdu, "count", 0) or len(getattr(pdu, "registers", ()) or getattr(pdu, "bits", ()))
            self.requests.append(Request(pdu.dev_id, pdu.function_code, pdu.address, count))
        return pdu

    # --- the datastore ---------------------------------------------------------------------

    def _device(self, device_id: int) -> SimDevice:
        def bits() -> list[SimData]:
            return [SimData(0, count=self.size, values=False, datatype=DataType.BITS)]

        def registers() -> list[SimData]:
            return [SimData(0, count=self.size, values=0, datatype=DataType.REGISTERS)]

        return SimDevice(device_id, simdata=(bits(), bits(), registers(), registers()),
                         action=functools.partial(self._act, device_id))

    async def _act(self, device_id: int, function_code: int, start: int, address: int, count: int,
                   registers: list[int], values: list[Any] | None) -> ExcCodes | None:
        if self._internal:
            return None
        self._latest += 1
        ticket = self._latest
        behaviour = self.behaviour[device_id]
        if behaviour.silent:
            raise NoSuchIdException(f"device {device_id} is silenced")  # the server sends nothing
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
            if ticket != self._latest:
                raise NoSuchIdException(f"device {device_id} answered too late")
        if behaviour.exception is not None:
            return ExcCodes(behaviour.exception)
        if self.churn and function_code == 3:
            offset = address - start
            registers[offset:offset + count] = [(r + 1) & 0xFFFF for r in registers[offset:offset + count]]
        return None

    @staticmethod
    async def _unknown(*_args: Any) -> ExcCodes | None:
        raise NoSuchIdException("no such unit")
