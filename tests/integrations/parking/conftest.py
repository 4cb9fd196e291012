"""A car park on a real hub and a real broker: the main gate's two lanes, each with a plate
camera speaking the device protocol (``lpr/<id>/plate``), a barrier on the device protocol
whose controller a client on the broker plays (it raises the arm when told), and a display
whose messages the test reads; payments through the simulated WeChat Pay over the hub's own
HTTP; residents, access and a few staff with tokens. The hub's clock is the test's.

Households: ``1-1-0101`` (space A-001 for 粤B10001), ``1-2-0601`` (space A-002 for 粤B20002 and
粤B20003, one space for two cars), ``2-1-0301`` (粤B30003, no space). 粤B66666 has a monthly
pass. The lot holds 10 cars, 3 of them temporary.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import aiomqtt
import pytest
from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from tests.core.http.conftest import add_user
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.bus import Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.parking import Parking, get_parking
from xiaoqu.integrations.residents import get_residents
from xiaoqu.plugins.sim_pay import get_platform

ROOT = "xiaoqu/demo"
#: Monday 2 March 2026, 10:00 in Shanghai: daytime, for the tariff.
START = datetime(2026, 3, 2, 10, 0, tzinfo=SITE_TZ)
IN_GATE, OUT_GATE = "barrier.main_gate_lane_1", "barrier.main_gate_lane_2"
TARIFF = {"name": "临停", "free_minutes": 15, "price_fen": 300, "daily_cap_fen": 3000,
          "night": {"start": "20:00", "end": "08:00", "price_fen": 500, "per": "night"}}
LOT = {"id": "main", "name": "正门停车场", "capacity": 10, "temporary_spaces": 3, "tariff": TARIFF,
       "fixed_spaces": [{"space": "A-001", "household": "1-1-0101", "plates": ["粤B10001"]},
                        {"space": "A-002", "household": "1-2-0601", "plates": ["粤B20002", "粤B20003"]}]}
LANES = [
    {"id": "main-1", "name": "正门入口", "lot": "main", "direction": "in", "camera": "cam-1", "barrier": IN_GATE,
     "display": "led-1"},
    {"id": "main-2", "name": "正门出口", "lot": "main", "direction": "out", "camera": "cam-2", "barrier": OUT_GATE,
     "display": "led-2"},
]
ACCESS: dict[str, Any] = {
    "groups": [
        {"id": "residents_cars", "name": "住户车辆", "doors": ["main-1"], "members": {"kinds": ["resident"]}},
        {"id": "visitor_cars", "name": "访客车辆", "doors": ["main-1"], "members": {"kinds": ["visitor"]}},
    ],
}


def config(broker: BrokerProcess, cameras: list[dict[str, Any]], sections: dict[str, Any] | None = None,
           **parking: Any) -> dict[str, Any]:
    return {**(sections or {}),
        "http": {"server_port": 0},
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": ACCESS,
        "lpr": {"cameras": [{"id": "cam-1", "lane": "main-1", "direction": "in"},
                            {"id": "cam-2", "lane": "main-2", "direction": "out"}, *cameras]},
        "barrier": {"gates": [{"id": "main_gate_lane_1", "name": "Main gate lane 1", "offline_after": 86400},
                              {"id": "main_gate_lane_2", "name": "Main gate lane 2", "offline_after": 86400}]},
        "payments": {},
        "sim_pay": {"pay_after": None, "retry_seconds": [0.05]},
        "parking": {"lots": [LOT], "lanes": LANES, "passes": [{"plate": "粤B66666", "lot": "main", "until": "2026-03-31"}],
                    **parking},
    }


class Controllers:
    """The barriers' controllers on the broker: each raises its arm when told to open."""

    def __init__(self, broker: BrokerProcess) -> None:
        self.broker = broker
        self.obey = True
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Controllers:
        client = aiomqtt.Client(self.broker.host, self.broker.port)
        await client.__aenter__()
        await client.subscribe(f"{ROOT}/barrier/+/command", qos=1)
        self._client = client
        self._task = asyncio.get_running_loop().create_task(self._serve())
        return self

    async def report(self, gate: str, state: str) -> None:
        await self._client.publish(f"{ROOT}/barrier/{gate}/state", json.dumps({"state": state}), qos=1)

    async def _serve(self) -> None:
        moves = {"open": "opening", "close": "closing", "stop": "stopped"}
        with suppress(aiomqtt.MqttError):
            async for message in self._client.messages:
                gate = message.topic.value.split("/")[3]
                if self.obey:
                    await self.report(gate, moves[json.loads(bytes(message.payload))["action"]])  # type: ignore[arg-type]

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        with suppress(aiomqtt.MqttError):
            await self._client.__aexit__(None, None, None)


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    probe: MqttProbe
    gates: Controllers
    session: aiohttp.ClientSession
    tokens: dict[str, str]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def parking(self) -> Parking:
        return get_parking(self.hub)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data[DATA_SERVER].port}"

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    def commands(self, gate: str) -> list[str]:
        topic = f"{ROOT}/barrier/{gate.removeprefix('barrier.')}/command"
        return [json.loads(payload)["action"] for payload in self.probe.payloads(topic)]

    def shown(self, display: str) -> list[dict[str, Any]]:
        return [json.loads(payload) for payload in self.probe.payloads(f"{ROOT}/display/{display}/show")]

    def last_shown(self, display: str, mode: str = "event") -> dict[str, Any]:
        return [shown for shown in self.shown(display) if shown["mode"] == mode][-1]

    def free(self) -> int:
        return int(self.hub.states.get("sensor.main_free_spaces").state)

    async def read(self, camera: str, plate: str, confidence: float = 0.95) -> None:
        """A camera reads ``plate`` over the broker; returns once the hub has decided and acted."""
        payload = {"plate": plate, "confidence": confidence}
        arrived = asyncio.Event()
        unsubscribe = self.hub.bus.listen("device_message", lambda e: arrived.set() if e.data["payload"] == payload
                                          and e.data["device_id"] == camera else None)
        try:
            await self.probe.publish(f"{ROOT}/lpr/{camera}/plate", json.dumps(payload, ensure_ascii=False))
            async with asyncio.timeout(10):
                await arrived.wait()
        finally:
            unsubscribe()
        await self.settle()

    async def settle(self) -> None:
        """Let the hub finish what it started: barrier commands confirmed, orders made, rows written."""
        for _ in range(5):
            await self.hub.block_till_done()
            await asyncio.sleep(0.05)
        await self.hub.block_till_done()

    async def wait_commands(self, gate: str, count: int) -> list[str]:
        await self.probe.wait_until(lambda: len(self.commands(gate)) >= count)
        await self.settle()
        return self.commands(gate)

    async def pay_order(self, order_id: str) -> None:
        """The driver scans the QR code and pays: WeChat's signed notify to the hub's callback."""
        delivery = await get_platform(self.hub).pay(order_id)
        assert delivery.taken, delivery
        await self.settle()

    async def call(self, role: str, service: str, data: dict[str, Any]) -> tuple[int, Any]:
        """A service through the REST API as ``role``: the answer, or the error's message."""
        async with self.session.post(f"{self.base}/api/services/parking/{service}?return_response", json=data,
                                     headers={"Authorization": f"Bearer {self.tokens[role]}"}) as response:
            body = await response.json()
        await self.settle()
        return response.status, body.get("service_response", body) if response.status == 200 else body["message"]

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


