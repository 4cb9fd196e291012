"""The notice channels: the types built in (log, MQTT, webhook, email) and what a channel is."""
from __future__ import annotations

from typing import Final

from . import log, mqtt, smtp, webhook
from .base import ChannelContext, ChannelType, DeliveryFailed, Message, NoticeChannel

__all__ = ["BUILTIN", "ChannelContext", "ChannelType", "DeliveryFailed", "Message", "NoticeChannel"]

BUILTIN: Final = (log.TYPE, mqtt.TYPE, webhook.TYPE, smtp.TYPE)
