"""The end-to-end tests' hands: a reader and a POS terminal played over the real broker, each
waiting for the hub's answer to its own request, and the office calling services over the
HTTP API as a logged-in user; a lane's plate camera and display over the broker, and the
barrier controllers' registers read over Modbus TCP."""
from __future__ import annotations

import itertools
import json
from typing import Any

import aiohttp
from pymodbus.client import AsyncModbusTcpClient

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


async def fire(hub, token: str, event_type: str, data: dict[str, Any]) -> None:
    """Fire ``event_type`` over the HTTP API, as another system (billing, say) would."""
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/events/{event_type}"
    async with aiohttp.ClientSession() as session, session.post(
            url, json=data, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200, await reply.text()


async def state(hub, token: str, entity_id: str) -> dict[str, Any]:
    """An entity's state as the HTTP API lists it."""
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/states/{entity_id}"
    async with aiohttp.ClientSession() as session, session.get(
            url, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200, await reply.text()
        found: dict[str, Any] = await reply.json()
        return found


class Display:
    """Reads a lane display's messages (``display/<id>/show``) off the broker."""

    def __init__(self, probe: MqttProbe, display: str) -> None:
        self.probe = probe
        self.topic = f"{ROOT}/display/{display}/show"

    def shown(self, mode: str = "event") -> list[dict[str, Any]]:
        return [body for body in map(json.loads, self.probe.payloads(self.topic)) if body["mode"] == mode]

    async def next(self, seen: int) -> dict[str, Any]:
        """The first decision shown after the ``seen`` ones before it."""
        await self.probe.wait_until(lambda: len(self.shown()) > seen)
        return self.shown()[seen]

    async def guidance(self, lines: list[str]) -> dict[str, Any]:
        """The free-space guidance (retained, ``mode: idle``), once it says ``lines``."""
        def current() -> dict[str, Any] | None:
            idle = self.shown("idle")
            return idle[-1] if idle and idle[-1]["lines"] == lines else None

        found: dict[str, Any] = await self.probe.wait_until(current)
        return found


class Camera:
    """Plays a lane's plate camera on the device protocol (``lpr/<id>/plate``); what the lane's
    display shows for each read is the hub's answer to it."""

    def __init__(self, probe: MqttProbe, camera: str, display: Display) -> None:
        self.probe = probe
        self.camera = camera
        self.display = display

    async def send(self, plate: str, confidence: float = 0.95) -> None:
        """Publish a read and go on (for a read the hub should not answer)."""
        payload = {"plate": plate, "confidence": confidence}
        await self.probe.publish(f"{ROOT}/lpr/{self.camera}/plate", json.dumps(payload, ensure_ascii=False))

    async def read(self, plate: str, confidence: float = 0.95) -> dict[str, Any]:
        """Publish a read; the decision the lane's display shows for it."""
        seen = len(self.display.shown())
        await self.send(plate, confidence)
        return await self.display.next(seen)


class GateRegisters:
    """Reads the barrier controllers' registers over Modbus TCP, as a technician's laptop on the
    gates' network would: each arm's state and its cycle counter (one count per opening), in the
    reference map (docs/barrier.md) or Acme's (integrations/simulator/acme_device.py)."""

    REFERENCE = ("closed", "opening", "open", "closing", "stopped", "fault")
    ACME_BITS = ("opening", "open", "closing", "closed", "fault")

    def __init__(self, port: int) -> None:
        self.client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2)

    async def __aenter__(self) -> GateRegisters:
        assert await self.client.connect(), "the barrier controllers' Modbus server is not listening"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.client.close()

    async def reference(self, unit: int) -> tuple[str, int]:
        """Input registers 0 (state) and 4-5 (cycles, high word first)."""
        registers = (await self.client.read_input_registers(0, count=6, device_id=unit)).registers
        return self.REFERENCE[registers[0]], registers[4] << 16 | registers[5]

    async def acme(self, unit: int) -> tuple[str, int]:
        """Holding register 256 (status bits) and 258-259 (cycles, low word first)."""
        registers = (await self.client.read_holding_registers(256, count=4, device_id=unit)).registers
        state = next((name for bit, name in enumerate(self.ACME_BITS) if registers[0] >> bit & 1), "stopped")
        return state, registers[2] | registers[3] << 16