async def populate(hub: Hub) -> None:
    residents = get_residents(hub)
    for household in ("1-1-0101", "1-2-0601", "2-1-0301"):
        await residents.add_household(household)
    for plate, household in (("粤B10001", "1-1-0101"), ("粤B20002", "1-2-0601"), ("粤B20003", "1-2-0601"),
                             ("粤B30003", "2-1-0301")):
        await residents.add_vehicle(plate, household)


@asynccontextmanager
async def car_park(tmp_path: Path, broker: BrokerProcess, *, cameras: tuple[dict[str, Any], ...] = (),
                   start: datetime = START, sections: dict[str, Any] | None = None, **parking: Any) -> AsyncIterator[Site]:
    """The car park from ``start``; ``cameras`` more lpr cameras, ``sections`` more sections of the
    config (visitors), ``parking`` keys of the section to replace."""
    clock = ManualClock(start, SITE_TZ)
    site_dir = tmp_path / "site"
    site_dir.mkdir(exist_ok=True)
    site_config = config(broker, list(cameras), sections, **parking)
    async with MqttProbe(broker, f"{ROOT}/barrier/+/command", f"{ROOT}/display/+/show") as probe, \
            Controllers(broker) as gates, running_hub(site_dir, site_config, clock=clock) as hub, \
            aiohttp.ClientSession() as session:
        await mqtt.wait_connected(hub)
        await mqtt.get(hub).client.wait_subscribed()
        if get_residents(hub).household("1-1-0101") is None:
            await populate(hub)
        tokens = {role: await add_user(hub, role, role) for role in ("manager", "guard", "finance", "resident")}
        site = Site(hub, clock, probe, gates, session, tokens)

        def seen(event: Event) -> None:
            if event.event_type.startswith(("parking_", "access_", "payment_")):
                site.events.append((event.event_type, dict(event.data)))

        hub.bus.listen("*", seen)
        for gate in ("main_gate_lane_1", "main_gate_lane_2"):
            await gates.report(gate, "closed")
        await probe.wait_until(lambda: all(hub.states.get(g).state == "closed" for g in (IN_GATE, OUT_GATE)))
        assert get_access(hub).doors["main-1"].kind == "vehicle"
        yield site


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process
