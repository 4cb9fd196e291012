"""The end-to-end tests' hands: a reader and a POS terminal played over the real broker, each
waiting for the hub's answer to its own request, and the office calling services over the
HTTP API as a logged-in user."""
from __future__ import annotations

import itertools
import json
from typing import Any

import aiohttp

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.auth import Actor
from xiaoqu.core.clock import ManualClock

ROOT = "xiaoqu/demo"
#: What a probe subscribes to for the players below.
TOPICS = (f"{ROOT}/reader/+/result", f"{ROOT}/door/+/command", f"{ROOT}/pos/+/result")


class Device:
    """Sends a request on ``<type>/<id>/<message>`` and waits for the answer carrying its id."""

    def __init__(self, probe: MqttProbe, clock: ManualClock, prefix: str) -> None:
        self.probe = probe
        self.clock = clock
        self.prefix = prefix
        self.ids = itertools.count(1)

    async def request(self, topic: str, answer_topic: str, payload: dict[str, Any]) -> dict[str, Any]:
        # A second between two people at a device: the same card within 200 ms is one read.
        self.clock.advance(1)
        request_id = f"{self.prefix}-{next(self.ids)}"
        await self.probe.publish(f"{ROOT}/{topic}", json.dumps({"request_id": request_id, **payload}))

        def answer() -> dict[str, Any] | None:
            for body in self.probe.payloads(f"{ROOT}/{answer_topic}"):
                result = json.loads(body)
                if result.get("request_id") == request_id:
                    return result
            return None

        found: dict[str, Any] = await self.probe.wait_until(answer)
        return found


class Reader(Device):
    """Plays a reader: presents a credential and waits for the hub's answer to it."""

    def __init__(self, probe: MqttProbe, clock: ManualClock) -> None:
        super().__init__(probe, clock, "e2e")

    async def present(self, reader: str, value: str, kind: str = "card") -> dict[str, Any]:
        return await self.request(f"reader/{reader}/credential", f"reader/{reader}/result", {"type": kind, "value": value})

    async def door_command(self, door: str, request_id: str) -> dict[str, Any]:
        """The command the hub sent ``door`` for the request ``request_id``."""

        def command() -> dict[str, Any] | None:
            bodies = (json.loads(body) for body in self.probe.payloads(f"{ROOT}/door/{door}/command"))
            return next((body for body in bodies if body.get("request_id") == request_id), None)

        found: dict[str, Any] = await self.probe.wait_until(command)
        return found


class Till(Device):
    """Plays a POS terminal: charges a card and waits for the hub's answer."""

    def __init__(self, probe: MqttProbe, clock: ManualClock) -> None:
        super().__init__(probe, clock, "e2e-till")

    async def charge(self, terminal: str, card: str, amount_fen: int) -> dict[str, Any]:
        return await self.request(f"pos/{terminal}/charge", f"pos/{terminal}/result", {"card": card, "amount": amount_fen})


async def user_token(hub, name: str, role: str) -> str:
    manager = hub.data["auth"].manager
    await manager.add_user(name, role, None, Actor("hub", "test"))
    _, token = await manager.create_token(name, Actor("hub", "test"))
    return token


async def call(hub, token: str, service: str, data: dict[str, Any]) -> Any:
    domain, name = service.split(".")
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/services/{domain}/{name}?return_response"
    async with aiohttp.ClientSession() as session, session.post(
            url, json=data, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200, await reply.text()
        return (await reply.json())["service_response"]
