"""The parts of the embedded broker that import amqtt (loaded only when it starts).

``TopicAcl`` is amqtt 0.12's ``TopicAccessControlListPlugin`` (amqtt loads it by its dotted
path, which ``broker.py`` names in the broker's config) with two changes:

- a ``Config`` with ``subscribe_acl``: 0.12.1's has only the deprecated ``acl``, which
  warns at every start;
- a filter is allowed only when every topic it matches is inside an allowed filter.
  amqtt's own check lets ``+`` in an allowed filter stand for ``#`` in the requested one,
  so an account allowed ``xiaoqu/demo/household/+`` could subscribe
  ``xiaoqu/demo/household/#`` and read every household below it.

Accounts missing from a list may do nothing of that kind; receiving is not checked (what a
client may subscribe to is what it receives).

``Broker`` closes each client's socket when amqtt is done with it. amqtt 0.12.1 marks its
writer closed before ``write_eof``, so when a client resets the connection (it closed with
an answer still unread) the ``write_eof`` fails and the socket stays open until the garbage
collector finds it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from amqtt.broker import Broker as AmqttBroker
from amqtt.plugins.topic_checking import TopicAccessControlListPlugin

from .topic import covers


class TopicAcl(TopicAccessControlListPlugin):
    @dataclass
    class Config:
        """Account name (``anonymous`` for clients without one) → topic filters."""

        publish_acl: dict[str, list[str]] = field(default_factory=dict)
        subscribe_acl: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def topic_ac(topic_requested: str, topic_allowed: str) -> bool:
        return covers(topic_allowed, topic_requested)


class Broker(AmqttBroker):
    async def stream_connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str) -> None:
        try:
            await super().stream_connected(reader, writer, listener_name)
        finally:
            writer.close()
