"""The parts of the embedded broker that import amqtt (loaded only when it starts).

``TopicAcl`` is amqtt 0.12's ``TopicAccessControlListPlugin`` (amqtt loads it by its dotted
path, which ``broker.py`` names in the broker's config) with three changes:

- a ``Config`` with ``subscribe_acl`` and ``receive_acl``: 0.12.1's has only the deprecated
  ``acl``, which warns at every start, and no ``receive_acl``, so delivery was never checked;
- a filter is allowed only when every topic it matches is inside an allowed filter.
  amqtt's own check lets ``+`` in an allowed filter stand for ``#`` in the requested one,
  so an account allowed ``xiaoqu/demo/household/+`` could subscribe
  ``xiaoqu/demo/household/#`` and read every household below it;
- every message is checked again where it is delivered (``receive_acl``: the filters the
  account may subscribe to), so a path of amqtt's that picks the wrong recipients cannot
  hand an account a topic outside its own.

Accounts missing from a list may do nothing of that kind.

``Broker`` sends a client only the retained messages of its own subscriptions. amqtt 0.12.1,
when a client connects, sends it the retained messages that match *any* client's
subscriptions: a resident's app, before subscribing to anything, received every household's
retained messages, the state stream and the devices' states.

``Broker`` keeps its subscriptions in a map that is walked over a copy: amqtt walks it while
it awaits, and a client subscribing meanwhile ended the walk with "dictionary changed size
during iteration" (seen at start-up, when the hub subscribes while devices publish).

``Broker`` closes each client's socket when amqtt is done with it. amqtt 0.12.1 marks its
writer closed before ``write_eof``, so when a client resets the connection (it closed with
an answer still unread) the ``write_eof`` fails and the socket stays open until the garbage
collector finds it.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from amqtt.broker import Broker as AmqttBroker
from amqtt.contexts import Action
from amqtt.plugins.topic_checking import TopicAccessControlListPlugin
from amqtt.session import Session

from .topic import covers


class TopicAcl(TopicAccessControlListPlugin):
    @dataclass
    class Config:
        """Account name (``anonymous`` for clients without one) → topic filters."""

        publish_acl: dict[str, list[str]] = field(default_factory=dict)
        subscribe_acl: dict[str, list[str]] = field(default_factory=dict)
        receive_acl: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def topic_ac(topic_requested: str, topic_allowed: str) -> bool:
        return covers(topic_allowed, topic_requested)


class _Subscriptions(dict[str, list[tuple[Session, int]]]):
    """amqtt's topic filter → subscribers, walked over a copy.

    amqtt walks this map while it awaits: the topic check of each recipient of a message (a
    plugin call), the retained messages of a connecting client's filters. A filter added
    meanwhile ended the walk with a RuntimeError, and the message never reached the
    recipients after that point; a subscriber removed meanwhile shifted the list under the
    walk, and the next recipient was skipped.
    """

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().__iter__()))

    def items(self) -> list[tuple[str, list[tuple[Session, int]]]]:  # type: ignore[override]
        return [(topic_filter, list(subscribers)) for topic_filter, subscribers in super().items()]


class Broker(AmqttBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscriptions = _Subscriptions()

    def bound_port(self, listener: str = "default") -> int:
        """The port ``listener`` listens on (the one the system chose, when its bind said 0)."""
        server = self._servers[listener].instance
        return int(server.sockets[0].getsockname()[1])

    async def stream_connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str) -> None:
        try:
            await super().stream_connected(reader, writer, listener_name)
        finally:
            writer.close()

    async def _publish_retained_messages_for_subscription(self, subscription: tuple[str, int], session: Session) -> None:
        """Send ``session`` the retained messages on ``subscription``'s filter, if it holds that
        subscription, and only those it may receive.

        amqtt calls this when a client subscribes (with the filter just granted) and when a
        client connects, with every filter any client holds; the check on the session's own
        subscriptions is what keeps the second call to the client's own filters.
        """
        topic_filter = subscription[0]
        granted = [qos for holder, qos in self._subscriptions.get(topic_filter, ()) if holder.client_id == session.client_id]
        handler = self._get_handler(session)
        if not granted or handler is None:
            return
        qos = granted[0]
        matching = [retained for topic, retained in self._retained_messages.items() if self._matches(topic, topic_filter)]
        sends = [
            asyncio.ensure_future(handler.mqtt_publish(retained.topic, retained.data, min(qos, retained.qos or qos), retain=True))
            for retained in matching
            if await self._topic_filtering(session, topic=retained.topic, action=Action.RECEIVE)
        ]
        if sends:
            await asyncio.wait(sends)
