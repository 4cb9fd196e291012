"""One Modbus line: a pymodbus client, one request at a time, with our timeouts and retries.

Modbus allows one outstanding request per serial line, and most TCP devices and gateways
answer one request per connection at a time, so every request of a hub goes through one
lock, in the order asked. What pymodbus 3.16 does and what we do instead:

- pymodbus retries a request that timed out (``retries``, default 3) with the client's one
  timeout. Retries and timeouts here are per device, so the client gets ``retries=0`` and
  each request runs under ``asyncio.timeout(<the device's timeout>)``; a device known to be
  down gets one attempt, not 1 + retries, so a dead device costs the line one timeout per poll.
- pymodbus reconnects in a background task with its own (real-time) back-off. Here the client
  gets ``reconnect_delay=0`` and the connection is re-made on the next request, no sooner
  than a back-off measured on the hub's clock (0.5 s doubling up to ``reconnect_max``);
  requests in between fail at once with the reason of the last failed attempt.
- Three requests in a row with no answer (and none answered in between) close a TCP
  connection, so a half-open one (a gateway that rebooted without a FIN) is re-made.
- asyncio already sets TCP_NODELAY on every TCP socket it connects (``selector_events``);
  ``_on_connect`` checks it on each new connection and sets it if an event loop did not.

Network waits (the timeout, ``delay`` after connecting, ``message_wait_milliseconds``) are
real time: they are about the wire, not about behaviour a test moves with a manual clock.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusIOException
from pymodbus.framer import FramerType
from pymodbus.pdu import ModbusPDU

from .errors import ModbusExceptionResponse, ModbusNoResponse

if TYPE_CHECKING:
    from xiaoqu.core.clock import Clock

_LOGGER = logging.getLogger(__name__)

HubType = Literal["tcp", "rtuovertcp", "rtu"]

RECONNECT_FIRST = 0.5
SILENT_REQUESTS_BEFORE_RECONNECT = 3
GATEWAY_NO_ANSWER = frozenset({10, 11})
"""Exception codes by which a gateway says the device behind it did not answer."""


@dataclass(slots=True)
class LineSettings:
    """How to reach a hub's devices (the connection part of one ``modbus:`` entry)."""

    name: str
    type: HubType
    host: str | None = None
    port: int | str = 502
    """TCP port, or the serial device path for ``rtu``."""
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    timeout: float = 3.0
    """Connecting, and the default for a request when the device sets none."""
    delay: float = 0.0
    """Seconds to wait after connecting before the first request (some devices need it)."""
    message_wait: float = 0.0
    """Seconds of quiet after each request."""

    @property
    def where(self) -> str:
        return str(self.port) if self.type == "rtu" else f"{self.host}:{self.port}"


@dataclass(slots=True)
class LineStats:
    """Counters for diagnostics and benchmarks."""

    requests: int = 0
    values_read: int = 0
    no_answer: int = 0
    exceptions: int = 0
    connects: int = 0
    failed_connects: int = 0
    by_device: dict[int, int] = field(default_factory=dict)


class _NotConnected(Exception):
    """No connection, and it is not yet time to try again."""


