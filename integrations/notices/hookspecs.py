"""The hook through which plugins add notice channels: ``xiaoqu_notice_channels``.

The core knows no notices (rule 1), so the hook's specification is the notices integration's:
it is added to the hub's plugin manager when notices is set up, after every plugin was
registered. A channel plugin therefore marks its implementation with this module's
:data:`hookimpl` (the core's, with ``optionalhook=True``: "a hook whose specification comes
later"), and lists ``notices`` in its manifest's dependencies::

    from xiaoqu.integrations.notices.hookspecs import hookimpl

    @hookimpl
    def xiaoqu_notice_channels():
        return [ChannelType("wecom", WECOM_SCHEMA, WeComChannel, "WeCom group robot")]

The built-in channels (log, mqtt, webhook, email) are the same :class:`ChannelType` rows.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core import hookimpl as core_hookimpl
from xiaoqu.core.hookspecs import hookspec

if TYPE_CHECKING:
    from .channels.base import ChannelType

#: The name of the hook, as the plugin manager knows it.
HOOK: Final = "xiaoqu_notice_channels"
#: ``@hookimpl`` for a channel plugin's ``xiaoqu_notice_channels`` (see the module's docstring).
hookimpl: Final[Any] = functools.partial(core_hookimpl, optionalhook=True)


class NoticeHookSpecs:
    """The notices integration's hook specifications (added with ``pm.add_hookspecs``)."""

    @hookspec
    def xiaoqu_notice_channels(self) -> list[ChannelType] | None:
        """Return the channel types this plugin adds (``ChannelType(name, schema, create,
        description)``). A channel is used where ``notices: channels:`` names it; its section is
        checked with its ``schema`` and handed to ``create(context, section)``."""
