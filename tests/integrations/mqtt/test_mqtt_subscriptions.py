"""The filters the broker is given, kept up to date one subscription at a time, and what
the hub sends for them: one SUBSCRIBE per burst, nothing for a filter a wider one covers."""
from __future__ import annotations

import asyncio
from typing import Any

import aiomqtt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.topic import BrokerFilters, covers, has_wildcard

HUB = "hub-under-test"


def definition(wanted: dict[str, int]) -> dict[str, int]:
    """The broker filters by their definition, every filter against every other: what
    ``BrokerFilters`` must agree with after any sequence of changes."""
    wildcards = [f for f in wanted if has_wildcard(f)]
    result = {f: q for f, q in wanted.items() if not any(w != f and covers(w, f) for w in wildcards)}
    for topic_filter, qos in wanted.items():
        for wide in result:
            if covers(wide, topic_filter):
                result[wide] = max(result[wide], qos)
    return result


def changes_applied(filters: BrokerFilters, broker: dict[str, int]) -> None:
    """What a broker holds after the hub told it ``take_changes()``."""
    for topic_filter in filters.take_changes():
        qos = filters.get(topic_filter)
        if qos is None:
            broker.pop(topic_filter, None)
        else:
            broker[topic_filter] = qos


# --- the bookkeeping --------------------------------------------------------------------

level = st.sampled_from(["a", "b", "+", "$s"])
topic_filter = st.builds(
    lambda levels, hash_: "/".join([levels[0], *(x for x in levels[1:] if x != "$s")] + (["#"] if hash_ else [])),
    st.lists(level, min_size=1, max_size=3),
    st.booleans(),
) | st.just("#")
step = st.tuples(st.booleans(), topic_filter, st.integers(0, 2), st.integers(0, 1000))


@given(st.lists(step, max_size=40), topic_filter)
def test_kept_filters_agree_with_the_definition_after_any_changes(steps, probe):
    filters = BrokerFilters()
    subscribers: list[tuple[str, int]] = []
    broker: dict[str, int] = {}
    for add, topic, qos, pick in steps:
        if add or not subscribers:
            subscribers.append((topic, qos))
            filters.add(topic, qos)
        else:
            filters.remove(*subscribers.pop(pick % len(subscribers)))
        wanted: dict[str, int] = {}
        for topic, qos in subscribers:
            wanted[topic] = max(wanted.get(topic, 0), qos)
        expected = definition(wanted)
        assert dict(filters.items()) == expected
        changes_applied(filters, broker)
        assert broker == expected
    assert sorted(filters.covering(probe)) == sorted(f for f in broker if covers(f, probe))


def test_a_covered_filter_needs_no_broker_subscription_but_raises_its_qos():
    filters = BrokerFilters()
    filters.add("home/+/state", 0)
    assert filters.take_changes() == ["home/+/state"]
    filters.add("home/kitchen/state", 0)
    assert filters.take_changes() == [] and dict(filters.items()) == {"home/+/state": 0}
    filters.add("home/hall/state", 1)
    assert filters.take_changes() == ["home/+/state"] and filters.get("home/+/state") == 1
    filters.remove("home/hall/state", 1)
    assert filters.take_changes() == ["home/+/state"] and filters.get("home/+/state") == 0
    assert filters.covering("home/kitchen/state") == ["home/+/state"]
    assert filters.covering("$SYS/x") == [] and filters.get("home/kitchen/state") is None


def test_a_wider_filter_takes_over_and_gives_back_what_it_covers():
    filters = BrokerFilters()
    for topic in ("home/a/state", "home/b/state", "other/x"):
        filters.add(topic, 1)
    filters.take_changes()
    filters.add("home/#", 0)
    assert sorted(filters.take_changes()) == ["home/#", "home/a/state", "home/b/state"]
    assert dict(filters.items()) == {"other/x": 1, "home/#": 1}
    filters.remove("home/#", 0)
    assert sorted(filters.take_changes()) == ["home/#", "home/a/state", "home/b/state"]
    assert dict(filters.items()) == {"other/x": 1, "home/a/state": 1, "home/b/state": 1}


def test_a_filter_stays_while_any_subscriber_wants_it():
    filters = BrokerFilters()
    filters.add("gate/1/state", 0)
    filters.add("gate/1/state", 2)
    assert filters.take_changes() == ["gate/1/state"] and filters.get("gate/1/state") == 2
    filters.remove("gate/1/state", 2)
    assert filters.take_changes() == ["gate/1/state"] and filters.get("gate/1/state") == 0
    filters.remove("gate/1/state", 2)  # not there (any more): nothing happens
    assert filters.take_changes() == [] and filters.get("gate/1/state") == 0
    filters.remove("gate/1/state", 0)
    assert filters.take_changes() == ["gate/1/state"] and len(filters) == 0


# --- what the hub sends -------------------------------------------------------------------


