"""Each household's MQTT account reaches its household's topics only: on the embedded broker
(``mqtt: users: !include household_accounts.yaml``) and on Mosquitto with the ``acl_file`` and
``password_file`` that ``smart_home.write_accounts`` writes."""
from __future__ import annotations

import asyncio
import base64
import getpass
import hashlib
import json
import logging
import textwrap
from pathlib import Path

import aiomqtt
import pytest
import yaml

from tests.fixtures_mqtt import MOSQUITTO, BrokerProcess, mosquitto_available
from tests.integrations.smart_home.conftest import ALICE, BOB, ROOT, estate, lamp, prefix, site_config, wait_for
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.smart_home.accounts import mosquitto_hash

HUB_PASSWORD = "hub-secret-pass"


async def _write_accounts(hub) -> dict:
    staff = hub.data["auth"].manager.user_by_name("staff")
    return await hub.services.call("smart_home", "write_accounts", {}, context=Context(user_id=staff.id),
                                   return_response=True)


def _client(host: str, port: int, user: str | None, password: str | None) -> aiomqtt.Client:
    return aiomqtt.Client(host, port, username=user, password=password, identifier=f"test-{user}")


async def check_isolation(host: str, port: int, accounts: dict, hub: tuple[str | None, str | None]) -> None:
    """Alice's account reads and writes her household's topics and nothing of Bob's: retained
    or live, and a discovery config she publishes on his prefix never reaches anyone."""
    alice = next(a for a in accounts.values() if a["household"] == ALICE)
    alice_name = next(name for name, a in accounts.items() if a["household"] == ALICE)
    got: list[str] = []
    async with _client(host, port, *hub) as staff:
        for household in (ALICE, BOB):
            await staff.publish(f"{prefix(household)}/notice", "retained", qos=1, retain=True)
        async with _client(host, port, alice_name, alice["password"]) as resident:
            for household in (ALICE, BOB):  # she asks for both; the broker refuses or filters Bob's
                await resident.subscribe(f"{prefix(household)}/#", qos=1)

            async def collect() -> None:
                async for message in resident.messages:
                    got.append(message.topic.value)

            reader = asyncio.create_task(collect())
            try:
                await resident.publish(f"{prefix(BOB)}/homeassistant/light/evil/config", "{}", qos=1, retain=True)
                await resident.publish(f"{prefix(ALICE)}/mine", "ok", qos=1)
                for household in (BOB, ALICE):  # live, Alice's last: the hub's messages arrive in order
                    await staff.publish(f"{prefix(household)}/live", "live", qos=1)
                await wait_for(lambda: f"{prefix(ALICE)}/live" in got)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
        # what Bob's prefix holds now: his notice, and no config of Alice's
        await staff.subscribe(f"{prefix(BOB)}/#", qos=1)
        held: list[str] = []

        async def retained() -> None:
            async for message in staff.messages:
                held.append(message.topic.value)

        reader = asyncio.create_task(retained())
        try:
            await wait_for(lambda: f"{prefix(BOB)}/notice" in held)
            await staff.publish(f"{prefix(BOB)}/marker", "m", qos=1)
            await wait_for(lambda: f"{prefix(BOB)}/marker" in held)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    assert f"{prefix(BOB)}/homeassistant/light/evil/config" not in held
    assert f"{prefix(ALICE)}/notice" in got and f"{prefix(ALICE)}/mine" in got
    assert [topic for topic in got if not topic.startswith(f"{prefix(ALICE)}/")] == []


