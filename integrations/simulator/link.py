"""A simulated device's own MQTT connection, as the firmware of a real one would hold it.

The simulator never uses the hub's connection: each bridge or device connects to the
broker by itself, with its own client id and last will, so the hub sees exactly what it
would see from hardware — including devices going offline when the simulator stops.
One connection serves a whole gateway (the estate's readers, cameras, wands and POS
terminals share one, as they would behind an access-control server); each smart-home
device, or its bridge, has its own.

Publishing never blocks: messages wait in a small bounded buffer until the connection
takes them (a device has little memory; when it is full the oldest message is lost and
counted), so the traffic model can publish from a clock timer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiomqtt

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: What a device holds while it cannot send.
BUFFER = 2000
RECONNECT_MIN, RECONNECT_MAX = 0.2, 10.0

MessageHandler = Callable[[str, bytes], Any]


@dataclass(slots=True, frozen=True)
class Broker:
    """Where the devices connect (the hub's broker unless the config says otherwise)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(slots=True, frozen=True)
class Presence:
    """The retained availability message a device publishes on connect, and its last will."""

    topic: str
    online: bytes
    offline: bytes


def encode(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DeviceConnection:
    """One MQTT client: reconnects with backoff, resubscribes, buffers what it publishes."""

    def __init__(self, hub: Hub, broker: Broker, client_id: str, presence: Presence | None = None) -> None:
        self.hub = hub
        self.broker = broker
        self.client_id = client_id
        self.presence = presence
        self.dropped = 0
        self.sent = 0
        self._handlers: list[tuple[str, MessageHandler]] = []
        self._outbox: deque[tuple[str, bytes, int, bool]] = deque(maxlen=BUFFER)
        self._wakeup = asyncio.Event()
        self._connected = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until everything published so far has reached the broker (tests, shutdown)."""
        async with asyncio.timeout(timeout):
            # The outbox empties in paho's callbacks; a short poll here (tests and shutdown only)
            # is simpler than an event set for every message sent.
            while self._outbox or not self.connected:  # noqa: ASYNC110
                await asyncio.sleep(0.005)

    def subscribe(self, topic_filter: str, handler: MessageHandler) -> None:
        """Call ``handler(topic, payload)`` for each message matching ``topic_filter``.

        Subscriptions are made before :meth:`start` (a device knows its topics from its
        configuration) and renewed on every connect.
        """
        self._handlers.append((topic_filter, handler))

    def publish(self, topic: str, payload: Any, qos: int = 1, retain: bool = False) -> None:
        if len(self._outbox) == self._outbox.maxlen:
            self.dropped += 1
        self._outbox.append((topic, encode(payload), qos, retain))
        self._wakeup.set()

    def start(self) -> None:
        self._task = self.hub.create_background_task(self._run(), f"simulator device {self.client_id}")

    async def stop(self, *, goodbye: bool = True) -> None:
        """Say goodbye as a device switched off properly does (offline, retained), then close;
        without ``goodbye``, close only (the broker keeps the last status it was told)."""
        client = self._client
        if goodbye and client is not None and self.presence is not None:
            try:
                await asyncio.wait_for(
                    client.publish(self.presence.topic, self.presence.offline, qos=1, retain=True), 2.0
                )
            except (aiomqtt.MqttError, TimeoutError):
                pass
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    # --- the connection ---------------------------------------------------------------

    def _client_for(self) -> aiomqtt.Client:
        will = None
        if self.presence is not None:
            will = aiomqtt.Will(self.presence.topic, self.presence.offline, qos=1, retain=True)
        return aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self.client_id,
            will=will,
            clean_session=True,
            keepalive=30,
            timeout=10,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                async with self._client_for() as client:
                    attempt = 0
                    await self._online(client)
                    sender = asyncio.get_running_loop().create_task(self._send(client))
                    try:
                        async for message in client.messages:
                            self._dispatch(str(message.topic), message.payload)
                    finally:
                        self._client = None
                        self._connected.clear()
                        sender.cancel()
                        await asyncio.gather(sender, return_exceptions=True)
            except aiomqtt.MqttError as err:
                log = _LOGGER.warning if attempt == 0 else _LOGGER.debug
                log("Simulated device %s cannot reach the broker at %s:%d: %s; retrying",
                    self.client_id, self.broker.host, self.broker.port, err)
            delay = min(RECONNECT_MAX, RECONNECT_MIN * 2**attempt)
            attempt = min(attempt + 1, 10)
            # Network pacing, not community time: sleeps on the loop even under a manual clock.
            await asyncio.sleep(random.uniform(delay / 2, delay))

    async def _online(self, client: aiomqtt.Client) -> None:
        for topic_filter in dict.fromkeys(f for f, _ in self._handlers):
            await client.subscribe(topic_filter, qos=1)
        if self.presence is not None:
            await client.publish(self.presence.topic, self.presence.online, qos=1, retain=True)
        self._client = client
        self._connected.set()

    async def _send(self, client: aiomqtt.Client) -> None:
        task = asyncio.current_task()
        while True:
            while self._outbox:
                topic, payload, qos, retain = self._outbox[0]
                await client.publish(topic, payload, qos=qos, retain=retain)
                self._outbox.popleft()
                self.sent += 1
            # Python 3.11's asyncio.wait_for (inside aiomqtt's publish) drops a cancellation
            # that arrives as the broker acknowledges: the task is still marked cancelling, but
            # would wait here for ever, and stop() with it.
            if task is not None and task.cancelling():
                raise asyncio.CancelledError
            self._wakeup.clear()
            await self._wakeup.wait()

    def _dispatch(self, topic: str, payload: bytes) -> None:
        for topic_filter, handler in self._handlers:
            if aiomqtt.Topic(topic).matches(topic_filter):
                try:
                    handler(topic, payload)
                except Exception:  # a bad message must not take the device off the network
                    _LOGGER.exception("Simulated device %s failed on a message on %s", self.client_id, topic)
