"""The barrier domain: the state and attributes come from the base class's fields, and a
service a barrier cannot run is refused with its name and the entity's."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.barrier.const import BarrierEntityFeature, BarrierState
from xiaoqu.integrations.barrier.entity import BarrierEntity


class Gate(BarrierEntity):
    """A barrier that opens and closes and counts what it was asked to do."""

    def __init__(self, name: str, features: int = 0) -> None:
        self._attr_name = name
        self._attr_supported_features = features
        self.commands: list[str] = []

    async def open(self) -> None:
        self.commands.append("open")
        self._attr_barrier_state = BarrierState.OPENING
        self.write_state()

    def stop(self) -> None:
        self.commands.append("stop")


async def test_the_state_and_attributes_come_from_the_fields(tmp_path):
    async with running_hub(tmp_path, {"barrier": None}) as hub:
        gate = Gate("North gate")
        await hub.entities.add("test", [gate])
        assert hub.states.get("barrier.north_gate").state == "unknown"
        gate._attr_barrier_state = BarrierState.FAULT
        gate._attr_vehicle_present, gate._attr_fault = True, "arm breakaway"
        gate.write_state()
        state = hub.states.get("barrier.north_gate")
        assert state.state == "fault"
        assert (state.attributes["vehicle_present"], state.attributes["fault"]) == (True, "arm breakaway")
        await hub.services.call("barrier", "open", {"entity_id": "barrier.north_gate"})
        assert hub.states.get("barrier.north_gate").state == "opening"


async def test_a_service_the_barrier_cannot_run_is_refused_naming_it(tmp_path):
    async with running_hub(tmp_path, {"barrier": None}) as hub:
        plain, stoppable = Gate("Plain"), Gate("Stoppable", BarrierEntityFeature.STOP)
        await hub.entities.add("test", [plain, stoppable])
        # stop is optional: refused for a barrier without the feature, before any barrier acts
        with pytest.raises(ServiceNotSupported, match=r"^barrier\.plain does not support barrier\.stop$"):
            await hub.services.call("barrier", "stop", {"entity_id": ["barrier.stoppable", "barrier.plain"]})
        assert stoppable.commands == []
        # ... and left out, not refused, when the call targets every barrier
        await hub.services.call("barrier", "stop", {"entity_id": "all"})
        assert (plain.commands, stoppable.commands) == ([], ["stop"])
        # close is not optional, but a subclass that does not implement it is refused alike
        with pytest.raises(ServiceNotSupported, match=r"^barrier\.plain does not support barrier\.close$"):
            await hub.services.call("barrier", "close", {"entity_id": "barrier.plain"})
