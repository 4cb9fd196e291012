"""What the barrier tests share: a gate driven by the test itself (the model, free of any
transport), a real broker, people to act as, and the events the gates fire."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.barrier import BarrierEntity, BarrierEntityFeature, BarrierState, Command, GateOptions

EVENTS = ("barrier_fault", "barrier_recovered")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """A broker process (Mosquitto where installed, else amqtt) on a free port."""
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


class Gate(BarrierEntity):
    """A gate the test plays: it keeps the commands it was sent and, when ``obeys``, its arm
    starts to move as a controller's would (reported on the next turn of the loop)."""

    def __init__(self, name: str, *, features: int = BarrierEntityFeature.STOP, obeys: bool = True,
                 options: GateOptions | None = None) -> None:
        self._attr_name = name
        self._attr_supported_features = features
        self.options = options or GateOptions()
        self.obeys = obeys
        self.commands: list[str] = []

    def send_command(self, command: Command, request_id: str | None = None) -> None:
        self.commands.append(command.value)
        moves = {Command.OPEN: BarrierState.OPENING, Command.CLOSE: BarrierState.CLOSING, Command.STOP: BarrierState.STOPPED}
        if self.obeys:
            asyncio.get_running_loop().call_soon(self.report, moves[command])

    def report(self, state: BarrierState, *, vehicle: bool | None = None, fault: str | None = None) -> None:
        """What the controller says."""
        self._attr_barrier_state, self._attr_fault = state, fault
        if vehicle is not None:
            self._attr_vehicle_present = vehicle
        self._attr_available, self._attr_unavailable_reason = True, None
        self.write_state()

    def silent(self, reason: str = "no answer within 1 s") -> None:
        self._attr_available, self._attr_unavailable_reason = False, reason
        self.write_state()


@asynccontextmanager
async def gate_hub(tmp_path: Path, *gates: Gate, clock: ManualClock | None = None) -> AsyncIterator[Hub]:
    """A hub with the barrier integration and ``gates`` on it."""
    async with running_hub(tmp_path, {"barrier": None}, clock=clock) as hub:
        await hub.entities.add("test", gates)
        yield hub


async def person(hub: Hub, name: str, role: str = "guard") -> Context:
    account = await get_auth(hub).manager.add_user(name, role, None, Actor("hub"))
    return Context(user_id=account.id, source="api")


def record(hub: Hub, *event_types: str) -> list[Event]:
    events: list[Event] = []
    for event_type in event_types or EVENTS:
        hub.bus.listen(event_type, events.append)
    return events


def fired(events: list[Event]) -> list[tuple[str, Any]]:
    return [(event.event_type, event.data["fault"]) for event in events]
