"""The base class of every barrier gate, whoever drives it (Modbus, MQTT, a vendor's plugin),
and the gate model they all share.

A driver (``modbus_gate.ModbusBarrier``, ``protocol.MqttBarrier``, ``plugins/acme_barrier``)
does two things only:

- it reports what the controller says: it sets ``_attr_barrier_state``,
  ``_attr_vehicle_present`` (where the gate has a loop detector) and ``_attr_fault`` (the
  controller's words), or ``_attr_available = False`` with ``_attr_unavailable_reason`` when
  the controller is silent, and calls :meth:`~xiaoqu.core.entity.Entity.write_state`;
- it implements :meth:`BarrierEntity.send_command` (``open``, ``close``, ``stop``), and, if
  it can ask the controller for its state at once (Modbus), :meth:`BarrierEntity.read_back`.

Everything else is the model, here, the same for every gate: each :meth:`write_state` follows
fault episodes (``barrier_fault`` once per episode, ``barrier_recovered`` at its end,
``faults.py``), closes the arm behind the car or after a while (``auto_close.py``), settles
the open commands waiting for confirmation, and records an arm raised by hand at the gate
(``local_raise.py``). The services (``barrier.open``,
``barrier.close``, ``barrier.stop``) and ``Barriers.open`` (parking's) run the methods at
the end, which refuse a person without a reason and audit a person's act (``acts.py``).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import Entity, ServiceNotSupported
from xiaoqu.core.masking import masked

from . import acts
from .auto_close import AutoClose
from .const import (
    ATTR_COMMAND_BY,
    ATTR_COMMAND_REASON,
    ATTR_FAULT,
    ATTR_FAULT_SINCE,
    ATTR_LAST_COMMAND,
    ATTR_VEHICLE_PRESENT,
    DOMAIN,
    EVENT_BARRIER_FAULT,
    EVENT_BARRIER_RECOVERED,
    NOBODY,
    RAISED,
    BarrierState,
    Command,
)
from .faults import Episode, FaultTracker
from .local_raise import raised_locally
from .models import BarrierNotOpened, NotOpenedWhy, Opened
from .settings import GateOptions

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.clock import Clock

_LOGGER = logging.getLogger(__name__)

#: Real seconds between read-backs while an open command waits for a gate that can be asked
#: (Modbus); a gate that pushes its state (MQTT) is just waited for.
READ_BACK_INTERVAL = 0.1
#: What an episode says when the driver gave no words.
SILENT = "the controller does not answer"
FAULTY = "the controller reports a fault"


class _Gate:
    """The model's moving parts of one gate, made when it first writes its state."""

    __slots__ = ("auto_close", "command", "faults", "opened_at", "state", "waiters")

    def __init__(self, clock: Clock, options: GateOptions, close: Callable[[str], None]) -> None:
        self.faults = FaultTracker()
        self.auto_close = AutoClose(clock, options, close)
        #: open commands waiting for the gate to say its arm is going up
        self.waiters: list[asyncio.Future[BarrierState]] = []
        #: the last command: (action, by, reason masked)
        self.command: tuple[str, str, str | None] | None = None
        #: when the hub last told the gate to open (hub clock)
        self.opened_at: float | None = None
        #: the state last reported while available
        self.state: BarrierState | None = None


