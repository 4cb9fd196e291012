"""``get_barriers(hub)``: the gates as other integrations use them (parking raises the arm
for a car it let in, and must know whether the gate did).

    from xiaoqu.integrations.barrier import get_barriers

    opened = await get_barriers(hub).open("barrier.main_1", reason="resident 粤B12345", context=context)
    opened.state, opened.seconds          # "opening", 0.004

``open`` resolves when the gate confirms its arm is going up (Modbus: the coil write
answered and the status read back; MQTT: the gate's state message) and raises
``BarrierNotOpened`` naming the gate, why and the wait otherwise. It is the same path as
``barrier.open``: a person (a context with a user) must give a reason, and is audited.
``command_open`` is ``open`` with the command given before it returns, in the caller's turn
(parking commands the arm of a car it let in ahead of the decision's records), and the
confirmation left to await.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError

from .const import DOMAIN
from .entity import BarrierEntity

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

    from .models import Opened


class Barriers:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._on_stop: list[Callable[[], None]] = []

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the hub stops (a device-protocol handler to unregister)."""
        self._on_stop.append(callback)

    def gate(self, entity_id: str) -> BarrierEntity:
        """The barrier entity ``entity_id`` (any driver's), or a HubError naming the gates there are."""
        entity = self.hub.entities.get(entity_id)
        if isinstance(entity, BarrierEntity):
            return entity
        there = ", ".join(sorted(e.entity_id for e in self.gates() if e.entity_id)) or "none"
        raise HubError(f"{DOMAIN}: no barrier {entity_id}; the barriers are: {there}")

    def gates(self) -> list[BarrierEntity]:
        return [entity for entity in self.hub.entities.all(DOMAIN) if isinstance(entity, BarrierEntity)]

    async def open(self, entity_id: str, *, reason: str, context: Context | None = None,
                   request_id: str | None = None) -> Opened:
        """Raise the arm of ``entity_id`` and wait until the gate confirms it (see the module)."""
        return await self.gate(entity_id).raise_arm(reason=reason, context=context, request_id=request_id)

    def command_open(self, entity_id: str, *, reason: str, context: Context | None = None) -> Coroutine[Any, Any, Opened]:
        """:meth:`open` with the gate told before this returns; await the result for its
        confirmation (``BarrierEntity.command_open``). Raises at once for a gate that cannot be
        told (none such, unavailable, in fault, the command refused)."""
        return self.gate(entity_id).command_open(reason=reason, context=context)

    async def close(self, entity_id: str, *, reason: str, context: Context | None = None) -> None:
        """Lower the arm of ``entity_id`` (sent, not waited for: the state shows what the gate did)."""
        await self.gate(entity_id).lower_arm(reason=reason, context=context)

    def shut_down(self) -> None:
        """The hub stops: handlers unregistered, no gate's timer runs after it."""
        while self._on_stop:
            self._on_stop.pop()()
        for gate in self.gates():
            gate.stop_timers()
