"""A community in miniature for the fire linkage: doors whose controllers are an MQTT client on
a real broker, gates that are the simulator's barrier firmware behind a real pymodbus server,
and a fire panel's alarm relay as a discrete input on a second pymodbus server, all on the
hub's real clock (the one-second promise is about real time)."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from tests.fixtures_modbus import ModbusTestServer
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.clock import Clock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.simulator.barrier import BarrierGate
from xiaoqu.integrations.simulator.barrier import BarrierState as Arm
from xiaoqu.integrations.simulator.modbus_server import BarrierModbusServer, ReferenceMap

ROOT = "xiaoqu/demo"
FIRE_INPUT = "binary_sensor.fire_panel_alarm"
DOORS = ["b1-u1", "b1-u2", "gate-1"]
GATES = {1: "main-1", 2: "main-2"}
FIRE_PLAN: dict[str, Any] = {
    "name": "火灾 Fire",
    "steps": [{"text": "确认火情 Confirm the fire", "responsible": "值班保安 Guard on duty", "target_seconds": 120},
              {"text": "疏散 Evacuate", "responsible": "保安部 Guards", "target_seconds": 600}],
    "actions": [{"unlock_doors": "all"}, {"open_barriers": "all"},
                {"display": {"displays": ["main-1"], "lines": ["火警 请疏散", "Fire - evacuate"]}}],
    "return": [{"restore_doors": True}, {"close_barriers": "all"}, {"clear_displays": {"displays": ["main-1"]}}],
}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


async def until(condition: Callable[[], Any], timeout: float = 10.0, every: float = 0.002) -> Any:
    """Wait (real time) until ``condition()`` is true; its value."""
    async with asyncio.timeout(timeout):
        while not (found := condition()):
            await asyncio.sleep(every)
    return found


@dataclass
class Community:
    hub: Hub
    probe: MqttProbe
    panel: ModbusTestServer
    arms: dict[str, BarrierGate]
    events: list[Event] = field(default_factory=list)

    def commands(self, door: str) -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.probe.payloads(f"{ROOT}/door/{door}/command")]

    def shown(self, display: str) -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.probe.payloads(f"{ROOT}/display/{display}/show")]

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [dict(e.data) for e in self.events if e.event_type == event_type]

    async def alarm(self, on: bool) -> float:
        """The fire panel's relay closes (or opens); the real time it did."""
        await self.panel.set_bits(1, 0, [on], table="discrete_input")
        return time.perf_counter()

    def doors_held(self, doors: list[str]) -> bool:
        return all({"action": "hold_open"} in self.commands(door) for door in doors)

    def arms_up(self, gates: list[str]) -> bool:
        return all(self.arms[gate].state in (Arm.OPENING, Arm.OPEN) for gate in gates)

    async def person(self, name: str, role: str) -> Context:
        account = await get_auth(self.hub).manager.add_user(name, role, None, Actor("hub"))
        return Context(user_id=account.id, source="api")


def site_config(broker: BrokerProcess, gates_port: int, panel_port: int, doors: list[dict[str, Any]],
                scan: float, **emergency: Any) -> dict[str, Any]:
    return {
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": {"groups": []},
        "door": {"doors": doors},
        "modbus": [
            {"name": "gates", "type": "tcp", "host": "127.0.0.1", "port": gates_port, "timeout": 0.3, "retries": 0},
            {"name": "panel", "type": "tcp", "host": "127.0.0.1", "port": panel_port, "timeout": 0.3, "retries": 0,
             "binary_sensors": [{"name": "Fire panel alarm", "unique_id": "fire_panel_alarm", "device_id": 1,
                                 "address": 0, "input_type": "discrete_input", "scan_interval": scan}]},
        ],
        "barrier": {"gates": [{"id": gate, "name": f"Gate {gate}", "auto_close": 2,
                               "modbus": {"hub": "gates", "device_id": unit, "scan_interval": 0.2}}
                              for unit, gate in GATES.items()]},
        "emergency": {"fire_alarm": FIRE_INPUT, "hold_every": 0.5, "plans": {"fire": FIRE_PLAN}, **emergency},
    }


@asynccontextmanager
async def community(tmp_path: Path, broker: BrokerProcess, *, doors: list[dict[str, Any]] | None = None,
                    scan: float = 0.05, **emergency: Any) -> AsyncIterator[Community]:
    """The community; ``scan``: seconds between polls of the fire panel's relay."""
    clock = Clock(SITE_TZ)
    arms = {gate: BarrierGate(clock, gate, travel_time=0.3, auto_close=1.5) for gate in GATES.values()}
    gates = BarrierModbusServer({unit: (arms[gate], ReferenceMap()) for unit, gate in GATES.items()},
                                "127.0.0.1", 0)
    await gates.start()
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    doors = doors if doors is not None else [{"id": door} for door in DOORS]
    try:
        async with ModbusTestServer(device_ids=(1,)) as panel, \
                MqttProbe(broker, f"{ROOT}/door/+/command", f"{ROOT}/display/+/show") as probe, \
                running_hub(site, site_config(broker, gates.port, panel.port, doors, scan, **emergency),
                            clock=clock) as hub:
            await mqtt.wait_connected(hub)
            await mqtt.get(hub).client.wait_subscribed()
            found = Community(hub, probe, panel, arms)
            hub.bus.listen("*", lambda e: found.events.append(e) if e.event_type.startswith("emergency.") else None)
            await until(lambda: hub.states.get(FIRE_INPUT) is not None and all(
                hub.states.get(f"barrier.{g.replace('-', '_')}").state == "closed" for g in GATES.values()))
            yield found
    finally:
        for arm in arms.values():
            arm.shutdown()
        await gates.stop()
