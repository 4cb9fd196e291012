"""The broker killed (SIGKILL) and restarted while readers present credentials at ~50 a second.

The readers are played as real devices would behave: each request has its id, and a request
the reader has had no answer to is sent again, with the same id, once it is connected again
(what a reader that heard nothing does). What must hold:

- no access decision lost: every request is answered once the broker is back;
- no access-log record lost: the recorder holds one record for every decision the hub made
  (``access_granted`` + ``access_denied``), including those made again for a repeated request
  whose answer the crash took;
- the hub is back on the broker within 5 s of the broker listening again (measured and printed),
  even after an outage long enough for the reconnect back-off to have grown.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

import aiomqtt

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.door.conftest import ROOT, door_site
from xiaoqu.core.clock import Clock
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.access.const import EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED, LOG_KIND
from xiaoqu.integrations.door.const import DEBOUNCE_SECONDS

READERS = ("d1", "gate-in", "gate-out")
PINS = [f"40{n:02d}" for n in range(10)]  # consecutive reads at a reader differ: none is debounced
UNKNOWN_CARD = "DEADBEEF"  # refused, clearly (an unknown card: wrong PINs would lock the door's PINs)
RATE = 50.0  # presentations a second
RETRY_AFTER = 1.0  # seconds a reader waits for an answer before sending the request again
#: Long enough for the hub's reconnect back-off to have doubled past the 5 s the issue allows.
OUTAGE = 6.0
RECONNECT_LIMIT = 5.0


class Readers:
    """Three readers on their own MQTT connection, reconnecting like devices do."""

    def __init__(self, broker: BrokerProcess) -> None:
        self.broker = broker
        self.sent: dict[str, tuple[str, bytes]] = {}  # request id → (topic, payload)
        self.sent_at: dict[str, float] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        self.repeats = 0
        self._client: aiomqtt.Client | None = None
        self._ids = itertools.count(1)
        self._publishing: set[asyncio.Task[None]] = set()
        #: (topic, payload without its request id) → when it was last sent: a reader never sends
        #: the same credential again within the hub's debounce window, where it would be one
        #: presentation (answered from memory, no second decision) — as one card on one reader is
        self._last_sent: dict[tuple[str, str], float] = {}

    @property
    def unanswered(self) -> list[str]:
        return [request_id for request_id in self.sent if request_id not in self.answers]

    async def connection(self) -> None:
        """Stay connected; on every (re)connect, send again what is still unanswered."""
        while True:
            try:
                async with aiomqtt.Client(self.broker.host, self.broker.port) as client:
                    await client.subscribe(f"{ROOT}/reader/+/result", qos=1)
                    self._client = client
                    self.resend(0.0)
                    async for message in client.messages:
                        answer = json.loads(bytes(message.payload))  # type: ignore[arg-type]
                        self.answers.setdefault(answer["request_id"], answer)
            except aiomqtt.MqttError:
                self._client = None
                await asyncio.sleep(0.1)

    def present(self, reader: str, kind: str, value: str) -> None:
        request_id = f"r-{next(self._ids)}"
        payload = json.dumps({"request_id": request_id, "type": kind, "value": value}).encode()
        self.sent[request_id] = (f"{ROOT}/reader/{reader}/credential", payload)
        self.sent_at[request_id] = time.monotonic()
        self.publish(request_id)

    def resend(self, older_than: float) -> None:
        now = time.monotonic()
        for request_id in self.unanswered:
            if self._client is not None and now - self.sent_at[request_id] >= older_than \
                    and now - self._last_sent.get(self._credential(request_id), -1.0) > DEBOUNCE_SECONDS:
                self.repeats += 1
                self.sent_at[request_id] = now
                self.publish(request_id)

    def publish(self, request_id: str) -> None:
        """Send without waiting for the broker's PUBACK: a reader's next card does not wait."""
        client = self._client
        if client is None:
            return  # not connected: sent again on the next connect
        topic, payload = self.sent[request_id]
        self._last_sent[self._credential(request_id)] = time.monotonic()
        task = asyncio.get_running_loop().create_task(self._publish(client, topic, payload))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    def _credential(self, request_id: str) -> tuple[str, str]:
        topic, payload = self.sent[request_id]
        data = json.loads(payload)
        return topic, f"{data['type']}:{data['value']}"

    @staticmethod
    async def _publish(client: aiomqtt.Client, topic: str, payload: bytes) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            await client.publish(topic, payload, qos=1)

    async def load(self, seconds: float) -> None:
        """Present credentials at ``RATE`` for ``seconds`` (while connected), retrying as they go."""
        start = time.monotonic()
        for n in range(int(seconds * RATE)):
            if self._client is not None:
                credential = ("card", UNKNOWN_CARD) if n % 25 == 0 else ("pin", PINS[n % len(PINS)])
                self.present(READERS[n % len(READERS)], *credential)
            self.resend(RETRY_AFTER)
            await asyncio.sleep(max(0.0, start + (n + 1) / RATE - time.monotonic()))


async def test_broker_killed_under_load_loses_no_decision_and_no_record(tmp_path, broker):
    clock = Clock("Asia/Shanghai")  # real time: the debounce window and the back-off are real
    async with door_site(tmp_path, broker, clock=clock) as site:
        hub = site.hub
        for pin in PINS:
            await site.issue(pin, "residents")
        decisions = []
        for event_type in (EVENT_ACCESS_GRANTED, EVENT_ACCESS_DENIED):
            hub.bus.listen(event_type, decisions.append)
        readers = Readers(broker)
        connection = asyncio.get_running_loop().create_task(readers.connection())
        try:
            async with asyncio.timeout(10):
                while readers._client is None:
                    await asyncio.sleep(0.02)
            load = asyncio.get_running_loop().create_task(readers.load(2.0 + OUTAGE + 3.0))
            await asyncio.sleep(2.0)
            broker.kill()  # while cards are being presented
            async with asyncio.timeout(10):
                while mqtt.get(hub).stats.connected:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(OUTAGE)
            broker.start()
            back = time.monotonic()
            await mqtt.wait_connected(hub, 2 * RECONNECT_LIMIT)
            reconnected = time.monotonic() - back
            print(f"\nthe hub was back on the broker {reconnected:.2f} s after it listened again")
            await load
            async with asyncio.timeout(20):
                while readers.unanswered:
                    readers.resend(RETRY_AFTER)
                    await asyncio.sleep(0.05)
        finally:
            connection.cancel()
            await asyncio.gather(connection, return_exceptions=True)
        await hub.block_till_done()
        await hub.recorder.flush()
        logged = await hub.recorder.count(LOG_KIND)

    assert reconnected <= RECONNECT_LIMIT, f"reconnected {reconnected:.2f} s after the broker was back"
    assert len(readers.sent) >= 150  # the load really ran on both sides of the crash
    assert set(readers.answers) == set(readers.sent)  # every request answered
    for request_id, answer in readers.answers.items():
        granted = json.loads(readers.sent[request_id][1])["value"] != UNKNOWN_CARD
        assert answer["granted"] is granted, answer
        assert answer["reason"] and answer["rule"], answer  # a refusal says why
    assert logged == len(decisions) >= len(readers.sent)  # every decision is in the access log
    print(f"{len(readers.sent)} requests, {readers.repeats} sent again, {len(decisions)} decisions, "
          f"{logged} access-log records")
