"""Every device-protocol message kind, sent garbage: random bytes, random JSON, and each schema's
own example with any value anywhere, on every topic kind, through the MQTT client's dispatch and
the real router in process (one test goes through a real broker). Nothing raises, each refusal
is answered (where the device waits) with a code and a message, and the counters add up:
each message received is accepted (a ``device_message`` event), rejected (counted by reason) or
one of the hub's own messages coming back (ignored), exactly one of the three."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.badinput.common import JSON_VALUES, bounded, logged_tracebacks, mutated
from tests.fixtures_mqtt import BrokerProcess, MqttProbe, free_port
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.device_protocol import BUILTIN_KINDS, EVENT_DEVICE_MESSAGE, HUB_MESSAGES

ROOT = "xiaoqu/demo"
MAX_PAYLOAD = 4096
#: A valid message of each kind (docs/device-protocol.md's examples): mutated, they reach the schema's corners.
EXAMPLES: dict[str, dict[str, Any]] = {
    "reader/credential": {"request_id": "r-1", "type": "card", "value": "04A2B3C4D5", "ts": 1772409600.25},
    "lpr/plate": {"plate": "沪A12345", "confidence": 0.97, "direction": "in", "color": "blue", "ts": 1772409600},
    "barrier/state": {"state": "fault", "fault": "motor overcurrent", "ts": "2026-03-02T22:15:04+08:00"},
    "door/state": {"state": "open", "ts": 1772409600.5},
    "patrol/scan": {"checkpoint": "B3-roof", "ts": "2026-03-02T22:15:04+08:00", "scan_id": "w7-000412", "offline": True},
    "pos/charge": {"request_id": "pos3-00975", "card": "04A2B3C4", "amount": 1250, "offline": True,
                   "ts": "2026-03-02T12:05:31+08:00"},
    "controller/status": {"state": "online", "version": 7, "count": 2},
    "controller/sync": {"version": 7, "count": 2, "full": False},
    "controller/events": {"request_id": "up-3", "events": [
        {"event_id": "b1-u1-000041", "ts": 1772409600.5, "door": "b1-u1", "type": "card", "value": "04A2B3C4",
         "granted": True, "reason": "offline: on the list", "key": "card:04A2B3C4", "person": "P000012", "version": 7}]},
}
KINDS = sorted(kind.name for kind in BUILTIN_KINDS)
REPLIES = {kind.name: kind.reply for kind in BUILTIN_KINDS if kind.reply}
TOPICS = st.one_of(
    st.sampled_from(KINDS),
    st.sampled_from(sorted(f"{device}/{message}" for device, message in HUB_MESSAGES)),
    st.sampled_from(["toaster/smoke", "reader/credentials", "pos/upload", "lpr/plates"]),
)
PAYLOADS = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(sorted(EXAMPLES)).flatmap(lambda kind: mutated(EXAMPLES[kind])).map(
        lambda value: json.dumps(value, ensure_ascii=False).encode()),
    st.sampled_from([b"NaN", b'{"ts": Infinity}', b"[" * 5000, b'{"request_id": "' + b"x" * 5000 + b'"}',
                     b'"\\ud800"', b"\xef\xbb\xbf{}", b"{}" * 3000]),
)


class Site:
    """A hub with the mqtt integration (embedded broker) in a loop of its own; what it publishes
    and what it fires are recorded, and any logged traceback is a failure."""

    def __init__(self, hub: Hub, loop: asyncio.AbstractEventLoop) -> None:
        self.hub, self.loop = hub, loop
        self.accepted: list[dict[str, Any]] = []
        self.published: list[tuple[str, Any]] = []
        self.tracebacks: list[str] = []
        hub.bus.listen(EVENT_DEVICE_MESSAGE, lambda event: self.accepted.append(event.data))
        client = mqtt.get(hub).client
        self.client = client
        publish = client.publish_nowait

        def recording(topic: str, payload: Any = None, qos: int = 0, retain: bool = False) -> None:
            self.published.append((topic, payload))
            publish(topic, payload, qos, retain)

        client.publish_nowait = recording  # type: ignore[method-assign]

    def deliver(self, topic: str, payload: bytes) -> None:
        async def run() -> None:
            self.client._dispatch(aiomqtt.Message(topic, payload, 1, False, 1, None))
            await self.hub.block_till_done()

        self.loop.run_until_complete(run())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    loop = asyncio.new_event_loop()
    manager = running_hub(Path(tmp_path_factory.mktemp("devices")),
                          {"mqtt": {"port": free_port(), "max_payload": MAX_PAYLOAD}})
    hub = loop.run_until_complete(manager.__aenter__())
    found = Site(hub, loop)

    with logged_tracebacks() as tracebacks:
        found.tracebacks = tracebacks
        try:
            yield found
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))
            loop.close()


@bounded(800)
@given(TOPICS, st.sampled_from(["d1", "r-9", "x" * 60]), PAYLOADS)
def test_every_message_is_accepted_or_refused_with_its_reason_and_counted(site: Site, kind: str, device: str,
                                                                         payload: bytes) -> None:
    data = mqtt.get(site.hub)
    device_type, message = kind.split("/")
    topic = f"{ROOT}/{device_type}/{device}/{message}"
    accepted, rejected = len(site.accepted), data.rejections.total
    reasons = dict(data.rejections.by_reason)
    site.published.clear()
    site.deliver(topic, payload)

    new_accepted, new_rejected = len(site.accepted) - accepted, data.rejections.total - rejected
    ignored = 1 if (device_type, message) in HUB_MESSAGES and len(payload) <= MAX_PAYLOAD else 0  # size first
    assert new_accepted + new_rejected + ignored == 1, (kind, payload[:80], new_accepted, new_rejected)
    assert site.tracebacks == []
    if new_rejected:
        [reason] = [r for r, n in data.rejections.by_reason.items() if n != reasons.get(r, 0)]
        assert reason in {"invalid_json", "not_an_object", "schema", "too_large", "unknown_topic"}, reason
        assert (reason == "too_large") == (len(payload) > MAX_PAYLOAD)
        assert (reason == "unknown_topic") == (kind not in KINDS and (device_type, message) not in HUB_MESSAGES
                                               and len(payload) <= MAX_PAYLOAD)
        answers = [json.loads(json.dumps(p)) for t, p in site.published
                   if t == f"{ROOT}/{device_type}/{device}/{REPLIES.get(kind)}"]
        if kind in REPLIES and reason not in ("too_large", "unknown_topic"):
            [answer] = answers
            assert answer["error"]["code"] == reason and answer["error"]["message"], answer
            request_id = answer["request_id"]
            assert request_id is None or (isinstance(request_id, str) and len(request_id) <= 64)
        else:
            assert answers == []
    if new_accepted:
        event = site.accepted[-1]
        assert (event["kind"], event["device_id"]) == (kind, device) and isinstance(event["payload"], dict)


async def test_garbage_through_a_real_broker_adds_up(tmp_path: Path) -> None:
    """The same accounting over the network: 60 messages of every sort from a client."""
    (tmp_path / "site").mkdir()
    with BrokerProcess.create(tmp_path / "broker") as broker:
        async with running_hub(tmp_path / "site", {"mqtt": broker.hub_config(max_payload=MAX_PAYLOAD)}) as hub:
            await mqtt.get(hub).client.wait_subscribed()
            accepted: list[Any] = []
            hub.bus.listen(EVENT_DEVICE_MESSAGE, accepted.append)
            data = mqtt.get(hub)
            sent = [(kind, payload) for kind, payload in zip(
                KINDS * 7, [json.dumps(EXAMPLES[k]).encode() for k in KINDS] + [b"\xff", b"[]", b"{}", b"x" * 5000] * 20,
                strict=False)]
            async with MqttProbe(broker, f"{ROOT}/+/+/result") as probe:
                for kind, payload in sent:
                    device_type, message = kind.split("/")
                    await probe.publish(f"{ROOT}/{device_type}/b1/{message}", payload)
                await probe.wait_until(lambda: len(accepted) + data.rejections.total >= len(sent))
            assert len(accepted) == len(KINDS) and data.rejections.total == len(sent) - len(KINDS)
            assert data.rejections.by_reason["too_large"] == sum(payload == b"x" * 5000 for _kind, payload in sent)
            assert sum(data.rejections.by_reason.values()) == data.rejections.total
