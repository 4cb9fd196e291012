"""deploy/mosquitto.acl, as shipped, in a real Mosquitto: each account gets only its topics."""
from __future__ import annotations

import asyncio
import getpass
import subprocess
import textwrap
from pathlib import Path

import aiomqtt
import pytest

from tests.fixtures_mqtt import MOSQUITTO, BrokerProcess, mosquitto_available
from tests.integrations.mqtt.households import RESIDENTS, check_households_isolated

ACL_FILE = Path(__file__).parents[3] / "deploy" / "mosquitto.acl"
PASSWD = Path(MOSQUITTO).parent.parent / "bin" / "mosquitto_passwd"
ACCOUNTS = {
    "xiaoqu-hub": "hub-pass",
    "reader_r1": "reader-pass",
    "z2m": "z2m-pass",
    **{name: password for name, (password, _) in RESIDENTS.items()},
}

pytestmark = pytest.mark.skipif(
    not mosquitto_available() or not PASSWD.is_file(), reason="needs mosquitto and mosquitto_passwd"
)


class AclMosquitto(BrokerProcess):
    """Mosquitto with accounts and the shipped ACL file, running as the test's user (started
    as root, Mosquitto would otherwise become ``mosquitto`` and not read the test's files)."""

    def _command(self) -> list[str]:
        passwd = self.workdir / "passwd"
        passwd.touch(mode=0o600)
        for user, password in ACCOUNTS.items():
            subprocess.run([str(PASSWD), "-b", str(passwd), user, password], check=True, capture_output=True)
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            textwrap.dedent(
                f"""
                listener {self.port} {self.host}
                user {getpass.getuser()}
                allow_anonymous false
                password_file {passwd}
                acl_file {ACL_FILE}
                log_dest none
                """
            )
        )
        return [MOSQUITTO, "-c", str(conf)]


@pytest.fixture
def mosquitto(tmp_path):
    tmp_path.joinpath("acl").mkdir()
    with AclMosquitto(tmp_path / "acl") as broker:
        broker.start()
        yield broker


async def test_shipped_acl_keeps_devices_and_residents_to_their_topics(mosquitto):
    def client(name: str) -> aiomqtt.Client:
        return aiomqtt.Client(mosquitto.host, mosquitto.port, username=name, password=ACCOUNTS[name], identifier=name)

    got: dict[str, list[str]] = {"xiaoqu-hub": [], "resident_3_301": []}

    async def collect(name: str, session: aiomqtt.Client) -> None:
        async for message in session.messages:
            got[name].append(message.topic.value)

    async with client("xiaoqu-hub") as hub, client("reader_r1") as reader, client("resident_3_301") as resident:
        await hub.subscribe("#", qos=1)
        await resident.subscribe("#", qos=1)  # asks for everything; receives its household only
        sessions = (("xiaoqu-hub", hub), ("resident_3_301", resident))
        readers = [asyncio.create_task(collect(name, session)) for name, session in sessions]
        try:
            # the resident may not command a door, the reader may not answer for another reader
            await resident.publish("xiaoqu/demo/door/d1/command", '{"action": "unlock"}', qos=1)
            await reader.publish("xiaoqu/demo/reader/r2/credential", "{}", qos=1)
            await resident.publish("xiaoqu/demo/household/3-301/ack", "{}", qos=1)
            await reader.publish("xiaoqu/demo/reader/r1/credential", '{"value": "C0012345"}', qos=1)
            # the hub's answer to the reader is not the resident's to read; its household notice is
            await hub.publish("xiaoqu/demo/reader/r1/result", '{"granted": true}', qos=1)
            await hub.publish("xiaoqu/demo/household/3-301/notice", "water off at 10:00", qos=1)
            async with asyncio.timeout(10):  # each sender's messages arrive in order: the last ones last
                while "xiaoqu/demo/household/3-301/notice" not in got["resident_3_301"] or not {
                    "xiaoqu/demo/household/3-301/ack", "xiaoqu/demo/reader/r1/credential"
                } <= set(got["xiaoqu-hub"]):
                    await asyncio.sleep(0.01)
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    assert "xiaoqu/demo/door/d1/command" not in got["xiaoqu-hub"]
    assert "xiaoqu/demo/reader/r2/credential" not in got["xiaoqu-hub"]
    assert set(got["resident_3_301"]) == {"xiaoqu/demo/household/3-301/ack", "xiaoqu/demo/household/3-301/notice"}


async def test_shipped_acl_keeps_each_resident_to_its_household_retained_or_live(mosquitto):
    def connect(user: str, password: str) -> aiomqtt.Client:
        return aiomqtt.Client(mosquitto.host, mosquitto.port, username=user, password=password, identifier=user)

    async with connect("xiaoqu-hub", ACCOUNTS["xiaoqu-hub"]) as hub:

        async def publish(topic: str, payload: str, retain: bool) -> None:
            await hub.publish(topic, payload, qos=1, retain=retain)

        await hub.subscribe("#", qos=1)  # a subscriber to everything (as Home Assistant is)
        await check_households_isolated(
            connect, publish, bystander=("z2m", ACCOUNTS["z2m"], "zigbee2mqtt/#"), ask_everything=True
        )