async def test_accounts_are_written_once_and_kept(site_dir, broker, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with estate(site_dir, broker) as site:
        answer = await _write_accounts(site.hub)
        path = site_dir / "household_accounts.yaml"
        assert answer == {"accounts": 2, "new": 2, "removed": 0, "files": [str(path)]}
        assert path.stat().st_mode & 0o777 == 0o600
        accounts = yaml.safe_load(path.read_text())
        assert {name: a["household"] for name, a in accounts.items()} == {f"household-{ALICE}": ALICE,
                                                                           f"household-{BOB}": BOB}
        # a new household gets an account; the others keep their passwords
        await get_residents(site.hub).add_household("3-1-0303")
        assert (await _write_accounts(site.hub))["new"] == 1
        again = yaml.safe_load(path.read_text())
        assert {name: again[name] for name in accounts} == accounts and len(again) == 3
        await site.hub.recorder.flush()
        audit = await site.hub.recorder.query("audit")
    written = " ".join(r.getMessage() for r in caplog.records) + json.dumps([r.data for r in audit])
    assert all(a["password"] not in written for a in again.values())


async def test_the_embedded_broker_keeps_each_household_to_its_topics(site_dir, broker, tmp_path) -> None:
    async with estate(site_dir, broker) as site:
        await _write_accounts(site.hub)
    accounts = yaml.safe_load((site_dir / "household_accounts.yaml").read_text())
    # the site as documented: the embedded broker takes the accounts file as its users
    config = site_config(broker)
    config["mqtt"] = {"port": 0, "state_stream": False, "users": "INCLUDE"}
    text = yaml.safe_dump(config).replace("users: INCLUDE", "users: !include household_accounts.yaml")
    async with running_hub(site_dir, text) as hub:
        port = mqtt.get(hub).broker.port
        await check_isolation("127.0.0.1", port, accounts, (None, None))  # a loopback client plays the hub
        # Alice's own device, on her account, joins under her prefix
        alice = accounts[f"household-{ALICE}"]
        async with _client("127.0.0.1", port, f"household-{ALICE}", alice["password"]) as device:
            topic = f"{prefix(ALICE)}/homeassistant/light/hall/config"
            await device.publish(topic, json.dumps(lamp(ALICE, "hall")), qos=1, retain=True)
            await wait_for(lambda: hub.states.get("light.1_1_0101_hall"))
        assert hub.states.get("light.2_1_0202_evil") is None and hub.states.get("light.1_1_0101_evil") is None


def test_hashes_are_mosquittos_pbkdf2_format() -> None:
    salt = bytes(range(12))
    expected = base64.b64encode(hashlib.pbkdf2_hmac("sha512", b"pw", salt, 101)).decode()
    assert mosquitto_hash("pw", salt) == f"$7$101${base64.b64encode(salt).decode()}${expected}"


class GeneratedMosquitto(BrokerProcess):
    """Mosquitto with the acl_file and password_file smart_home wrote, as the test's user."""

    def __init__(self, workdir: Path, acl: Path, passwd: Path) -> None:
        super().__init__(workdir, "mosquitto")
        self.acl, self.passwd = acl, passwd

    def _command(self) -> list[str]:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(textwrap.dedent(f"""
            listener {self.port} {self.host}
            user {getpass.getuser()}
            allow_anonymous false
            password_file {self.passwd}
            acl_file {self.acl}
            log_dest none
            """))
        return [MOSQUITTO, "-c", str(conf)]


@pytest.mark.skipif(not mosquitto_available(), reason="needs mosquitto")
async def test_mosquitto_with_the_written_files_keeps_each_household_to_its_topics(site_dir, broker, tmp_path) -> None:
    broker_url = f"mqtt://xiaoqu-hub:{HUB_PASSWORD}@{broker.host}:{broker.port}"
    config = {"mqtt": {"broker": broker_url, "state_stream": False,
                       "users": {"reader_r1": {"password": "reader-pass", "device": "reader/r1"}}},
              "smart_home": {"mosquitto_acl": "mosquitto/xiaoqu.acl", "mosquitto_passwd": "mosquitto/xiaoqu.passwd"}}
    async with estate(site_dir, broker, config=config) as site:
        answer = await _write_accounts(site.hub)
    acl, passwd = site_dir / "mosquitto" / "xiaoqu.acl", site_dir / "mosquitto" / "xiaoqu.passwd"
    assert answer["files"][1:] == [str(acl), str(passwd)]
    text = acl.read_text()
    assert f"user household-{ALICE}\ntopic readwrite {prefix(ALICE)}/#\ntopic read {ROOT}/status\n" in text
    assert f"user reader_r1\ntopic readwrite {ROOT}/reader/r1/#\ntopic read {ROOT}/status\n" in text
    assert HUB_PASSWORD not in passwd.read_text() and "reader-pass" not in passwd.read_text()
    accounts = yaml.safe_load((site_dir / "household_accounts.yaml").read_text())
    workdir = tmp_path / "generated"
    workdir.mkdir()
    with GeneratedMosquitto(workdir, acl, passwd) as mosquitto:
        mosquitto.start()
        await check_isolation(mosquitto.host, mosquitto.port, accounts, ("xiaoqu-hub", HUB_PASSWORD))
