"""The hub killed with SIGKILL in the middle of heavy writes, and started again.

``xiaoqu run`` runs in a child process on a temporary config (residents, access, the card
centre with a shop's POS terminal, a real broker). From the outside, as the office and the
shop would, workers add staff to the registry, issue each a card, recharge it (a payment with
its id) and charge it at the till over MQTT, as fast as the hub answers; every answer that
said "done" is written down. Then the hub is killed without warning. Started again (on the
same directory) it must load every store, hold everything it acknowledged, and its ledger must
balance (``Ledger.verify`` finds no difference).
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from tests.e2e.players import user_token
from tests.fixtures_mqtt import BrokerProcess, MqttProbe, free_port
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.cards import get_cards
from xiaoqu.integrations.residents import get_residents

ROOT = "xiaoqu/demo"
TILL = "shop_1"
WORKERS = 6
LOAD_SECONDS = 3.0
RECHARGE_FEN, CHARGE_FEN = 5000, 150
WAIT = 30.0  # seconds: start-up bound for a busy machine


@dataclass
class Acknowledged:
    """What the hub said "done" to, from the outside."""

    persons: list[str] = field(default_factory=list)
    cards: dict[str, str] = field(default_factory=dict)  # card → holder
    payments: dict[str, str] = field(default_factory=dict)  # payment id → card
    charges: dict[str, str] = field(default_factory=dict)  # request id → card


def site_config(broker: BrokerProcess, port: int) -> dict[str, Any]:
    return {
        "xiaoqu": {"name": "faults"},
        "http": {"server_port": port},
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": {"groups": [{"id": "staff", "name": "Staff", "doors": ["*"], "members": {"kinds": ["staff"]}}]},
        "cards": {"pos": {"terminals": [{"id": TILL, "name": "Shop", "kind": "shop"}]}},
    }


class Office:
    """The office's calls over the HTTP API, and the shop's till over the broker."""

    def __init__(self, session: aiohttp.ClientSession, port: int, token: str, till: MqttProbe) -> None:
        self.session = session
        self.url = f"http://127.0.0.1:{port}/api/services"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.till = till
        self.ids = itertools.count(1)
        self.done = Acknowledged()

    async def call(self, service: str, data: dict[str, Any]) -> Any:
        domain, name = service.split(".")
        async with self.session.post(f"{self.url}/{domain}/{name}?return_response", json=data,
                                     headers=self.headers) as reply:
            assert reply.status == 200, await reply.text()
            return (await reply.json())["service_response"]

    async def charge(self, card: str) -> None:
        request_id = f"till-{next(self.ids)}"
        await self.till.publish(f"{ROOT}/pos/{TILL}/charge",
                                json.dumps({"request_id": request_id, "card": card, "amount": CHARGE_FEN}))

        def answer() -> dict[str, Any] | None:
            for body in self.till.payloads(f"{ROOT}/pos/{TILL}/result"):
                result = json.loads(body)
                if result.get("request_id") == request_id:
                    return result  # type: ignore[no-any-return]
            return None

        result = await self.till.wait_until(answer)
        assert result["ok"] is True, result
        self.done.charges[request_id] = card

    async def worker(self, worker: int) -> None:
        """A member of staff added, a card issued, recharged and charged at the till, again and again."""
        for n in itertools.count():
            card = f"{0xFA000000 + worker * 0x10000 + n:08X}"
            person = (await self.call("residents.add_person",
                                      {"kind": "staff", "name": f"员工{worker}-{n}", "department": "物业"}))["person"]
            self.done.persons.append(person["id"])
            await self.call("cards.issue", {"card": card, "person": person["id"], "subsystems": ["door", "consumption"]})
            self.done.cards[card] = person["id"]
            payment = f"counter-{worker}-{n}"
            await self.call("cards.recharge", {"card": card, "amount_fen": RECHARGE_FEN, "payment_id": payment,
                                               "method": "cash"})
            self.done.payments[payment] = card
            for _ in range(3):
                await self.charge(card)


async def wait_listening(port: int, child: subprocess.Popen[bytes], log: Path) -> float:
    start = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - start < WAIT:
            assert child.poll() is None, f"the hub exited with {child.returncode}:\n{log.read_text()[-3000:]}"
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/api/") as reply:
                    if reply.status < 500:
                        return time.monotonic() - start
            await asyncio.sleep(0.1)
    pytest.fail(f"the hub did not listen within {WAIT} s:\n{log.read_text()[-3000:]}")


async def test_hub_killed_during_heavy_writes_keeps_everything_it_acknowledged(tmp_path, broker):
    site = tmp_path / "site"
    site.mkdir()
    port = free_port()
    config = site_config(broker, port)
    async with running_hub(site, {**config, "http": {"server_port": 0}}) as hub:  # the office's account first
        token = await user_token(hub, "office", "manager")
    path = write_config(site, config)
    log = tmp_path / "hub.log"
    with log.open("wb") as output:
        child = subprocess.Popen([sys.executable, "-m", "xiaoqu.core.cli", "run", "-c", str(path)], cwd=site,
                                 stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        await wait_listening(port, child, log)
        async with aiohttp.ClientSession() as session, MqttProbe(broker, f"{ROOT}/pos/+/result") as till:
            office = Office(session, port, token, till)
            workers = [asyncio.get_running_loop().create_task(office.worker(n)) for n in range(WORKERS)]
            await asyncio.sleep(LOAD_SECONDS)
            assert not any(worker.done() for worker in workers), [w.exception() for w in workers if w.done()]
            child.send_signal(signal.SIGKILL)  # in the middle of it all
            child.wait(10)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    finally:
        child.kill()
        child.wait(10)
    done = office.done
    assert len(done.cards) >= WORKERS and len(done.charges) >= WORKERS  # the load really ran

    async with running_hub(site, {**config, "http": {"server_port": 0}}) as hub:  # fails if a store does not load
        residents, cards = get_residents(hub), get_cards(hub)
        missing_persons = [p for p in done.persons if residents.person(p) is None]
        holders = {card: cards.card(card).holder for card in done.cards}
        ledger = cards.wallet.ledger
        payments = [p for p in done.payments if await ledger.transaction(f"recharge:{p}") is None]
        charges = [c for c in done.charges if await ledger.transaction(f"pos:{TILL}:{c}") is None]
        differences = await ledger.verify()
        balances = {card: cards.balance(card) for card in set(done.payments.values())}
        await hub.recorder.flush()
        history = await hub.recorder.count("cards")
    assert missing_persons == []
    assert holders == done.cards
    assert payments == [] and charges == []
    assert differences == []
    for card, balance in balances.items():  # each card's money: its recharges less its charges, never below
        charged = sum(1 for c in done.charges.values() if c == card)
        assert 0 <= balance <= RECHARGE_FEN - charged * CHARGE_FEN, (card, balance)
    assert history >= len(done.cards)
    print(f"\nacknowledged before the kill: {len(done.persons)} persons, {len(done.cards)} cards, "
          f"{len(done.payments)} recharges, {len(done.charges)} charges; all there after the restart")
