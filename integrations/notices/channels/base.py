"""What a notice channel is: a :class:`ChannelType` (name, config schema, factory) that makes a
:class:`NoticeChannel`, which sends one :class:`Message` to one household at a time.

A channel raises :class:`DeliveryFailed` with a reason a person can act on ("gateway answered
503 three times", "no phone on record"); the reason is kept with the delivery and shown to
staff, so it never holds a phone number, an address or a name. Anything else a channel raises is
kept as a failure too: one channel's trouble never stops the others or the notice.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.validation import vol

    from ..contacts import Contacts


class DeliveryFailed(Exception):
    """A delivery that did not happen; ``str(err)`` is the reason kept (no personal data)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One notice as every channel sends it (the same words to each recipient)."""

    notice_id: str
    title: str
    body: str
    sent_at: str
    template: str | None = None
    ref: str | None = None
    #: The targets the notice was sent to (``[{"building": "1"}]``): a lobby display shows a
    #: notice only when it was sent to everyone, its building or a unit of it.
    to: tuple[Mapping[str, Any], ...] = ()

    def payload(self, household: str | None = None) -> dict[str, Any]:
        """The message as JSON for an app, a display or a gateway."""
        shown: dict[str, Any] = {"notice_id": self.notice_id, "title": self.title, "body": self.body,
                                 "sent_at": self.sent_at, "template": self.template, "ref": self.ref}
        if household is not None:
            shown["household"] = household
        return shown


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What a channel is made with: the hub, its own name, and where contacts come from."""

    hub: Hub
    name: str
    contacts: Contacts


class NoticeChannel(Protocol):
    async def send(self, message: Message, household: str) -> None:
        """Deliver ``message`` to ``household``; raise :class:`DeliveryFailed` when it cannot."""

    async def broadcast(self, message: Message) -> None:
        """Show a notice to everyone, a building or a unit where no household is addressed (a
        lobby display); most channels do nothing."""

    async def close(self) -> None:
        """Release what the channel holds (a client session)."""


class ChannelBase:
    """The parts most channels leave as they are."""

    async def broadcast(self, message: Message) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ChannelType:
    """A kind of channel: ``notices: channels: <name>: {...}`` makes one with ``create``."""

    name: str
    schema: vol.Schema
    create: Callable[[ChannelContext, dict[str, Any]], NoticeChannel]
    description: str = ""
    #: Made when ``notices:`` names no channels at all (the log; mqtt where mqtt is set up).
    default: bool = False
