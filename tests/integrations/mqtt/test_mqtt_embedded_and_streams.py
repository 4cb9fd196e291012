"""The embedded broker, the state stream and discovery out."""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket
import stat
import struct
import warnings

import aiomqtt
import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe, free_port
from tests.integrations.mqtt.conftest import discovered, wait_state
from tests.integrations.mqtt.households import RESIDENTS, check_households_isolated
from xiaoqu.core.entity import Entity
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.discovery_out import BIRTH_DELAY


async def test_embedded_broker_on_loopback_takes_anonymous_clients(hub_dir, tmp_path):
    port = free_port()
    async with running_hub(hub_dir, {"mqtt": {"broker": "embedded", "port": port}}) as hub:
        assert mqtt.get(hub).broker is not None
        received = []
        await mqtt.subscribe(hub, "a/b", received.append)
        async with aiomqtt.Client("127.0.0.1", port) as client:
            await client.publish("a/b", b"hello", qos=1)
        async with asyncio.timeout(5):
            while not received:
                await asyncio.sleep(0.01)
        assert received[0].payload == b"hello"


async def test_embedded_broker_on_port_0_takes_a_free_port_and_the_hub_connects_to_it(hub_dir):
    async with running_hub(hub_dir, {"mqtt": {"port": 0}}) as hub:
        data = mqtt.get(hub)
        assert data.broker.port > 0 and data.stats.connected and data.client.settings.port == data.broker.port
        received = []
        await mqtt.subscribe(hub, "a/b", received.append)
        async with aiomqtt.Client("127.0.0.1", data.broker.port) as client:
            await client.publish("a/b", b"hello", qos=1)
        async with asyncio.timeout(5):
            while not received:
                await asyncio.sleep(0.01)


@pytest.fixture
def library_log_levels():
    """amqtt's and transitions' loggers as a fresh process has them (NOTSET), restored after."""
    names = ("", "amqtt", "transitions")
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names[1:]:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


async def embedded_hub_logs(hub_dir, caplog, config: dict) -> set[str]:
    """Start a hub as ``xiaoqu run`` does (``logger:`` applied), connect a client, and return
    the loggers that wrote below WARNING."""
    from xiaoqu.core.bootstrap import setup_hub
    from xiaoqu.core.testing import write_config

    caplog.set_level(logging.DEBUG, logger="")  # the handler takes everything; the loggers' levels decide
    hub, _ = await setup_hub(write_config(hub_dir, {"http": {"server_port": 0}, **config}), log_overrides={})
    try:
        await hub.start()
        async with aiomqtt.Client("127.0.0.1", mqtt.get(hub).broker.port) as client:
            await client.publish("a/b", b"1", qos=1)
    finally:
        await hub.stop()
    return {r.name.split(".")[0] for r in caplog.records if r.levelno < logging.WARNING}


async def test_amqtt_and_transitions_log_only_warnings_unless_the_site_says(hub_dir, caplog, library_log_levels):
    quiet = await embedded_hub_logs(hub_dir, caplog, {"mqtt": {"port": 0}})
    assert "xiaoqu" in quiet and not quiet & {"amqtt", "transitions"}
    caplog.clear()
    told = await embedded_hub_logs(hub_dir, caplog, {"mqtt": {"port": 0}, "logger": {"logs": {"amqtt": "info"}}})
    assert "amqtt" in told and "transitions" not in told


