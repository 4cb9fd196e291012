"""The log channel: each notice to each household as a line of the hub's log (the notice's id,
the household and the title; never a phone or an address, which this channel never reads)."""
from __future__ import annotations

import logging
from typing import Any, Final

from xiaoqu.core.validation import log_level, vol

from ..const import CHANNEL_LOG
from .base import ChannelBase, ChannelContext, ChannelType, Message

_LOGGER = logging.getLogger(__name__)

SCHEMA: Final = vol.Schema({vol.Optional("level", default="INFO"): log_level})


class LogChannel(ChannelBase):
    def __init__(self, context: ChannelContext, config: dict[str, Any]) -> None:
        self.level = logging.getLevelName(config["level"])

    async def send(self, message: Message, household: str) -> None:
        _LOGGER.log(self.level, "notice %s to %s: %s", message.notice_id, household, message.title)


TYPE: Final = ChannelType(CHANNEL_LOG, SCHEMA, LogChannel, "The hub's log", default=True)
