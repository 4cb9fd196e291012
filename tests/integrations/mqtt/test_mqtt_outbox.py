"""The outbox's two lanes and the state stream on the bulk lane; bursts read without loss."""
from __future__ import annotations

import asyncio
import json

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt import state_stream
from xiaoqu.integrations.mqtt.client import BULK_WINDOW

STATE = "xiaoqu/demo/state/"


async def test_a_busy_entity_is_streamed_once_per_tick_with_its_newest_state(hub_dir, broker, monkeypatch):
    monkeypatch.setattr(state_stream, "TICK", 3600.0)  # the next tick never comes in this test
    async with MqttProbe(broker, STATE + "sensor.counter") as probe:
        async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
            stream = mqtt.get(hub).state_stream
            hub.states.set("sensor.counter", "0")
            await probe.wait_for(STATE + "sensor.counter")  # idle: sent at once
            for value in range(1, 200):
                hub.states.set("sensor.counter", str(value))
                await asyncio.sleep(0)  # let the connection pull between changes
            assert stream.pending == 1 and stream.coalesced == 198
        # the hub's stop sends what is pending: the newest state, once
        await probe.wait_until(lambda: len(probe.payloads(STATE + "sensor.counter")) >= 2)
        assert [json.loads(p)["state"] for p in probe.payloads(STATE + "sensor.counter")] == ["0", "199"]


async def test_answers_go_out_before_the_state_stream_backlog(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, STATE + "#", "answers/#") as probe:
            for i in range(50):
                hub.states.set(f"sensor.meter_{i}", str(i))
            await asyncio.sleep(0)  # the stream has begun sending its 50
            mqtt.publish_nowait(hub, "answers/reader", "granted", qos=1)
            await probe.wait_until(lambda: len(probe.payloads(STATE + "sensor.meter_49")) == 1)
            topics = [m.topic.value for m in probe.messages if not m.retain]  # retained: replayed at subscribe
            assert topics.index("answers/reader") <= BULK_WINDOW  # not behind the stream's backlog
            assert sum(t.startswith(STATE + "sensor.meter_") for t in topics) == 50


async def test_a_removed_entity_lost_with_the_connection_is_cleared_again(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, STATE + "sensor.gone") as probe:
            hub.states.set("sensor.gone", "here")
            await probe.wait_for(STATE + "sensor.gone")
            hub.states.remove("sensor.gone")
            await probe.wait_for(STATE + "sensor.gone", b"")
            # as if the clearing message had been in flight when the connection dropped
            stream = mqtt.get(hub).state_stream
            stream.lost([STATE + "sensor.gone", STATE + "sensor.mqtt_rejected_messages"])
            assert stream.pending == 1  # only the removal: every connect resends existing states
            await probe.wait_until(lambda: probe.payloads(STATE + "sensor.gone").count(b"") == 2)


async def test_a_burst_of_qos1_messages_all_arrive_in_order(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        received: list[int] = []
        await mqtt.subscribe(hub, "burst/#", lambda m: received.append(int(m.payload)), qos=1)
        async with MqttProbe(broker, "nothing/here") as device:
            await asyncio.gather(*(device.publish(f"burst/{i % 3}", str(i), qos=1) for i in range(1500)))
        async with asyncio.timeout(15):
            while len(received) < 1500:
                await asyncio.sleep(0.01)
        assert sorted(received) == list(range(1500))
        for topic in range(3):
            mine = [i for i in received if i % 3 == topic]
            assert mine == sorted(mine)  # per topic, in the order published
        assert mqtt.get(hub).stats.incoming_dropped == 0


async def test_only_the_newest_latest_message_on_a_topic_goes_out_and_behind_the_answers(hub_dir, broker):
    async with running_hub(hub_dir, {"mqtt": broker.hub_config()}) as hub:
        async with MqttProbe(broker, "display/#", "answers/#") as probe:
            for free in (120, 119, 118):  # three cars in one turn of the loop: one message per display
                for display in ("led-1", "led-2"):
                    mqtt.publish_latest(hub, f"display/{display}/show", {"free": free}, qos=1, retain=True)
            mqtt.publish_nowait(hub, "answers/barrier", "open", qos=1)  # queued after, sent first
            await probe.wait_until(lambda: len(probe.payloads("display/led-2/show")) == 1)
            topics = [m.topic.value for m in probe.messages if not m.retain]
            assert topics[0] == "answers/barrier"
            assert [json.loads(p)["free"] for p in probe.payloads("display/led-1/show")] == [118]
            latest = mqtt.get(hub).latest
            assert latest is not None and latest.coalesced == 4
            latest.lost(["display/led-1/show"])  # as if it had been in flight when the connection dropped
            await probe.wait_until(lambda: len(probe.payloads("display/led-1/show")) == 2)
            assert [json.loads(p)["free"] for p in probe.payloads("display/led-1/show")] == [118, 118]