class BarrierEntity(Entity):
    """A barrier gate's arm: ``closed``, ``opening``, ``open``, ``closing``, ``stopped``,
    ``fault`` or ``unavailable``."""

    domain = DOMAIN
    _attr_icon = "mdi:boom-gate"

    #: The gate's behaviour (auto-close, confirmation wait); a driver sets it from the gate's
    #: config with ``GateOptions.from_config``.
    options: GateOptions = GateOptions()

    _attr_barrier_state: BarrierState | None = None
    _attr_vehicle_present: bool | None = None
    _attr_fault: str | None = None
    #: Why the controller is unavailable, set with ``_attr_available = False``.
    _attr_unavailable_reason: str | None = None
    _gate: _Gate | None = None

    @property
    def barrier_state(self) -> BarrierState | None:
        return self._attr_barrier_state

    @property
    def vehicle_present(self) -> bool | None:
        return self._attr_vehicle_present

    @property
    def fault(self) -> str | None:
        return self._attr_fault

    @property
    def state(self) -> str | None:
        return self.barrier_state

    @property
    def fault_episode(self) -> Episode | None:
        """The fault (or silence) the gate is in now, with when it began; None when sound."""
        return self._gate.faults.episode if self._gate is not None else None

    def domain_attributes(self) -> dict[str, Any]:
        episode = self.fault_episode
        action, by, reason = self._gate.command if self._gate is not None and self._gate.command else (None,) * 3
        return {
            ATTR_VEHICLE_PRESENT: self.vehicle_present,
            ATTR_FAULT: episode.fault if episode is not None else self.fault,
            ATTR_FAULT_SINCE: self._iso(episode.since) if episode is not None else None,
            ATTR_LAST_COMMAND: action,
            ATTR_COMMAND_BY: by,
            ATTR_COMMAND_REASON: reason,
        }

    # --- what a driver implements ------------------------------------------------------

    def send_command(self, command: Command, request_id: str | None = None) -> Awaitable[None] | None:
        """Tell the controller to ``open``, ``close`` or ``stop`` (``request_id``: the caller's
        reference, for a protocol that carries one). May be ``async def``; raises when the
        command could not be given (a Modbus write with no answer)."""
        raise ServiceNotSupported(self, command.value)

    async def read_back(self) -> bool:
        """Ask the controller for its state now and report it; False when it cannot be asked
        (it pushes its state instead). Called while an open command waits for confirmation."""
        return False

    # --- the model, on every report ----------------------------------------------------

    def write_state(self) -> None:
        """Follow the report (fault episodes, auto-close, waiting open commands, a raise by hand
        at the gate), then write it."""
        gate = self._model()
        state, available = self.barrier_state, self.available
        assert self.hub is not None
        now = self.hub.clock.time()
        change = gate.faults.observe(self._fault_now(state, available), available and state is not None, now)
        local = available and raised_locally(gate.state, state, self.vehicle_present, gate.opened_at, now)
        if available:
            gate.state = state
        super().write_state()
        if local:
            assert self.entity_id is not None
            acts.record_local_raise(self.hub, self.entity_id, self.registry_name or self.friendly_name, state)
        gate.auto_close.follow(state, self.vehicle_present, available)
        if gate.waiters:
            self._settle(gate, state, available)
        if change.began is not None:
            _LOGGER.warning("%s: %s", self.entity_id, change.began.fault)
            self._fire(EVENT_BARRIER_FAULT, change.began)
        if change.ended is not None:
            seconds = round(now - change.ended.since, 1)
            _LOGGER.info("%s: sound again after %g s (%s)", self.entity_id, seconds, change.ended.fault)
            self._fire(EVENT_BARRIER_RECOVERED, change.ended, seconds=seconds)

    def _model(self) -> _Gate:
        if self._gate is None:
            assert self.hub is not None
            self._gate = _Gate(self.hub.clock, self.options, self._auto_close)
        return self._gate

    def _fault_now(self, state: BarrierState | None, available: bool) -> str | None:
        if not available:
            return self._attr_unavailable_reason or SILENT
        if state is BarrierState.FAULT:
            return self.fault or FAULTY
        return None

    def _settle(self, gate: _Gate, state: BarrierState | None, available: bool) -> None:
        """Answer the open commands waiting: the arm is going up, or it will not."""
        if available and state in RAISED:
            outcome: BarrierState | BarrierNotOpened = state
        elif not available or state is BarrierState.FAULT:
            outcome = self._down_error()
        else:
            return
        for waiter in gate.waiters:
            if not waiter.done():
                if isinstance(outcome, BarrierNotOpened):
                    waiter.set_exception(outcome)
                else:
                    waiter.set_result(outcome)

    def _fire(self, event_type: str, episode: Episode, **extra: Any) -> None:
        assert self.hub is not None
        self.hub.bus.fire(event_type, {"entity_id": self.entity_id, "name": self.registry_name or self.friendly_name,
                                       "fault": episode.fault, "since": self._iso(episode.since), **extra})

    def _iso(self, epoch: float) -> str:
        assert self.hub is not None
        return datetime.fromtimestamp(epoch, self.hub.clock.tz).isoformat(timespec="seconds")

    def _auto_close(self, why: str) -> None:
        """The arm is up with no car under it and should come down (auto_close.py)."""
        assert self.hub is not None
        _LOGGER.debug("%s: auto-close, %s", self.entity_id, why)
        self._model().command = (Command.CLOSE.value, NOBODY, f"auto-close: {why}")
        self.hub.create_task(self._auto_close_command(why), name=f"{self.entity_id} auto-close")

    async def _auto_close_command(self, why: str) -> None:
        try:
            await self._send(Command.CLOSE)
        except Exception as err:  # the controller's health is the driver's to report; tried again later
            _LOGGER.warning("%s: could not close it (%s): %s", self.entity_id, why, err)

    def stop_timers(self) -> None:
        """The hub stops: no auto-close after it."""
        if self._gate is not None:
            self._gate.auto_close.cancel()

    async def will_remove_from_hub(self) -> None:
        self.stop_timers()

    # --- acting ------------------------------------------------------------------------

    async def raise_arm(self, *, reason: str | None, context: Context | None = None,
                        request_id: str | None = None) -> Opened:
        """Open the gate and wait (``options.confirm_timeout`` real seconds at most) until it says
        its arm is going up. ``barrier.open`` and ``Barriers.open`` both come here.

        Raises ``ServiceValidationError`` for a person without a reason, and
        :class:`BarrierNotOpened` (naming the gate, why, and the wait) for a gate that is
        unavailable or in fault (nothing is sent), that refuses the command, or that does not
        confirm in time.
        """
        return await self.command_open(reason=reason, context=context, request_id=request_id)

    def command_open(self, *, reason: str | None, context: Context | None = None,
                     request_id: str | None = None) -> Coroutine[Any, Any, Opened]:
        """:meth:`raise_arm` with the command given in the caller's own turn of the loop: the
        checks run and the driver is told before this returns (a device-protocol gate's message
        is queued; an ``async`` driver's send starts when the result is awaited). The result,
        which must be awaited, resolves or raises as :meth:`raise_arm` does.

        For a caller deciding a car (parking): its arm's command goes out ahead of the records
        and messages that follow the decision, instead of waiting behind them for a task's turn.
        """
        assert self.hub is not None and self.entity_id is not None
        acts.require_reason(self.entity_id, Command.OPEN, context, reason)
        if not self.available or self.barrier_state is BarrierState.FAULT:
            raise self._down_error()
        self._note(Command.OPEN, context, reason)
        gate = self._model()
        gate.opened_at = self.hub.clock.time()
        gate.auto_close.commanded_open()
        state = self.barrier_state
        waiter: asyncio.Future[BarrierState] | None = None
        if state not in RAISED:
            waiter = asyncio.get_running_loop().create_future()
            gate.waiters.append(waiter)
        started = time.perf_counter()
        try:
            sent = self._sent(self.send_command(Command.OPEN, request_id))
        except Exception as err:
            if waiter is not None:
                gate.waiters.remove(waiter)
            if isinstance(err, ServiceNotSupported):
                raise
            raise self._not_taken(err) from err
        if waiter is None:
            return self._already_raised(sent, state)
        return self._confirmed(gate, waiter, sent, started)

    async def _already_raised(self, sent: Awaitable[None], state: BarrierState | None) -> Opened:
        assert self.entity_id is not None and state is not None
        await sent
        return Opened(self.entity_id, state, 0.0, already=True)

    async def lower_arm(self, *, reason: str | None, context: Context | None = None) -> None:
        """Close the gate (the controller may refuse while a car is under the arm: the state shows it)."""
        await self._act(Command.CLOSE, reason, context)

    async def halt_arm(self, *, reason: str | None, context: Context | None = None) -> None:
        """Stop the arm where it is (never refused for want of a reason: it may be an emergency)."""
        await self._act(Command.STOP, reason, context)

    async def _act(self, command: Command, reason: str | None, context: Context | None) -> None:
        assert self.entity_id is not None
        acts.require_reason(self.entity_id, command, context, reason)
        self._note(command, context, reason)
        self._model().auto_close.cancel()
        await self._send(command)

    def _note(self, command: Command, context: Context | None, reason: str | None) -> None:
        """Keep the command for the state's attributes; a person's goes to the audit log and logbook."""
        assert self.hub is not None and self.entity_id is not None
        if acts.by_person(context):
            assert context is not None
            acts.record(self.hub, self.entity_id, self.registry_name or self.friendly_name, command, context, reason)
            _LOGGER.info("%s: %s by %s: %s", self.entity_id, command.value, acts.who(self.hub, context),
                         masked(reason or ""))
        self._model().command = (command.value, acts.who(self.hub, context), masked(reason) if reason else None)

    async def _send(self, command: Command, request_id: str | None = None) -> None:
        result = self.send_command(command, request_id)
        if isinstance(result, Awaitable):
            await result

    def _not_taken(self, err: Exception) -> BarrierNotOpened:
        assert self.entity_id is not None
        return BarrierNotOpened(self.entity_id, NotOpenedWhy.COMMAND_FAILED,
                                f"{self.entity_id} did not take the open command: {err}")

    async def _sent(self, result: Awaitable[None] | None) -> None:
        """Wait for what an ``async`` driver's ``send_command`` returned; a command the gate did
        not take raises :class:`BarrierNotOpened`."""
        if result is None:
            return
        try:
            await result
        except ServiceNotSupported:
            raise
        except Exception as err:
            raise self._not_taken(err) from err

    async def _confirmed(self, gate: _Gate, waiter: asyncio.Future[BarrierState], sent: Awaitable[None],
                         started: float) -> Opened:
        assert self.entity_id is not None
        timeout = self.options.confirm_timeout
        try:
            async with asyncio.timeout(timeout):
                await sent
                while not waiter.done() and await self.read_back() and not waiter.done():
                    await asyncio.wait((waiter,), timeout=READ_BACK_INTERVAL)
                state = await waiter
        except TimeoutError:
            raise BarrierNotOpened(
                self.entity_id, NotOpenedWhy.TIMEOUT,
                f"{self.entity_id} did not confirm opening within {timeout:g} s "
                f"(it reports {self.barrier_state or 'nothing yet'})") from None
        finally:
            gate.waiters.remove(waiter)
            if waiter.done() and not waiter.cancelled():
                waiter.exception()  # retrieved: a settled waiter nobody awaited is not an error to log
        return Opened(self.entity_id, state, time.perf_counter() - started)

    def _down_error(self) -> BarrierNotOpened:
        """Why a silent or faulty gate cannot open, with since when."""
        assert self.entity_id is not None
        episode = self.fault_episode
        since = f" since {self._iso(episode.since)}" if episode is not None else ""
        if not self.available:
            words = self._attr_unavailable_reason or SILENT
            return BarrierNotOpened(self.entity_id, NotOpenedWhy.UNAVAILABLE,
                                    f"{self.entity_id} cannot open: it is unavailable ({words}){since}")
        return BarrierNotOpened(self.entity_id, NotOpenedWhy.FAULT,
                                f"{self.entity_id} cannot open: it reports a fault ({self.fault or FAULTY}){since}")

    # --- what barrier.open / barrier.close / barrier.stop run --------------------------

    def _caller(self) -> Context | None:
        """The context the service call set (core/entity.py), taken so a later direct call
        is not put down to the same person."""
        context, self.context = self.context, None
        return context

    async def open(self, reason: str | None = None) -> None:
        """Raise the arm and wait for the gate to confirm it (``raise_arm``)."""
        await self.raise_arm(reason=reason, context=self._caller())

    async def close(self, reason: str | None = None) -> None:
        """Lower the arm (a controller refuses while a vehicle is under it)."""
        await self.lower_arm(reason=reason, context=self._caller())

    async def stop(self, reason: str | None = None) -> None:
        """Stop the arm where it is (``BarrierEntityFeature.STOP``)."""
        await self.halt_arm(reason=reason, context=self._caller())
