"""Issue 9's acceptance, end to end over a real broker (Mosquitto where installed) with the
simulated community running: the estate imported from the simulator's sheet; a resident's card
presented at readers the way a reader presents it, decided, answered with the reason and the
rule on the reader's result topic, and found in ``access.log``."""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import START
from tests.e2e.demo import demo_config, import_the_estate
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.auth import Actor
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents

ROOT = "xiaoqu/demo"
#: Building 1's residents may come in until 08:02 on working days (the test starts at 08:00).
EARLY = {"name": "Early birds", "workdays": ["06:00-08:02"]}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


def site_config(broker: BrokerProcess) -> dict[str, Any]:
    """The demo on the test's broker, building 1's group on the early schedule."""
    config = demo_config()
    config["mqtt"] = broker.hub_config()
    config["access"]["schedules"]["early"] = EARLY
    for group in config["access"]["groups"]:
        if group["id"] == "b1_residents":
            group["schedule"] = "early"
    return config


class Reader:
    """Plays a reader: presents a credential and waits for the hub's answer to it."""

    def __init__(self, probe: MqttProbe, clock: ManualClock) -> None:
        self.probe = probe
        self.clock = clock
        self.ids = itertools.count(1)

    async def present(self, reader: str, value: str, kind: str = "card") -> dict[str, Any]:
        # A second between two people at a reader: the same card within 200 ms is one read.
        self.clock.advance(1)
        request_id = f"e2e-{next(self.ids)}"
        payload = {"request_id": request_id, "type": kind, "value": value}
        await self.probe.publish(f"{ROOT}/reader/{reader}/credential", json.dumps(payload))

        def answer() -> dict[str, Any] | None:
            for body in self.probe.payloads(f"{ROOT}/reader/{reader}/result"):
                result = json.loads(body)
                if result.get("request_id") == request_id:
                    return result
            return None

        found: dict[str, Any] = await self.probe.wait_until(answer)
        return found

    async def door_command(self, door: str, request_id: str) -> dict[str, Any]:
        """The command the hub sent ``door`` for the request ``request_id``."""

        def command() -> dict[str, Any] | None:
            bodies = (json.loads(body) for body in self.probe.payloads(f"{ROOT}/door/{door}/command"))
            return next((body for body in bodies if body.get("request_id") == request_id), None)

        found: dict[str, Any] = await self.probe.wait_until(command)
        return found


async def call(hub, token: str, service: str, data: dict[str, Any]) -> Any:
    domain, name = service.split(".")
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/services/{domain}/{name}?return_response"
    async with aiohttp.ClientSession() as session, session.post(
            url, json=data, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200, await reply.text()
        return (await reply.json())["service_response"]


async def test_a_residents_card_through_the_day(tmp_path, broker):
    config = site_config(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(START)  # Monday 2 March 2026, 08:00: a working day
    async with running_hub(tmp_path, config, clock=clock) as hub, \
            MqttProbe(broker, f"{ROOT}/reader/+/result", f"{ROOT}/door/+/command") as probe:
        manager = hub.data["auth"].manager
        await manager.add_user("office", "manager", None, Actor("hub", "test"))
        _, token = await manager.create_token("office", Actor("hub", "test"))
        person = next(p for p in get_residents(hub).persons() if p.building == "1" and p.cards)
        card = person.cards[0]
        uid = int(card, 16)
        reader = Reader(probe, clock)

        home = await reader.present("b1-u1", card)
        assert home["granted"] is True and "person" not in home and "household" not in home  # the hub's to know
        assert home["rule"] == "group:b1_residents" and home["reason"].startswith("granted: ")
        assert (await reader.door_command("b1-u1", home["request_id"]))["action"] == "unlock"
        assert (await reader.present("gate-1", card))["granted"] is True

        other = await reader.present("b2-u1", card)
        assert other["granted"] is False and other["rule"] == "group:none"

        # One card, however the reader writes it: 10 decimal digits, a Wiegand-26 pair.
        for form in (f"{uid:010d}", f"{(uid >> 16) & 0xFF},{uid & 0xFFFF}", card.lower()):
            read = await reader.present("b1-u2", form)
            assert read["granted"] is True, form

        restricted = await call(hub, token, "access.restrict",
                                {"person": person.id, "scope": "all", "reason": "e2e: card reported lost"})
        for door in ("b1-u1", "gate-1"):  # the next swipe after the call returned, everywhere
            denied = await reader.present(door, card)
            assert denied["granted"] is False and denied["rule"] == f"restriction:{restricted['restriction_id']}"
            assert "e2e: card reported lost" in denied["reason"]
        await call(hub, token, "access.lift_restriction", {"restriction_id": restricted["restriction_id"]})
        assert (await reader.present("b1-u1", card))["granted"] is True

        clock.advance(120)  # past 08:02: after building 1's window
        late = await reader.present("b1-u1", card)
        assert late["granted"] is False and late["rule"] == "schedule:early", late
        assert (await reader.present("gate-2", card))["granted"] is False  # building 1's gates too

        log = await call(hub, token, "access.log", {"person": person.id, "limit": 50})

    records = log["records"]
    assert len(records) == 11  # every presentation above, once
    assert {(r["person"], r["household"]) for r in records} == {(person.id, person.household)}  # read as one person
    assert [r["granted"] for r in records][:3] == [False, False, True]  # newest first
    assert all(r["reason"] and r["rule"] for r in records)
    assert {r["door"] for r in records} == {"b1-u1", "b1-u2", "b2-u1", "gate-1", "gate-2"}
