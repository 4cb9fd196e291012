"""A hub with access and doors on a real broker, a manual clock, and an MQTT client that
plays the readers and the door contacts."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ, START
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt

ROOT = "xiaoqu/demo"
#: Two doors of one unit, the inner one interlocked with the outer; a gate with two readers.
DOORS: list[dict[str, Any]] = [
    {"id": "d1", "name": "Building 1 unit 1 entrance", "area": "b1"},
    {"id": "gate", "name": "Pedestrian gate", "readers": [{"id": "gate-in", "direction": "in"},
                                                          {"id": "gate-out", "direction": "out"}]},
]
#: Who may open what: the holders of the passes the tests issue (access's own credentials).
ACCESS: dict[str, Any] = {
    "schedules": {"office": {"name": "Office hours", "workdays": ["08:00-18:00"]}},
    "groups": [
        {"id": "residents", "name": "Residents", "doors": ["*"], "members": {"kinds": ["resident"]}},
        {"id": "office", "name": "Office staff", "doors": ["*"], "schedule": "office",
         "members": {"kinds": ["staff"]}},
    ],
}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


class Site:
    """The hub, its clock, and a client on the broker that reads and writes the device topics."""

    def __init__(self, hub: Hub, clock: ManualClock, probe: MqttProbe) -> None:
        self.hub = hub
        self.clock = clock
        self.probe = probe
        self._request = 0
        self.events: list[tuple[str, dict[str, Any]]] = []
        hub.bus.listen("*", self._seen)

    def _seen(self, event: Any) -> None:
        if event.event_type.startswith(("door_", "access_")):
            self.events.append((event.event_type, dict(event.data)))

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    async def issue(self, pin: str, group: str) -> None:
        """A PIN pass for ``group`` (access's own credential: no residents needed)."""
        await self.hub.services.call("access", "add_credential", {"type": "pin", "pin": pin, "groups": [group]})

    async def present(self, reader: str, value: str, kind: str = "pin") -> dict[str, Any]:
        """Show a credential at ``reader``; the hub's answer."""
        self._request += 1
        request_id = f"q-{self._request}"
        await self.probe.publish(f"{ROOT}/reader/{reader}/credential",
                                 json.dumps({"request_id": request_id, "type": kind, "value": value}))
        return await self.answer(reader, request_id)

    async def answer(self, reader: str, request_id: str) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for payload in self.probe.payloads(f"{ROOT}/reader/{reader}/result"):
                answer = json.loads(payload)
                if answer.get("request_id") == request_id:
                    return answer  # type: ignore[no-any-return]
            return None

        return await self.probe.wait_until(find)  # type: ignore[no-any-return]

    def commands(self, door: str) -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.probe.payloads(f"{ROOT}/door/{door}/command")]

    async def contact(self, door: str, state: str, **extra: Any) -> None:
        """The door's controller reports its contact; returns once the hub has taken it."""
        await self.send(f"door/{door}/state", {"state": state, **extra})

    async def send(self, topic: str, payload: dict[str, Any]) -> None:
        """Publish on the device tree; returns once the hub's router has handled it."""
        arrived = asyncio.Event()
        device_type, device_id, _ = topic.split("/")
        unsubscribe = self.hub.bus.listen(
            "device_message",
            lambda event: arrived.set() if (event.data["device_type"], event.data["device_id"]) == (
                device_type, device_id) and event.data["payload"] == payload else None)
        try:
            await self.probe.publish(f"{ROOT}/{topic}", json.dumps(payload))
            async with asyncio.timeout(10):
                await arrived.wait()
        finally:
            unsubscribe()
        await self.hub.block_till_done()


@asynccontextmanager
async def door_site(tmp_path: Path, broker: BrokerProcess, doors: list[dict[str, Any]] | None = None,
                    clock: ManualClock | None = None, **sections: Any) -> AsyncIterator[Site]:
    clock = clock or ManualClock(START, SITE_TZ)
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    config = {
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": ACCESS,
        "door": {"doors": DOORS if doors is None else doors},
        **sections,
    }
    async with MqttProbe(broker, f"{ROOT}/reader/+/result", f"{ROOT}/door/+/command") as probe, \
            running_hub(site, config, clock=clock) as hub:
        await mqtt.wait_connected(hub)
        await mqtt.get(hub).client.wait_subscribed()
        yield Site(hub, clock, probe)
