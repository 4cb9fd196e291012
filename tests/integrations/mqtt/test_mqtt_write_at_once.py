"""The outbox's first lane is written when it is published, and leaves no writer behind."""
from __future__ import annotations

import asyncio
import selectors

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt


def _writer_registered(fileno: int) -> bool:
    """Whether the running loop watches ``fileno`` for writing (a socket that is always
    writable: the loop would spin while it does)."""
    selector: selectors.BaseSelector = asyncio.get_running_loop()._selector  # type: ignore[attr-defined]
    key = selector.get_map().get(fileno)
    return key is not None and bool(key.events & selectors.EVENT_WRITE)


async def test_a_command_is_on_the_wire_before_the_loop_turns_and_no_writer_is_left(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        client = mqtt.get(hub).client
        async with MqttProbe(broker, "gate/#") as probe:
            inner = client._paho
            assert inner is not None and inner._sock is not None
            fileno = inner._sock.fileno()
            published = client.stats.published

            mqtt.publish_nowait(hub, "gate/barrier_1/set", "open")
            # no turn of the loop since: paho has written it (QoS 0 counts as sent once written)
            assert not inner.want_write()
            assert client.stats.published == published + 1

            for i in range(200):  # a burst, both lanes
                mqtt.publish_nowait(hub, f"gate/door_{i % 7}/set", str(i), qos=i % 2)
                hub.states.set(f"sensor.gate_{i}", str(i))
            await probe.wait_until(lambda: len(probe.payloads("gate/barrier_1/set")) == 1)
            await probe.wait_until(lambda: not client._inflight and not client.backlog)

            mqtt.publish_nowait(hub, "gate/barrier_1/set", "close")  # the last write: written at once
            await probe.wait_until(lambda: len(probe.payloads("gate/barrier_1/set")) == 2)
            for _ in range(5):  # the writer aiomqtt registers a turn late lands, and is taken off
                await asyncio.sleep(0)
            assert not inner.want_write()
            assert not _writer_registered(fileno)
            assert probe.payloads("gate/barrier_1/set") == [b"open", b"close"]
            assert len([m for m in probe.messages if m.topic.value.startswith("gate/door_")]) == 200
