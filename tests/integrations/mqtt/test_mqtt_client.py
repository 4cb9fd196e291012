"""The connection: subscribe/publish API, wildcards, reconnect, held-back messages, TCP_NODELAY."""
from __future__ import annotations

import asyncio
import gc
import logging
import socket

import pytest

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt


async def test_subscribe_and_publish_round_trip(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        got: list[mqtt.ReceiveMessage] = []
        got_async: list[str] = []

        async def on_async(message: mqtt.ReceiveMessage) -> None:
            got_async.append(message.topic)

        unsubscribe = await mqtt.subscribe(hub, "site/+/temp", got.append, qos=1)
        await mqtt.subscribe(hub, "site/#", on_async)
        await mqtt.publish(hub, "site/a/temp", {"t": 21.5}, qos=1)
        await mqtt.publish(hub, "site/b/hum", "55")
        async with asyncio.timeout(5):
            while len(got) < 1 or len(got_async) < 2:
                await asyncio.sleep(0.01)
        assert got[0].topic == "site/a/temp"
        assert got[0].json() == {"t": 21.5}
        assert got[0].qos == 1 and got[0].retain is False
        assert sorted(got_async) == ["site/a/temp", "site/b/hum"]
        unsubscribe()
        await mqtt.publish(hub, "site/c/temp", "1", qos=1)
        async with asyncio.timeout(5):
            while len(got_async) < 3:
                await asyncio.sleep(0.01)
        assert len(got) == 1  # unsubscribed


async def test_birth_and_will_on_status_topic(hub_dir, broker):
    async with MqttProbe(broker, "xiaoqu/demo/status") as probe:
        async with running_hub(hub_dir, {"mqtt": broker.hub_config()}):
            await probe.wait_for("xiaoqu/demo/status", b"online")
        await probe.wait_for("xiaoqu/demo/status", b"offline")
        status = [m for m in probe.messages if m.topic.value == "xiaoqu/demo/status"]
        assert [m.payload for m in status][-1] == b"offline"


async def test_the_hub_socket_has_tcp_nodelay(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        client = mqtt.get(hub).client._client
        sock = client._client.socket()
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1



async def test_receiving_leaves_no_cyclic_garbage_behind(hub_dir, broker):
    """paho's lookup of per-filter callbacks (a recursive closure per message) made a reference
    cycle for every message received: the collector's work, a stall of the loop every few
    hundred plate reads (docs/benchmarks.md, parking gates)."""
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        got: list[mqtt.ReceiveMessage] = []
        await mqtt.subscribe(hub, "site/+/temp", got.append, qos=1)
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for i in range(100):
                await mqtt.publish(hub, f"site/{i}/temp", "1", qos=1)
            async with asyncio.timeout(5):
                while len(got) < 100:
                    await asyncio.sleep(0.01)
            gc.collect()
            closures = [o for o in gc.garbage if getattr(o, "__qualname__", "").startswith("MQTTMatcher.")]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert closures == []

async def test_broker_killed_and_restarted_nothing_held_back_is_lost(hub_dir, broker, caplog):
    caplog.set_level(logging.INFO, logger="xiaoqu.integrations.mqtt")
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        data = mqtt.get(hub)
        received: list[int] = []
        await mqtt.subscribe(hub, "load/#", lambda m: received.append(int(m.payload)), qos=1)
        for i in range(100):
            mqtt.publish_nowait(hub, f"load/{i % 7}", i, qos=1)
        async with asyncio.timeout(10):
            while len(received) < 100:
                await asyncio.sleep(0.01)

        broker.kill()
        async with asyncio.timeout(10):
            while data.stats.connected:
                await asyncio.sleep(0.01)
        for i in range(100, 300):
            mqtt.publish_nowait(hub, f"load/{i % 7}", i, qos=1)
        assert data.client.backlog >= 190  # held back while the broker is away
        broker.start()
        await mqtt.wait_connected(hub, 15)
        async with asyncio.timeout(15):
            while not set(range(100, 300)) <= set(received):
                await asyncio.sleep(0.02)
        assert set(received) == set(range(300))
        assert data.stats.held_back_dropped == 0
        assert data.stats.connects == 2
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("xiaoqu.integrations.mqtt")]
    assert any(m.startswith("Lost the MQTT broker") for m in messages)
    assert any(m.startswith("Back on the MQTT broker") and "resubscribed" in m for m in messages)


async def test_outbox_bound_drops_oldest_and_counts(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config(max_held_back=10)}) as hub:
        data = mqtt.get(hub)
        broker.kill()
        async with asyncio.timeout(10):
            while data.stats.connected:
                await asyncio.sleep(0.01)
        for i in range(25):
            mqtt.publish_nowait(hub, "x/y", i)
        assert data.stats.held_back_dropped == 15
        assert data.client.backlog == 10


async def test_starts_without_broker_and_connects_later(hub_dir, tmp_path, monkeypatch):
    from tests.fixtures_mqtt import BrokerProcess
    from xiaoqu.integrations.mqtt import runtime

    monkeypatch.setattr(runtime, "FIRST_CONNECT_TIMEOUT", 0.2)
    process = BrokerProcess(tmp_path / "late")
    try:
        async with running_hub(hub_dir, {"mqtt": process.hub_config()}) as hub:
            assert not mqtt.get(hub).stats.connected
            mqtt.publish_nowait(hub, "early/bird", "kept", qos=1, retain=True)
            process.start()
            await mqtt.wait_connected(hub, 15)
            async with MqttProbe(process, "early/bird") as probe:
                message = await probe.wait_for("early/bird")
            assert message.payload == b"kept"
    finally:
        process.close()


@pytest.mark.parametrize("bad", ["a/#/b", "a+/b", ""])
async def test_invalid_filters_are_refused_with_a_reason(hub_dir, broker, bad):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        with pytest.raises(ValueError, match="topic"):
            await mqtt.subscribe(hub, bad, print)
        with pytest.raises(ValueError, match="wildcard"):
            await mqtt.publish(hub, "a/+/b", "x")
