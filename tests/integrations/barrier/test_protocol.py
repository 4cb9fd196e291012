"""Gates on the device protocol over a real broker (Mosquitto where installed, else amqtt): a
client on the broker plays the gate's controller — it reports on ``barrier/<id>/state`` and
reads the hub's ``barrier/<id>/command``."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.barrier import BarrierNotOpened, get_barriers

from .conftest import fired, record

ROOT = "xiaoqu/demo"
GATE = "barrier.back_1"
BACK_GATE = {"id": "back-1", "name": "Back gate", "offline_after": 30}


class Controller:
    """The gate's controller on the broker."""

    def __init__(self, hub: Hub, clock: ManualClock, probe: MqttProbe) -> None:
        self.hub, self.clock, self.probe = hub, clock, probe

    def commands(self, gate: str = "back-1") -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.probe.payloads(f"{ROOT}/barrier/{gate}/command")]

    async def report(self, state: str, gate: str = "back-1", **extra: Any) -> None:
        """Publish the gate's state; returns once the hub has taken it."""
        payload = {"state": state, **extra}
        arrived = asyncio.Event()
        unsubscribe = self.hub.bus.listen(
            "device_message", lambda event: arrived.set() if event.data["device_id"] == gate
            and event.data["payload"] == payload else None)
        try:
            await self.probe.publish(f"{ROOT}/barrier/{gate}/state", json.dumps(payload))
            async with asyncio.timeout(10):
                await arrived.wait()
        finally:
            unsubscribe()
        await self.hub.block_till_done()

    async def obey(self, count: int = 1) -> None:
        """Wait for the ``count``-th command and report the arm moving as told."""
        await self.probe.wait_until(lambda: len(self.commands()) >= count)
        moving = {"open": "opening", "close": "closing", "stop": "stopped"}[self.commands()[count - 1]["action"]]
        await self.report(moving)


@asynccontextmanager
async def gate_site(tmp_path: Path, broker: BrokerProcess, *gates: dict[str, Any]) -> AsyncIterator[Controller]:
    clock = ManualClock(START)
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    config = {"mqtt": broker.hub_config(), "barrier": {"gates": list(gates or [BACK_GATE])}}
    async with MqttProbe(broker, f"{ROOT}/barrier/+/command") as probe, running_hub(site, config, clock=clock) as hub:
        await mqtt.wait_connected(hub)
        await mqtt.get(hub).client.wait_subscribed()
        yield Controller(hub, clock, probe)


async def test_the_gates_reports_become_its_state(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        assert gate.hub.states.get(GATE).state == "unknown"
        for state in ("closed", "opening", "open", "closing", "stopped"):
            await gate.report(state, ts=1772409600)
            assert gate.hub.states.get(GATE).state == state
        events = record(gate.hub)
        await gate.report("fault", fault="motor overcurrent")
        state = gate.hub.states.get(GATE)
        assert (state.state, state.attributes["fault"]) == ("fault", "motor overcurrent")
        assert state.attributes["vehicle_present"] is None  # the device protocol does not say
        await gate.report("fault", fault="motor overcurrent")
        await gate.report("closed")
        assert fired(events) == [("barrier_fault", "motor overcurrent"), ("barrier_recovered", "motor overcurrent")]


async def test_open_publishes_the_command_and_resolves_on_the_gates_state(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        await gate.report("closed")
        opened, _ = await asyncio.gather(
            get_barriers(gate.hub).open(GATE, reason="resident", context=Context(source="parking"), request_id="lpr-7781"),
            gate.obey())
        assert gate.commands() == [{"action": "open", "request_id": "lpr-7781"}]
        assert opened.state == "opening" and opened.seconds < 1


async def test_open_without_an_answer_names_the_gate_and_the_wait(tmp_path, broker):
    async with gate_site(tmp_path, broker, {**BACK_GATE, "confirm_timeout": 0.3}) as gate:
        await gate.report("closed")
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.back_1 did not confirm opening within 0\.3 s "
                                                   r"\(it reports closed\)$"):
            await get_barriers(gate.hub).open(GATE, reason="resident")
        await gate.probe.wait_until(gate.commands)


async def test_the_services_command_the_gate(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        await gate.report("open")
        await gate.hub.services.call("barrier", "stop", {"entity_id": GATE})
        await gate.hub.services.call("barrier", "close", {"entity_id": GATE, "reason": "end of the drill"})
        await gate.probe.wait_until(lambda: len(gate.commands()) == 2)
        assert gate.commands() == [{"action": "stop"}, {"action": "close"}]


async def test_no_car_detection_so_the_arm_comes_down_after_n_seconds(tmp_path, broker):
    async with gate_site(tmp_path, broker, {**BACK_GATE, "auto_close": 20}) as gate:
        await gate.report("open")
        gate.clock.advance(20)
        await gate.probe.wait_until(gate.commands)
        assert gate.commands() == [{"action": "close"}]


async def test_a_silent_gate_is_unavailable_and_a_fault_until_heard_again(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        events = record(gate.hub)
        await gate.report("closed")
        gate.clock.advance(29)
        await gate.report("closed")  # its report every so often
        gate.clock.advance(29)
        assert gate.hub.states.get(GATE).state == "closed"
        gate.clock.advance(1)
        state = gate.hub.states.get(GATE)
        assert (state.state, state.attributes["fault"]) == ("unavailable", "nothing heard from the gate for 30 s")
        (fault,) = [e.data for e in events]
        assert fault["since"] == "2026-03-02T08:00:59+08:00"
        gate.clock.advance(300)
        assert len(events) == 1
        await gate.report("closed")
        assert gate.hub.states.get(GATE).state == "closed"
        assert fired(events)[-1] == ("barrier_recovered", "nothing heard from the gate for 30 s")
        gate.clock.advance(30)  # watched again
        assert gate.hub.states.get(GATE).state == "unavailable"


async def test_a_gate_never_heard_from_is_unavailable_after_offline_after(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        gate.clock.advance(30)
        assert gate.hub.states.get(GATE).state == "unavailable"


async def test_an_unknown_gates_reports_are_counted_not_acted_on(tmp_path, broker):
    async with gate_site(tmp_path, broker) as gate:
        await gate.report("open", gate="side-9")
        assert mqtt.get(gate.hub).rejections.by_device["barrier/side-9"] == {"not_configured": 1}


async def test_gates_on_the_device_protocol_need_mqtt(tmp_path):
    async with running_hub(tmp_path, {"barrier": {"gates": [BACK_GATE]}}, expect_problems=True) as hub:
        problems = [str(p) for p in hub.plugins.problems]
    assert any("gates back-1 speak the device protocol" in p and "add mqtt: to config.yaml" in p for p in problems), problems
