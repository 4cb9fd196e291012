"""Notices to residents: everyone, a building, a unit or a household (docs/notices.md).

    notices:
      default_channels: [mqtt, log]
      channels:
        mqtt: {displays: [{id: lobby-1, building: "1"}]}
        webhook: {url: "https://sms.example.com/send", secret: !secret sms_secret}
      templates:
        water_outage: {title: 停水通知, body: "..."}

``notices.send`` checks a notice whole (targets, channels, the template rendered with its
data) and sends it now, at ``at`` or repeatedly, through the channels; ``notices.acknowledge``
is a household signing it (``notice_acknowledged``). :func:`get_notices` gives the hub's
:class:`Notices` (``await get_notices(hub).send(to, template=..., data=..., ref=...)``).
Plugins add channels with the ``xiaoqu_notice_channels`` hook (:mod:`.hookspecs`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .channels import ChannelContext, ChannelType, DeliveryFailed, Message, NoticeChannel
from .const import DOMAIN, EVENT_ACKNOWLEDGED, EVENT_SENT, ROLE_PERMISSIONS
from .notices import NoticeError, NoticeNotFound, Notices
from .pages import register_pages
from .runtime import get_notices
from .schema import CONFIG_SCHEMA
from .services import SERVICES
from .texts import TemplateFailed

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_ACKNOWLEDGED", "EVENT_SENT", "ChannelContext", "ChannelType", "DeliveryFailed", "Message",
           "NoticeChannel", "NoticeError", "NoticeNotFound", "Notices", "TemplateFailed", "get_notices"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
