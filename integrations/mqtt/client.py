"""The hub's one MQTT connection: reconnect loop, subscriptions, publish queue, dispatch.

One aiomqtt client at a time, remade on every connect (aiomqtt's client is reusable but
keeps state from the last connection), in a loop with exponential backoff capped at 4 s and
jitter, so the hub is back within 5 s of the broker however long it was away. Every connect
subscribes everything again (the session is clean) and publishes the birth message; the will says
``offline`` when the hub vanishes.

Incoming messages go into a bounded inbox and a dispatcher drains it in batches, routing
each by topic through :class:`~integrations.mqtt.topic.TopicMatcher`. aiomqtt's own
iterator makes a task per message; handing messages over at put time (through the
``queue_type`` hook aiomqtt offers) avoids that cost, and the iterator is kept only as the
public signal that the connection dropped. Each wake-up of the socket reads up to
``READ_BATCH`` packets, where paho alone would read one.

Outgoing messages go through an outbox with two lanes. The first holds what integrations
publish (answers to devices, door commands): while the broker is away it is held back (up to
a bound; the oldest are dropped and counted past it) and sent in order when it is back. The
bulk lane is pulled from sources such as the state stream, only when the first lane is
empty and only a few messages at a time, so a mirror of the hub's own state never queues
in front of an answer a reader is waiting for, nor floods a broker that is behind.

Messages go to paho directly, up to ``max_inflight`` unacknowledged at a time (a round trip
per message must not cap throughput), and are tracked by message id until paho reports them
written (QoS 0) or acknowledged (QoS 1/2); whatever the connection took down with it goes
back to the front of the first lane. ``aiomqtt.Client.publish`` would cost a task, an event
and a ``wait_for`` per message and a turn of the loop to hand each one over.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import socket
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import aiomqtt
from paho.mqtt.matcher import MQTTMatcher

from xiaoqu.core.bus import is_coroutine_callable

from .models import MqttStats, RateLimitedLog, ReceiveMessage
from .topic import BrokerFilters, TopicMatcher, valid_publish_topic, valid_subscribe_topic

if TYPE_CHECKING:
    import paho.mqtt.client as paho

    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

MessageCallback = Callable[[ReceiveMessage], Any]
Unsubscribe = Callable[[], None]
PayloadType = str | bytes | bytearray | int | float | dict | list | None

#: How many messages the dispatcher handles before letting other tasks run.
DISPATCH_BATCH = 256
#: Unacknowledged messages the bulk lane may have at the broker at once (of ``max_inflight``).
BULK_WINDOW = 5
#: Packets read from the socket per wake-up, at most (each message waits for the rest).
READ_BATCH = 32


@dataclass(slots=True, frozen=True)
class TlsSettings:
    ca_certs: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    insecure: bool = False


@dataclass(slots=True)
class ConnectionSettings:
    """Where the broker is and how the hub talks to it (from the ``mqtt:`` section)."""

    host: str
    port: int
    client_id: str
    status_topic: str
    username: str | None = None
    password: str | None = None
    tls: TlsSettings | None = None
    keepalive: int = 60
    tcp_nodelay: bool = True
    max_incoming: int = 10_000
    max_held_back: int = 10_000
    max_payload: int = 256 * 1024
    max_inflight: int = 20
    reconnect_min: float = 0.5
    #: The back-off's cap: a broker that comes back is reached again within this (the doors'
    #: answers and commands are held back until then), so it stays under 5 s however long the
    #: broker was away; a refused connect to a broker that is down costs next to nothing.
    reconnect_max: float = 4.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class _Subscription:
    __slots__ = ("topic", "callback", "qos", "is_coroutine", "seen_retained")

    def __init__(self, topic: str, callback: MessageCallback, qos: int) -> None:
        self.topic = topic
        self.callback = callback
        self.qos = qos
        self.is_coroutine = is_coroutine_callable(callback)
        #: Topics whose retained message this subscriber already got (since the last connect).
        self.seen_retained: set[str] = set()


class _Outgoing:
    __slots__ = ("topic", "payload", "qos", "retain", "future", "bulk")

    def __init__(
        self,
        topic: str,
        payload: bytes,
        qos: int,
        retain: bool,
        future: asyncio.Future[None] | None,
        bulk: BulkSource | None = None,
    ) -> None:
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.future = future
        self.bulk = bulk


class BulkSource(Protocol):
    """What the bulk lane pulls from (the state stream).

    The source keeps what it has not sent yet and may coalesce it (only an entity's newest
    state is worth sending); ``take`` hands over at most ``limit`` messages, as
    ``(topic, payload, qos, retain)``. Messages taken and then lost with the connection are
    not resent by the connection: ``lost`` gives their topics back and the source decides
    what is still worth sending.
    """

    def take(self, limit: int) -> list[tuple[str, bytes, int, bool]]: ...

    def lost(self, topics: list[str]) -> None: ...


class PublishDropped(Exception):
    """A held-back message was dropped because the outbox bound was reached."""


def encode_payload(payload: PayloadType) -> bytes:
    """Bytes for the wire: text as UTF-8, numbers as text, mappings and lists as JSON."""
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, bool):
        return b"true" if payload else b"false"
    if isinstance(payload, (int, float)):
        return str(payload).encode()
    if isinstance(payload, (dict, list)):
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raise TypeError(f"cannot publish a {type(payload).__name__}; give str, bytes, a number, a dict or a list")


def _check_qos(qos: int) -> int:
    if qos not in (0, 1, 2):
        raise ValueError(f"qos must be 0, 1 or 2, not {qos!r}")
    return qos


class _NoFilteredCallbacks(MQTTMatcher):
    """paho's per-filter ``on_message`` callbacks, when there are none (``message_callback_add``
    is never called): nothing matches, and nothing is allocated to find that out."""

    def iter_match(self, topic: str) -> Iterator[Any]:
        return iter(()) if not self._root._children else super().iter_match(topic)


class MqttClient:
    """The connection, the subscriptions and the outbox of one hub."""

    def __init__(
        self,
        hub: Hub,
        settings: ConnectionSettings,
        stats: MqttStats,
        reject: Callable[[str, str], None],
    ) -> None:
        self.hub = hub
        self.settings = settings
        self.stats = stats
        self._reject = reject
        self._log = RateLimitedLog(_LOGGER, time.monotonic)
        self._subs: dict[str, list[_Subscription]] = {}
        self._matcher: TopicMatcher[_Subscription] = TopicMatcher()
        self._filters = BrokerFilters()
        self._at_broker: dict[str, int] = {}
        self._client: aiomqtt.Client | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._sync_dirty = False
        self._replay: set[str] = set()
        self._sync_lock = asyncio.Lock()
        self._inbox: deque[aiomqtt.Message] = deque()
        self._inbox_waiter: asyncio.Future[None] | None = None
        self._outbox: deque[_Outgoing] = deque()
        self._bulk: list[BulkSource] = []
        #: Handed to paho and not yet written (QoS 0) or acknowledged, by message id, in order.
        self._inflight: dict[int, _Outgoing] = {}
        self._bulk_inflight = 0
        self._paho: paho.Client | None = None
        self._pump_scheduled = False
        #: Packets paho has handed over (messages, acknowledgements): tells a read that got one.
        self._handled = 0
        self._run_task: asyncio.Task[None] | None = None
        self._dispatch_task: asyncio.Task[None] | None = None
        self._lost_at: float | None = None
        self._failing = False
        self._connect_listeners: list[Callable[[bool], Any]] = []
        self._ssl_context: ssl.SSLContext | None = None

    # --- lifecycle --------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def backlog(self) -> int:
        """Messages waiting in the outbox's first lane (held back, or waiting for a free slot)."""
        return len(self._outbox)

    async def start(self) -> None:
        """Start connecting in the background; the hub starts whether the broker is there or not."""
        if self.settings.tls is not None:
            self._ssl_context = await self.hub.run_in_executor(_ssl_context, self.settings.tls)
        self._dispatch_task = self.hub.create_background_task(self._dispatch_loop(), "mqtt dispatcher")
        self._run_task = self.hub.create_background_task(self._run(), "mqtt connection")

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Send what is queued (briefly), say ``offline``, disconnect, stop the tasks."""
        client = self._client
        if client is not None:
            try:
                async with asyncio.timeout(flush_timeout):
                    # The outbox empties in paho's callbacks; a short poll once, at stop, is
                    # simpler than an event set for every message sent.
                    while (self._outbox or self._inflight) and self._client is not None:  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                    await client.publish(self.settings.status_topic, b"offline", qos=1, retain=True)
            except (TimeoutError, aiomqtt.MqttError) as err:
                _LOGGER.warning("Stopping without flushing to the MQTT broker: %s", err or "timed out")
        for task in (self._run_task, self._dispatch_task):
            if task is not None:
                task.cancel()
        for task in (self._run_task, self._dispatch_task):
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)
        self._drain_inbox()

    def on_connection_change(self, listener: Callable[[bool], Any]) -> Unsubscribe:
        """Call ``listener(connected)`` on every connect and disconnect."""
        self._connect_listeners.append(listener)
        return functools.partial(self._connect_listeners.remove, listener)

    # --- the connection loop ----------------------------------------------------------

    def _make_client(self) -> aiomqtt.Client:
        settings = self.settings
        offer = self._offer

        class _Inbox(asyncio.Queue):
            """Hands each message to the dispatcher's inbox; aiomqtt never waits on it."""

            def put_nowait(self, item: aiomqtt.Message) -> None:
                offer(item)

        options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)] if settings.tcp_nodelay else []
        client = aiomqtt.Client(
            settings.host,
            settings.port,
            username=settings.username,
            password=settings.password,
            identifier=settings.client_id,
            queue_type=_Inbox,
            will=aiomqtt.Will(settings.status_topic, b"offline", qos=1, retain=True),
            clean_session=True,
            keepalive=settings.keepalive,
            tls_context=self._ssl_context,
            socket_options=options,
            max_inflight_messages=settings.max_inflight,
            timeout=10,
        )
        self._hook(client._client)  # aiomqtt 2.x has no public handle on its paho client
        return client

    def _hook(self, inner: paho.Client) -> None:
        """Learn from paho what was written or acknowledged, and make it read in batches."""
        forward = inner.on_publish
        assert forward is not None  # aiomqtt's own, set when it made the paho client

        def on_publish(client: paho.Client, userdata: Any, mid: int, *rest: Any) -> None:
            self._handled += 1
            forward(client, userdata, mid, *rest)
            if client is self._paho:
                self._done(mid)

        inner.on_publish = on_publish
        # paho reads one packet per call unless messages of its own are in flight (it ignores
        # max_packets), and aiomqtt calls it once per wake-up: one turn of the loop, with its
        # poll and its dispatcher wake-up, per message. Read on while packets keep coming.
        read = inner.loop_read

        def loop_read(max_packets: int = 1) -> paho.MQTTErrorCode:
            for _ in range(READ_BATCH):
                before = self._handled
                rc = read()
                if rc or self._handled == before:
                    break
            return rc

        inner.loop_read = loop_read  # type: ignore[method-assign]
        # paho looks every message up in its per-filter callbacks (none here: the client routes
        # by topic itself) with a recursive closure: a reference cycle per message, garbage that
        # only the collector frees (six objects each): at 100 plate reads a second, a young
        # collection of ~100k objects every few seconds, stalling the loop 30-100 ms.
        inner._on_message_filtered = _NoFilteredCallbacks()

    async def _run(self) -> None:
        attempt = 0
        while True:
            client = self._make_client()
            try:
                async with client:
                    attempt = 0
                    try:
                        await self._connected(client)
                        async for _ in client.messages:  # only ever ends by raising on disconnect
                            pass
                    finally:
                        self._disconnected()
            except aiomqtt.MqttError as err:
                self._connect_failed(err)
            except Exception as err:  # a bug must not end the connection loop for good
                _LOGGER.exception("Unexpected error in the MQTT connection")
                self._disconnected()
                self._connect_failed(aiomqtt.MqttError(repr(err)))
            delay = min(self.settings.reconnect_max, self.settings.reconnect_min * 2**attempt)
            attempt = min(attempt + 1, 30)
            # Reconnect pacing is about the network, not the community's time: a hub on a
            # manual clock in a test must still reconnect, so this sleeps on the loop.
            await asyncio.sleep(random.uniform(delay / 2, delay))

    async def _connected(self, client: aiomqtt.Client) -> None:
        self._client = client
        self.stats.connected = True
        self.stats.connects += 1
        self._at_broker = {}
        self._replay.clear()
        for subs in self._subs.values():
            for sub in subs:
                sub.seen_retained.clear()
        await self._sync_subscriptions(everything=True)
        await client.publish(self.settings.status_topic, b"online", qos=1, retain=True)
        if self._lost_at is None:
            _LOGGER.info("Connected to the MQTT broker at %s", self.settings.address)
        else:
            _LOGGER.warning(
                "Back on the MQTT broker at %s after %.1f s: resubscribed %d topic filters, sending %d held-back messages",
                self.settings.address,
                time.monotonic() - self._lost_at,
                len(self._at_broker),
                len(self._outbox),
            )
        self._lost_at = None
        self._failing = False
        self._paho = client._client
        self._notify(True)
        self._pump()

    def _disconnected(self) -> None:
        if self._client is None:
            return
        self._client = None
        self._paho = None
        self.stats.connected = False
        self.stats.disconnects += 1
        self._at_broker = {}
        # What the connection took down goes back in front, in the order it was sent; the
        # bulk lane's sources are told what they lost.
        inflight = list(self._inflight.values())
        self._inflight.clear()
        self._bulk_inflight = 0
        self._outbox.extendleft(reversed([item for item in inflight if item.bulk is None]))
        for source in self._bulk:
            if topics := [item.topic for item in inflight if item.bulk is source]:
                source.lost(topics)
        self.stats.held_back = len(self._outbox)
        self._notify(False)

    def _connect_failed(self, err: aiomqtt.MqttError) -> None:
        reason = str(err) or type(err).__name__
        self.stats.last_error = reason
        if self._lost_at is None:
            self._lost_at = time.monotonic()
            if self.stats.connects:
                _LOGGER.warning(
                    "Lost the MQTT broker at %s: %s; holding back what the hub publishes until it is back",
                    self.settings.address,
                    reason,
                )
            else:
                _LOGGER.warning("Cannot connect to the MQTT broker at %s: %s; retrying", self.settings.address, reason)
            self._failing = True
        else:
            _LOGGER.debug("Still cannot reach the MQTT broker at %s: %s", self.settings.address, reason)

    def _notify(self, connected: bool) -> None:
        for listener in list(self._connect_listeners):
            try:
                result = listener(connected)
                if asyncio.iscoroutine(result):
                    self.hub.create_task(result, name="mqtt connection listener")
            except Exception:
                _LOGGER.exception("Error in MQTT connection listener %r", listener)

    # --- subscriptions ----------------------------------------------------------------

    def subscribe_nowait(self, topic: str, callback: MessageCallback, qos: int = 0) -> Unsubscribe:
        """Register ``callback`` for ``topic`` (wildcards allowed); the broker is told soon."""
        valid_subscribe_topic(topic)
        sub = _Subscription(topic, callback, _check_qos(qos))
        self._subs.setdefault(topic, []).append(sub)
        self._matcher.add(topic, sub)
        self._filters.add(topic, sub.qos)
        self._replay.add(topic)
        self._schedule_sync()
        return functools.partial(self._unsubscribe, sub)

    async def subscribe(self, topic: str, callback: MessageCallback, qos: int = 0) -> Unsubscribe:
        """Like :meth:`subscribe_nowait`, but returns once the broker has confirmed (when connected)."""
        unsubscribe = self.subscribe_nowait(topic, callback, qos)
        await self.wait_subscribed()
        return unsubscribe

    async def wait_subscribed(self) -> None:
        """Wait until the broker has every subscription registered so far (no-op when offline)."""
        task = self._sync_task
        if task is not None and not task.done() and self.connected:
            await asyncio.shield(task)

    def _unsubscribe(self, sub: _Subscription) -> None:
        subs = self._subs.get(sub.topic)
        if not subs or sub not in subs:
            return
        subs.remove(sub)
        if not subs:
            del self._subs[sub.topic]
        self._matcher.remove(sub.topic, sub)
        self._filters.remove(sub.topic, sub.qos)
        self._schedule_sync()

    def _schedule_sync(self) -> None:
        self._sync_dirty = True
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = self.hub.create_task(self._sync_soon(), name="mqtt subscriptions")

    async def _sync_soon(self) -> None:
        while self._sync_dirty:
            self._sync_dirty = False
            await asyncio.sleep(0)  # let a burst of subscribe calls land in one SUBSCRIBE
            if self.connected:
                await self._sync_subscriptions()

    def wanted_filters(self) -> dict[str, int]:
        """The filters the broker is to have, with their QoS."""
        return dict(self._filters.items())

    async def _sync_subscriptions(self, everything: bool = False) -> None:
        """Tell the broker what changed since the last time (``everything`` on a new
        connection), in one SUBSCRIBE and one UNSUBSCRIBE: only changed filters are looked
        at, never all of them."""
        async with self._sync_lock:
            client = self._client
            if client is None:
                return
            filters = self._filters
            changed = filters.take_changes()
            if everything:
                changed = [topic for topic, _qos in filters.items()]
            wanted = {topic: qos for topic in changed if (qos := filters.get(topic)) is not None}
            new = [(topic, qos) for topic, qos in wanted.items() if self._at_broker.get(topic) != qos]
            # A new subscriber to a filter the broker already has would never get the
            # retained messages: subscribing the same filter again makes the broker resend
            # them (MQTT 3.1.1, 3.8.4), and the dispatcher gives each one only to
            # subscribers that have not seen it.
            replay, self._replay = self._replay, set()
            fresh = {topic for topic, _ in new}
            again = {wide: None for topic in replay for wide in filters.covering(topic)}
            new += [(wide, self._at_broker[wide]) for wide in again if wide not in fresh and wide in self._at_broker]
            gone = [topic for topic in changed if topic not in wanted and topic in self._at_broker]
            # The broker has the filters once the packet is on its way: it handles a
            # connection's packets in order. An acknowledgement that is late (the hub busy
            # reading a burst of retained messages) is no reason to send them again, which
            # would only make the broker send their retained messages again; a lost
            # connection is, and the next connect sends every filter.
            try:
                if new:
                    await self._acknowledged(client, client.subscribe(new))
                self._at_broker.update(new)
                if gone:
                    await self._acknowledged(client, client.unsubscribe(gone))
                for topic in gone:
                    self._at_broker.pop(topic, None)
            except aiomqtt.MqttError as err:
                _LOGGER.debug("Subscription update interrupted (%s); the next connect resubscribes", err)

    async def _acknowledged(self, client: aiomqtt.Client, request: Awaitable[Any]) -> None:
        """Await ``client``'s SUBSCRIBE or UNSUBSCRIBE; raise MqttError only when that
        connection is gone."""
        try:
            await request
        except aiomqtt.MqttError as err:
            if self._client is not client:
                raise
            _LOGGER.debug("The MQTT broker has not acknowledged a subscription change yet (%s)", err)

    # --- incoming ---------------------------------------------------------------------

    def _offer(self, message: aiomqtt.Message) -> None:
        self._handled += 1
        if len(self._inbox) >= self.settings.max_incoming:
            self.stats.incoming_dropped += 1
            self._log.warning(
                "inbox",
                "MQTT inbox full (%d messages): dropping a message on %s; the hub cannot keep up",
                self.settings.max_incoming,
                message.topic.value,
            )
            return
        self._inbox.append(message)
        waiter = self._inbox_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _dispatch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        inbox = self._inbox
        while True:
            if not inbox:
                self._inbox_waiter = loop.create_future()
                await self._inbox_waiter
                self._inbox_waiter = None
            for _ in range(min(len(inbox), DISPATCH_BATCH)):
                self._dispatch(inbox.popleft())
            if inbox:
                await asyncio.sleep(0)

    def _drain_inbox(self) -> None:
        while self._inbox:
            self._dispatch(self._inbox.popleft())

    def _dispatch(self, message: aiomqtt.Message) -> None:
        stats = self.stats
        stats.received += 1
        topic = message.topic.value
        payload = message.payload
        if not isinstance(payload, bytes):
            payload = encode_payload(payload)
        if len(payload) > self.settings.max_payload:
            self._reject(topic, "too_large")
            self._log.warning(
                "too_large",
                "Ignoring a %d-byte message on %s: larger than mqtt.max_payload (%d bytes)",
                len(payload),
                topic,
                self.settings.max_payload,
            )
            return
        subs = self._matcher.match(topic)
        if not subs:
            stats.unrouted += 1
            return
        retain = bool(message.retain)
        received = ReceiveMessage(topic, payload, message.qos, retain, self.hub.clock.time())
        for sub in subs:
            if retain:
                if topic in sub.seen_retained:
                    continue
                sub.seen_retained.add(topic)
            if sub.is_coroutine:
                self.hub.create_task(self._run_async(sub, received), name=f"mqtt {topic}")
                continue
            try:
                result = sub.callback(received)
                if asyncio.iscoroutine(result):
                    self.hub.create_task(self._await(sub, received, result), name=f"mqtt {topic}")
            except Exception:
                self._handler_failed(sub, received)

    async def _run_async(self, sub: _Subscription, message: ReceiveMessage) -> None:
        try:
            await sub.callback(message)
        except Exception:
            self._handler_failed(sub, message)

    async def _await(self, sub: _Subscription, message: ReceiveMessage, awaitable: Any) -> None:
        try:
            await awaitable
        except Exception:
            self._handler_failed(sub, message)

    def _handler_failed(self, sub: _Subscription, message: ReceiveMessage) -> None:
        """Count the failure; log it with its traceback once a minute per handler (a sender
        that found a payload the handler fails on may send it in a loop)."""
        self._reject(message.topic, "handler_error")
        name = getattr(sub.callback, "__qualname__", repr(sub.callback))
        self._log.exception(("handler_error", name), "Error in MQTT handler %s for %r", name, message)

    # --- outgoing ---------------------------------------------------------------------

    def publish_nowait(self, topic: str, payload: PayloadType = None, qos: int = 0, retain: bool = False) -> None:
        """Queue a message; sent at once when connected, held back (bounded) when not."""
        valid_publish_topic(topic)
        self._enqueue(_Outgoing(topic, encode_payload(payload), _check_qos(qos), retain, None))

    async def publish(self, topic: str, payload: PayloadType = None, qos: int = 0, retain: bool = False) -> None:
        """Queue a message and, when connected, wait until it was sent (QoS 0) or acknowledged.

        While the broker is away this returns once the message is held back.
        """
        valid_publish_topic(topic)
        data = encode_payload(payload)
        _check_qos(qos)
        if not self.connected:
            self._enqueue(_Outgoing(topic, data, qos, retain, None))
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue(_Outgoing(topic, data, qos, retain, future))
        await future

    def _enqueue(self, item: _Outgoing) -> None:
        outbox = self._outbox
        if len(outbox) >= self.settings.max_held_back:
            dropped = outbox.popleft()
            self.stats.held_back_dropped += 1
            if dropped.future is not None and not dropped.future.done():
                dropped.future.set_exception(PublishDropped(f"dropped: more than {self.settings.max_held_back} queued"))
            self._log.warning(
                "outbox",
                "MQTT outbox full (%d messages): dropping the oldest (to %s)",
                self.settings.max_held_back,
                dropped.topic,
            )
        outbox.append(item)
        self.stats.held_back = len(outbox)
        self._pump()

    def add_bulk_source(self, source: BulkSource) -> Unsubscribe:
        """Let the bulk lane pull from ``source``; call :meth:`bulk_ready` when it has more."""
        self._bulk.append(source)
        return functools.partial(self._bulk.remove, source)

    def bulk_ready(self) -> None:
        """A bulk source has something to send: pull from it at the next turn of the loop
        (so a burst of changes coalesces before anything is taken)."""
        self._schedule_pump()

    def _schedule_pump(self) -> None:
        if not self._pump_scheduled and self._paho is not None:
            self._pump_scheduled = True
            asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        """Hand paho what fits in the window: the first lane in order, then the bulk lane."""
        self._pump_scheduled = False
        client = self._paho
        if client is None:
            return
        outbox, inflight, window = self._outbox, self._inflight, self.settings.max_inflight
        while outbox and len(inflight) < window:
            item = outbox.popleft()
            if not self._send(client, item):
                outbox.appendleft(item)
                break
        self.stats.held_back = len(outbox)
        if outbox or not self._bulk:
            return
        for source in self._bulk:
            room = min(window - len(inflight), BULK_WINDOW - self._bulk_inflight)
            if room <= 0:
                return
            for topic, payload, qos, retain in source.take(room):
                if self._send(client, _Outgoing(topic, payload, qos, retain, None, source)):
                    self._bulk_inflight += 1

    def _send(self, client: paho.Client, item: _Outgoing) -> bool:
        """Give ``item`` to paho; False when the connection is already gone."""
        info = client.publish(item.topic, item.payload, item.qos, item.retain)
        if info.rc:  # not MQTT_ERR_SUCCESS (0): the connection went
            return False
        self._inflight[info.mid] = item
        return True

    def _done(self, mid: int) -> None:
        """paho wrote (QoS 0) or the broker acknowledged (QoS 1/2) message ``mid``."""
        item = self._inflight.pop(mid, None)
        if item is None:  # the birth message, published through aiomqtt
            return
        self.stats.published += 1
        if item.bulk is not None:
            self._bulk_inflight -= 1
        elif item.future is not None and not item.future.done():
            item.future.set_result(None)
        # Not inline: paho is inside its read or write loop and has not yet counted the slot free.
        self._schedule_pump()


def _ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    """Load CA and client certificate (blocking file reads: called in an executor)."""
    context = ssl.create_default_context(cafile=tls.ca_certs)
    if tls.certfile:
        context.load_cert_chain(tls.certfile, tls.keyfile)
    if tls.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