class Line:
    """The connection of one hub, shared by all its devices."""

    def __init__(self, settings: LineSettings, clock: Clock, *, reconnect_max: float = 30.0,
                 longest_timeout: float | None = None) -> None:
        """``longest_timeout``: the longest request timeout of any device on this line; pymodbus'
        own timeout is set above it, so it only ever backs ours up."""
        self.settings = settings
        self.stats = LineStats()
        self._clock = clock
        self._reconnect_max = max(reconnect_max, RECONNECT_FIRST)
        self._backoff = RECONNECT_FIRST
        self._retry_at = 0.0
        self._connect_error: str | None = None
        self._lock = asyncio.Lock()
        self._silent_streak = 0
        self._client = self._make_client(settings, max(longest_timeout or 0, settings.timeout) + 1)

    def _make_client(self, s: LineSettings, backup_timeout: float) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        common: dict[str, Any] = {
            "name": s.name, "timeout": backup_timeout, "retries": 0, "reconnect_delay": 0,
            "trace_connect": self._on_connect,
        }
        if s.type == "rtu":
            return AsyncModbusSerialClient(
                str(s.port), framer=FramerType.RTU, baudrate=s.baudrate, bytesize=s.bytesize,
                parity=s.parity, stopbits=s.stopbits, **common,
            )
        framer = FramerType.RTU if s.type == "rtuovertcp" else FramerType.SOCKET
        assert s.host is not None
        return AsyncModbusTcpClient(s.host, port=int(s.port), framer=framer, **common)

    @property
    def connected(self) -> bool:
        return self._client.connected

    async def request(
        self,
        call: Callable[[AsyncModbusTcpClient | AsyncModbusSerialClient], Awaitable[ModbusPDU]],
        *,
        hub: str,
        device_id: int,
        target: str,
        timeout: float,
        attempts: int,
    ) -> ModbusPDU:
        """Send one request (up to ``attempts`` times while it gets no answer) and return the answer.

        Raises ModbusNoResponse when the device never answered, ModbusExceptionResponse when
        it answered with a Modbus exception (never retried: the device meant it).
        """
        reason = "no answer"
        async with self._lock:
            for _ in range(attempts):
                self.stats.requests += 1
                self.stats.by_device[device_id] = self.stats.by_device.get(device_id, 0) + 1
                try:
                    await self._ensure_connected()
                    async with asyncio.timeout(timeout):
                        response = await call(self._client)
                except _NotConnected as err:
                    self.stats.no_answer += 1
                    raise ModbusNoResponse(hub, device_id, target, str(err)) from None
                except (TimeoutError, ModbusIOException):
                    reason = f"no answer within {timeout:g} s"
                    self._no_answer()
                except ConnectionException:
                    reason = f"connection to {self.settings.where} lost"
                    self._no_answer()
                else:
                    await self._quiet()
                    return self._answered(response, hub, device_id, target)
                await self._quiet()
        raise ModbusNoResponse(hub, device_id, target, reason)

    def _answered(self, response: ModbusPDU, hub: str, device_id: int, target: str) -> ModbusPDU:
        if not response.isError():
            self._silent_streak = 0
            return response
        code = int(getattr(response, "exception_code", 0))
        if code in GATEWAY_NO_ANSWER:
            self._no_answer()
            raise ModbusNoResponse(hub, device_id, target, f"the gateway got no answer (exception {code})")
        self._silent_streak = 0
        self.stats.exceptions += 1
        raise ModbusExceptionResponse(hub, device_id, target, code)

    def _no_answer(self) -> None:
        self.stats.no_answer += 1
        self._silent_streak += 1
        if (
            self._silent_streak >= SILENT_REQUESTS_BEFORE_RECONNECT
            and self.settings.type != "rtu"
            and self._client.connected
        ):
            _LOGGER.info("modbus hub '%s': %d requests in a row got no answer; reconnecting to %s",
                         self.settings.name, self._silent_streak, self.settings.where)
            self._client.close()
            self._silent_streak = 0

    async def _quiet(self) -> None:
        if self.settings.message_wait:
            await asyncio.sleep(self.settings.message_wait)

    async def _ensure_connected(self) -> None:
        if self._client.connected:
            return
        if self._clock.time() < self._retry_at:
            raise _NotConnected(self._connect_error or "not connected")
        try:
            async with asyncio.timeout(self.settings.timeout):
                ok = await self._client.connect()
        except TimeoutError:
            ok = False
        if not ok:
            self._connect_failed()
            raise _NotConnected(self._connect_error)
        self.stats.connects += 1
        _LOGGER.info("modbus hub '%s': connected to %s%s", self.settings.name, self.settings.where,
                     "" if self._connect_error is None else " again")
        self._connect_error = None
        self._backoff = RECONNECT_FIRST
        self._silent_streak = 0
        if self.settings.delay:
            await asyncio.sleep(self.settings.delay)

    def _connect_failed(self) -> None:
        s = self.settings
        if s.type == "rtu":
            # pyserial says why only in pymodbus' log; the usual reason is worth saying here.
            missing = not os.path.exists(str(s.port))
            error = f"{s.port}: no such device" if missing else f"cannot open serial port {s.port}"
        else:
            error = f"cannot connect to {s.where}"
        if error != self._connect_error:
            _LOGGER.warning("modbus hub '%s': %s; will keep trying", s.name, error)
        self._connect_error = error
        self.stats.failed_connects += 1
        self._retry_at = self._clock.time() + self._backoff
        self._backoff = min(self._backoff * 2, self._reconnect_max)

    def _on_connect(self, connected: bool) -> None:
        """pymodbus' connection callback: make sure Nagle is off on a new TCP connection."""
        if not connected:  # the far end dropped it (closing it ourselves does not call this)
            _LOGGER.warning("modbus hub '%s': connection to %s lost", self.settings.name, self.settings.where)
            return
        transport = self._client.ctx.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def nodelay(self) -> bool | None:
        """Whether the current TCP connection has TCP_NODELAY (None: not connected, or serial)."""
        transport = self._client.ctx.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def close(self) -> None:
        self._client.close()