async def test_embedded_broker_port_taken_is_one_line_naming_the_setting(hub_dir, caplog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        caplog.set_level(logging.ERROR)
        async with running_hub(hub_dir, {"mqtt": {"port": port}}, expect_problems=True) as hub:
            assert "mqtt" not in hub.plugins.running
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and not errors[0].exc_info
    assert "'mqtt: port'" in errors[0].getMessage() and f"127.0.0.1:{port}" in errors[0].getMessage()


async def test_exposed_embedded_broker_requires_accounts(hub_dir):
    from xiaoqu.core.bootstrap import check_config
    from xiaoqu.core.testing import write_config

    checked = check_config(write_config(hub_dir, {"mqtt": {"bind": "0.0.0.0"}}))
    assert any("mqtt.users" in str(e) and "anonymous" in str(e) for e in checked.errors)


async def test_accounts_and_their_topics_are_checked_where_they_are_written(hub_dir):
    from xiaoqu.core.bootstrap import check_config
    from xiaoqu.core.testing import write_config

    users = {
        "xiaoqu-hub": "x",
        "cam": {"password": "p", "device": "lpr"},
        "flat": {"password": "p", "household": "3/301"},
        "tool": {"password": "p", "publish": ["a/#/b"]},
        "both": {"password": "p", "device": "reader/r1", "household": "3-301"},
        "fine": {"password": "p", "device": "reader/r1", "subscribe": "xiaoqu/demo/notice/#"},
    }
    errors = [str(e) for e in check_config(write_config(hub_dir, {"mqtt": {"users": users}})).errors]
    assert len(errors) == 5
    for where, says in (("mqtt.users.xiaoqu-hub", "reserved"), ("mqtt.users.cam.device", "<device type>/<device id>"),
                        ("mqtt.users.flat.household", "without '/'"), ("mqtt.users.tool.publish[0]", "'#' must be"),
                        ("mqtt.users.both", "not both")):
        assert any(where in e and says in e for e in errors), (where, errors)


async def test_exposed_embedded_broker_refuses_anonymous_and_wrong_passwords(hub_dir):
    port = free_port()
    config = {"mqtt": {"bind": "0.0.0.0", "port": port, "users": {"gate_cam": "s3cret"}}}
    async with running_hub(hub_dir, config) as hub:
        assert mqtt.get(hub).stats.connected  # the hub has its own account
        passwd = (hub.config.data_dir / "mqtt_passwd").read_text()
        assert passwd.startswith("gate_cam:$argon2") and "s3cret" not in passwd
        for credentials in ({}, {"username": "gate_cam", "password": "wrong"}):
            with pytest.raises(aiomqtt.MqttError):
                async with aiomqtt.Client("127.0.0.1", port, **credentials):
                    pass
        async with aiomqtt.Client("127.0.0.1", port, username="gate_cam", password="s3cret") as client:
            await client.publish("x/y", b"1")


ACCOUNTS = {
    "reader_r1": {"password": "reader-pass", "device": "reader/r1"},
    "resident_3_301": {"password": "resident-pass", "household": "3-301"},
    "z2m": {"password": "z2m-pass", "publish": ["zigbee2mqtt/#"], "subscribe": ["zigbee2mqtt/+/set"]},
    "lobby_display": {"password": "display-pass", "subscribe": ["xiaoqu/demo/notice/+"]},
    "gate_cam": "cam-pass",  # a password alone: an account that may use no topic
}


def refused(granted) -> bool:
    return all(int(getattr(code, "value", code)) >= 0x80 for code in granted)


async def test_exposed_embedded_broker_gives_each_account_only_its_topics(hub_dir, caplog):
    port = free_port()
    config = {"mqtt": {"bind": "0.0.0.0", "port": port, "users": ACCOUNTS}}
    async with running_hub(hub_dir, config) as hub:
        seen = []
        await mqtt.subscribe(hub, "#", seen.append, qos=1)  # the hub's own account may use every topic
        assert "MQTT account gate_cam may use no topic" in caplog.text

        def client(name: str, password: str) -> aiomqtt.Client:
            return aiomqtt.Client("127.0.0.1", port, username=name, password=password, identifier=name)

        async with client("reader_r1", "reader-pass") as reader, client("resident_3_301", "resident-pass") as resident, \
                client("z2m", "z2m-pass") as z2m, client("gate_cam", "cam-pass") as cam, \
                client("lobby_display", "display-pass") as display:
            # nobody but the hub reads everything, or another device's or household's topics
            for who, topic in ((resident, "#"), (resident, "xiaoqu/demo/reader/r1/credential"), (reader, "xiaoqu/#"),
                               (reader, "xiaoqu/demo/reader/+/result"), (resident, "xiaoqu/demo/household/#"),
                               (z2m, "zigbee2mqtt/#"), (cam, "xiaoqu/demo/status"),
                               (display, "xiaoqu/demo/notice/#")):  # '+' allowed is one level, not all below
                assert refused(await who.subscribe(topic, qos=1)), topic
            # each reads its own
            for who, topic in ((reader, "xiaoqu/demo/reader/r1/result"), (reader, "xiaoqu/demo/status"),
                               (resident, "xiaoqu/demo/household/3-301/#"), (z2m, "zigbee2mqtt/+/set"),
                               (display, "xiaoqu/demo/notice/+"), (display, "xiaoqu/demo/notice/building-3")):
                assert not refused(await who.subscribe(topic, qos=1)), topic

            # a publish outside the account's topics is dropped by the broker
            await resident.publish("xiaoqu/demo/door/d1/command", json.dumps({"action": "unlock"}), qos=1)
            await reader.publish("xiaoqu/demo/door/d1/command", json.dumps({"action": "unlock"}), qos=1)
            await z2m.publish("homeassistant/lock/evil/config", "{}", qos=1)
            for who, topic in ((resident, "xiaoqu/demo/household/3-301/ack"), (reader, "xiaoqu/demo/reader/r1/credential"),
                               (z2m, "zigbee2mqtt/plug/state")):
                await who.publish(topic, "{}", qos=1)
            # the broker keeps each client's order: once the last allowed ones are here, the others would be too
            async with asyncio.timeout(5):
                while len({m.topic for m in seen} & {"xiaoqu/demo/household/3-301/ack", "xiaoqu/demo/reader/r1/credential",
                                                     "zigbee2mqtt/plug/state"}) < 3:
                    await asyncio.sleep(0.01)
        assert not [m.topic for m in seen if m.topic in ("xiaoqu/demo/door/d1/command", "homeassistant/lock/evil/config")]


async def test_embedded_broker_keeps_each_resident_to_its_household_retained_or_live(hub_dir):
    """amqtt 0.12.1 sent a connecting client the retained messages matching any client's
    subscriptions: a resident got every household's, the state stream and the devices'."""
    port = free_port()
    users = {name: {"password": password, "household": household} for name, (password, household) in RESIDENTS.items()}
    users["lobby_display"] = {"password": "display-pass", "subscribe": ["xiaoqu/demo/notice/+"]}
    async with running_hub(hub_dir, {"mqtt": {"port": port, "users": users}}) as hub:
        await mqtt.subscribe(hub, "#", lambda message: None)  # a subscriber to everything (as Home Assistant is)

        def connect(user: str, password: str) -> aiomqtt.Client:
            return aiomqtt.Client("127.0.0.1", port, username=user, password=password, identifier=user)

        async def publish(topic: str, payload: str, retain: bool) -> None:
            await mqtt.publish(hub, topic, payload, qos=1, retain=retain)

        await check_households_isolated(connect, publish, bystander=("lobby_display", "display-pass", "xiaoqu/demo/notice/+"))


async def test_embedded_broker_delivers_every_message_while_clients_subscribe(hub_dir, caplog):
    """amqtt 0.12.1 walks its subscriptions while it awaits the topic check of each recipient:
    a client subscribing a new filter meanwhile ended the walk with "dictionary changed size
    during iteration", and the message never reached the recipients after that point."""
    port = free_port()
    users = {"cam": {"password": "cam-pass", "publish": ["cams/#"]}, "watcher": {"password": "w-pass", "subscribe": ["watch/#"]}}
    async with running_hub(hub_dir, {"mqtt": {"port": port, "users": users}}) as hub:
        received = []
        await mqtt.subscribe(hub, "cams/+/plate", received.append, qos=1)
        async with aiomqtt.Client("127.0.0.1", port, username="cam", password="cam-pass") as cam, \
                aiomqtt.Client("127.0.0.1", port, username="watcher", password="w-pass") as watcher, \
                MqttProbe(BrokerProcess(hub_dir, port=port), "cams/c1/plate") as later:  # walked after the hub

            async def subscribe_many() -> None:
                for n in range(300):
                    await watcher.subscribe(f"watch/{n}", qos=0)

            async def publish_many() -> None:
                for n in range(300):
                    await cam.publish("cams/c1/plate", str(n), qos=1)

            await asyncio.gather(subscribe_many(), publish_many())
            await later.wait_until(lambda: len(received) == len(later.messages) == 300)
    assert "dictionary changed size" not in caplog.text


async def test_embedded_broker_closes_the_socket_of_a_client_that_reset_its_connection(hub_dir):
    """amqtt 0.12.1 leaves such a socket open until the garbage collector finds it."""
    port = free_port()
    connect = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x"  # MQTT 3.1.1 CONNECT, client id "x"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        async with running_hub(hub_dir, {"mqtt": {"port": port}}) as hub:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(connect)
            assert (await reader.readexactly(4))[:1] == b"\x20"  # CONNACK
            # the end of the stream, then a reset (as when a client closes with an answer unread):
            # amqtt reads the end, and its reply to it fails
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.write_eof()
            writer.transport.abort()
            sessions = mqtt.get(hub).broker._broker.sessions
            async with asyncio.timeout(5):
                while sessions["x"][0].transitions.state == "connected":
                    await asyncio.sleep(0.01)
        gc.collect()
    assert not [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def test_password_file_is_private_from_creation_and_never_written_through_a_link(tmp_path):
    from xiaoqu.integrations.mqtt.broker import write_password_file

    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("")
    elsewhere.chmod(0o644)
    data = tmp_path / "data"
    data.mkdir()
    (data / "mqtt_passwd.tmp").symlink_to(elsewhere)  # left behind, or planted
    write_password_file(data / "mqtt_passwd", {"gate_cam": "s3cret"})
    assert elsewhere.read_text() == "" and stat.S_IMODE(elsewhere.stat().st_mode) == 0o644
    written = data / "mqtt_passwd"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600 and written.read_text().startswith("gate_cam:$argon2")


async def test_state_stream_publishes_retained_json_and_clears_removed(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "xiaoqu/demo/state/#") as probe:
            hub.states.set("sensor.free_spaces", "12", {"unit_of_measurement": "spaces"})
            for count in range(11, 0, -1):  # a burst: only the newest needs to go out
                hub.states.set("sensor.free_spaces", str(count), {"unit_of_measurement": "spaces"})
            message = await probe.wait_until(
                lambda: any(
                    json.loads(m.payload)["state"] == "1" for m in probe.messages if m.topic.value.endswith("free_spaces")
                )
            )
            last = [m for m in probe.messages if m.topic.value == "xiaoqu/demo/state/sensor.free_spaces"][-1]
            body = json.loads(last.payload)
            assert body["attributes"] == {"unit_of_measurement": "spaces"} and body["last_changed"].endswith("+00:00")
            assert mqtt.get(hub).state_stream.coalesced > 0 and message
            hub.states.remove("sensor.free_spaces")
            await probe.wait_for("xiaoqu/demo/state/sensor.free_spaces", b"")
        async with MqttProbe(broker, "xiaoqu/demo/state/#") as late:  # retained for newcomers
            await late.wait_for("xiaoqu/demo/state/sensor.mqtt_rejected_messages")


async def test_state_stream_leaves_out_an_entity_it_cannot_write_and_sends_the_rest(hub_dir, broker, caplog):
    """A state that cannot be JSON (here: half a surrogate pair, set by a path that did not
    clean it) used to make the stream drop the whole batch it was taken with."""
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        stream = mqtt.get(hub).state_stream
        async with MqttProbe(broker, "xiaoqu/demo/state/#") as probe:

            def latest(entity_id: str) -> str | None:
                states = [
                    json.loads(m.payload)["state"] for m in probe.messages if m.topic.value.endswith(entity_id) and m.payload
                ]
                return states[-1] if states else None

            for round_ in ("1", "2", "3"):  # three batches, each with the bad entity in it
                hub.states.set("sensor.bad", round_, {"label": "\ud800"})
                for index in range(8):
                    hub.states.set(f"sensor.good_{index}", round_)
                await probe.wait_until(lambda round_=round_: all(latest(f"/sensor.good_{i}") == round_ for i in range(8)))
            topics = {m.topic.value for m in probe.messages}
        assert "xiaoqu/demo/state/sensor.bad" not in topics
        assert stream.writer.left_out == 3
        logged = [r for r in caplog.records if "sensor.bad" in r.getMessage()]
        assert len(logged) == 1 and not logged[0].exc_info and "surrogate" in logged[0].getMessage()


class Gate(Entity):
    domain = "lock"
    _attr_name = "North gate"
    _attr_unique_id = "north-gate"
    _attr_state = "locked"

    def unlock(self, **_):
        self._attr_state = "unlocked"
        self.write_state()

    def lock(self, **_):
        self._attr_state = "locked"
        self.write_state()


async def test_discovery_out_announces_and_takes_commands_from_home_assistant(hub_dir, broker, tmp_path, clock):
    config = {"mqtt": broker.hub_config(discovery_out={"domains": ["lock"]}, state_stream=False)}
    async with running_hub(hub_dir, config, clock=clock) as hub:
        hub.entities.register_service("lock", "unlock", "unlock")
        hub.entities.register_service("lock", "lock", "lock")
        async with MqttProbe(broker, "homeassistant/lock/#") as ha:
            await hub.entities.add("gates", [Gate()])
            announced = await ha.wait_for("homeassistant/lock/xiaoqu_demo/north_gate/config")
            body = json.loads(announced.payload)
            assert body["stat_t"] == "xiaoqu/demo/state/lock.north_gate" and body["cmd_t"] == "xiaoqu/demo/set/lock.north_gate"
            assert body["avty_t"] == "xiaoqu/demo/status" and body["uniq_id"] == "xiaoqu_demo_lock_north_gate"
            assert body["def_ent_id"] == "lock.xiaoqu_demo_north_gate" and body["obj_id"] == "xiaoqu_demo_north_gate"
            await ha.publish("xiaoqu/demo/set/lock.north_gate", "UNLOCK")
            await wait_state(hub, "lock.north_gate", "unlocked")
            # Home Assistant restarts: its birth message makes xiaoqu announce again after a short delay
            await home_assistant_restarts(hub, ha, clock)

            # a second hub with discovery in sees the first hub's lock once it is announced again
            other = tmp_path / "other"
            other.mkdir()
            async with running_hub(other, {"mqtt": broker.hub_config(client_id="other", state_stream=False)}) as peer:
                await mqtt.get(peer).client.wait_subscribed()
                await home_assistant_restarts(hub, ha, clock)
                hub.states.set("lock.north_gate", "locked")  # republished on the stream
                await discovered(peer, "lock.xiaoqu_demo_north_gate")  # the default_entity_id announced
                await wait_state(peer, "lock.xiaoqu_demo_north_gate", "locked")


async def home_assistant_restarts(
    hub, ha: MqttProbe, clock, config_topic: str = "homeassistant/lock/xiaoqu_demo/north_gate/config"
) -> None:
    """Send Home Assistant's birth message; return once the hub has announced ``config_topic`` again."""
    before = len(ha.payloads(config_topic))
    await ha.publish("homeassistant/status", "online")
    out = mqtt.get(hub).discovery_out
    async with asyncio.timeout(5):
        while out._birth_timer is None:
            await asyncio.sleep(0.01)
    assert len(ha.payloads(config_topic)) == before  # not before the delay
    clock.advance(BIRTH_DELAY[1])
    await ha.wait_until(lambda: len(ha.payloads(config_topic)) > before)


async def test_discovery_out_leaves_out_an_entity_it_cannot_write_and_announces_the_rest(hub_dir, broker, clock):
    config = {"mqtt": broker.hub_config(discovery_out={"domains": ["lock"]}, state_stream=False)}
    async with running_hub(hub_dir, config, clock=clock) as hub:
        out = mqtt.get(hub).discovery_out
        async with MqttProbe(broker, "homeassistant/lock/#") as ha:
            hub.states.set("lock.bad", "locked", {"icon": "mdi:\ud800"})  # set by a path that did not clean it
            hub.states.set("lock.good", "locked")
            await ha.wait_for("homeassistant/lock/xiaoqu_demo/good/config")
            # everything again, in one go, the bad one first
            await home_assistant_restarts(hub, ha, clock, "homeassistant/lock/xiaoqu_demo/good/config")
        assert not ha.payloads("homeassistant/lock/xiaoqu_demo/bad/config")
        assert out.writer.left_out == 2


async def test_discovery_out_with_discovery_in_announces_each_entity_once(hub_dir, broker):
    """The hub's announcements come back on its own discovery subscription: they are not new
    entities, and what MQTT discovery created is not announced (Home Assistant reads it itself)."""
    device_lock = {"name": "Front door", "unique_id": "z2m_front_door", "command_topic": "z2m/front_door/set"}
    config = {"mqtt": broker.hub_config(discovery_out={"domains": ["lock"]})}  # discovery in is on by default
    async with running_hub(hub_dir, config) as hub:
        async with MqttProbe(broker, "homeassistant/#") as ha:
            await ha.publish("homeassistant/lock/z2m/front_door/config", json.dumps(device_lock))
            await discovered(hub, "lock.front_door")
            await hub.entities.add("gates", [Gate()])
            await ha.wait_for("homeassistant/lock/xiaoqu_demo/north_gate/config")
            # published after the hub's own config came back: once the hub has this one, it has seen that
            await ha.publish("homeassistant/sensor/probe/marker/config", json.dumps({"name": "marker", "state_topic": "probe/m"}))
            await discovered(hub, "sensor.marker")
            announced = {m.topic.value for m in ha.messages if m.topic.value.startswith("homeassistant/lock/xiaoqu_demo/")}
        assert announced == {"homeassistant/lock/xiaoqu_demo/north_gate/config"}
        assert sorted(hub.states.entity_ids("lock")) == ["lock.front_door", "lock.north_gate"]
