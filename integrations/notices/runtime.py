"""Setting notices up in the hub (its channels, from the built-in types and the plugins' hook),
and finding it (``get_notices``)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.core.hooks import hook_calls
from xiaoqu.core.rowstore import RowStore
from xiaoqu.core.validation import humanize_error, vol
from xiaoqu.integrations.mqtt.const import DATA_MQTT
from xiaoqu.integrations.residents import get_residents

from . import texts
from .channels import BUILTIN, ChannelContext, ChannelType, NoticeChannel
from .const import CHANNEL_MQTT, DATA_NOTICES, STORE_FILE, TABLE_DELIVERIES, TABLE_NOTICES
from .contacts import Contacts
from .hookspecs import HOOK, NoticeHookSpecs
from .notices import Notices

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


def channel_types(hub: Hub) -> dict[str, ChannelType]:
    """The built-in channel types and those plugins add (``xiaoqu_notice_channels``)."""
    caller = getattr(hub.pm.hook, HOOK, None)
    if caller is None or not caller.has_spec():
        hub.pm.add_hookspecs(NoticeHookSpecs)
    types = {kind.name: kind for kind in BUILTIN}
    for call in hook_calls(hub.pm, HOOK):
        for kind in call() or ():
            if kind.name in types:
                raise HubError(f"plugin {call.plugin} adds notice channel {kind.name!r}, which exists already")
            types[kind.name] = kind
    return types


def make_channels(hub: Hub, config: dict[str, Any], contacts: Contacts) -> dict[str, NoticeChannel]:
    """One channel per ``channels:`` entry (checked by its type's schema); none named: the default
    types (the log, and mqtt where mqtt is set up)."""
    types = channel_types(hub)
    asked: dict[str, Any] = config["channels"] or {
        kind.name: {} for kind in types.values() if kind.default and (kind.name != CHANNEL_MQTT or DATA_MQTT in hub.data)}
    made: dict[str, NoticeChannel] = {}
    for name, section in asked.items():
        kind = types.get(name)
        if kind is None:
            raise HubError(f"notices: channels: {name}: no such channel type (known: {', '.join(sorted(types))})")
        try:
            checked = kind.schema(section or {})
        except vol.Invalid as err:
            raise HubError(f"notices: channels: {name}: {humanize_error(section, err)}") from None
        made[name] = kind.create(ChannelContext(hub, name, contacts), checked)
    return made


async def set_up(hub: Hub, config: dict[str, Any]) -> Notices:
    assert hub.config.data_dir is not None
    texts.check(hub, config["templates"])
    residents = get_residents(hub)
    contacts = Contacts(residents)
    channels = make_channels(hub, config, contacts)
    rows = RowStore(Path(hub.config.data_dir) / STORE_FILE, (TABLE_NOTICES, TABLE_DELIVERIES))
    await rows.open()
    notices = hub.data[DATA_NOTICES] = Notices(hub, config, residents, rows, channels, contacts)
    await notices.load()
    notices.start()
    await notices.app.listen()
    _LOGGER.info("notices: channels %s", ", ".join(channels) or "none")
    return notices


async def tear_down(hub: Hub) -> None:
    notices = hub.data.pop(DATA_NOTICES, None)
    if notices is None:
        return
    await notices.stop()
    await notices.rows.close()


def get_notices(hub: Hub) -> Notices:
    """The hub's notices; raises if the notices integration is not set up."""
    notices = hub.data.get(DATA_NOTICES)
    if notices is None:
        raise HubError("notices is not set up on this hub (see the log for why)")
    return notices