@pytest.fixture
def packets(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[Any]]]:
    """The SUBSCRIBE and UNSUBSCRIBE packets the hub's client sends, in order."""
    sent: list[tuple[str, list[Any]]] = []

    def recording(kind: str, original: Any) -> Any:
        async def method(self: aiomqtt.Client, topics: Any, *args: Any, **kwargs: Any) -> Any:
            if self.identifier == HUB:
                sent.append((kind, list(topics) if isinstance(topics, list) else [topics]))
            return await original(self, topics, *args, **kwargs)

        return method

    monkeypatch.setattr(aiomqtt.Client, "subscribe", recording("subscribe", aiomqtt.Client.subscribe))
    monkeypatch.setattr(aiomqtt.Client, "unsubscribe", recording("unsubscribe", aiomqtt.Client.unsubscribe))
    return sent


def quiet_hub(broker: Any) -> dict[str, Any]:
    """A hub whose only subscriptions are the test's own."""
    return {"mqtt": broker.hub_config(client_id=HUB, discovery=False, device_protocol=False, state_stream=False)}


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_burst_of_subscriptions_is_one_subscribe_packet(hub_dir, broker, packets):
    async with running_hub(hub_dir, quiet_hub(broker)) as hub:
        client = mqtt.get(hub).client
        await client.wait_subscribed()
        packets.clear()
        got: list[str] = []
        for i in range(500):
            mqtt.subscribe_nowait(hub, f"burst/{i}/state", lambda m: got.append(m.topic), qos=1)
        await client.wait_subscribed()
        assert packets == [("subscribe", [(f"burst/{i}/state", 1) for i in range(500)])]
        await mqtt.publish(hub, "burst/499/state", "1", qos=1)
        await wait_for(lambda: got == ["burst/499/state"])


async def test_a_covered_filter_is_not_sent_and_still_gets_the_retained_message(hub_dir, broker, packets):
    async with running_hub(hub_dir, quiet_hub(broker)) as hub:
        client = mqtt.get(hub).client
        wide: list[mqtt.ReceiveMessage] = []
        narrow: list[mqtt.ReceiveMessage] = []
        await mqtt.publish(hub, "estate/b1/door", "open", qos=1, retain=True)
        await mqtt.subscribe(hub, "estate/#", wide.append)
        await wait_for(lambda: len(wide) == 1)
        packets.clear()
        unsubscribe = await mqtt.subscribe(hub, "estate/b1/door", narrow.append, qos=1)
        # Only the wide filter again, now at the narrow one's QoS: the broker resends its
        # retained messages, and only the new subscriber is given them.
        assert packets == [("subscribe", [("estate/#", 1)])]
        await wait_for(lambda: len(narrow) == 1)
        assert narrow[0].retain and narrow[0].payload == b"open"
        await mqtt.publish(hub, "estate/b1/door", "closed", qos=1)
        await wait_for(lambda: len(narrow) == 2 and len(wide) == 2)  # one copy each, none twice
        packets.clear()
        unsubscribe()
        await client.wait_subscribed()
        assert packets == [("subscribe", [("estate/#", 0)])]
        assert client.wanted_filters() == {"estate/#": 0}


async def test_unsubscribing_keeps_the_broker_filter_while_another_subscriber_needs_it(hub_dir, broker, packets):
    async with running_hub(hub_dir, quiet_hub(broker)) as hub:
        client = mqtt.get(hub).client
        first: list[bytes] = []
        second: list[bytes] = []
        unsubscribe_first = await mqtt.subscribe(hub, "gate/1/state", lambda m: first.append(m.payload))
        unsubscribe_second = await mqtt.subscribe(hub, "gate/1/state", lambda m: second.append(m.payload))
        wide = await mqtt.subscribe(hub, "gate/+/state", lambda m: None)
        packets.clear()
        unsubscribe_first()
        await client.wait_subscribed()
        assert packets == [] and client.wanted_filters() == {"gate/+/state": 0}
        wide()  # the narrow filter goes back to the broker before the wide one leaves it
        await client.wait_subscribed()
        assert packets == [("subscribe", [("gate/1/state", 0)]), ("unsubscribe", ["gate/+/state"])]
        await mqtt.publish(hub, "gate/1/state", "up", qos=1)
        await wait_for(lambda: second == [b"up"])
        assert first == []
        packets.clear()
        unsubscribe_second()
        await client.wait_subscribed()
        assert packets == [("unsubscribe", ["gate/1/state"])] and client.wanted_filters() == {}


async def test_every_connect_sends_all_broker_filters_in_one_subscribe(hub_dir, broker, packets):
    async with running_hub(hub_dir, quiet_hub(broker)) as hub:
        for topic in ("a/+/state", "a/1/state", "b/#", "c/1"):
            await mqtt.subscribe(hub, topic, lambda m: None, qos=1)
        packets.clear()
        broker.kill()
        await wait_for(lambda: not mqtt.get(hub).client.connected)
        broker.start()
        await mqtt.wait_connected(hub, timeout=20)
        await mqtt.get(hub).client.wait_subscribed()
        assert packets == [("subscribe", [("a/+/state", 1), ("b/#", 1), ("c/1", 1)])]
        async with MqttProbe(broker, "x/none") as probe:
            got: list[str] = []
            await mqtt.subscribe(hub, "c/1", lambda m: got.append(m.text()))
            await probe.publish("c/1", "back")
            await wait_for(lambda: got == ["back"])
