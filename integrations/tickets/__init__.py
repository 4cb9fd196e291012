"""Repairs, complaints and feedback: tickets with deadlines, steps, escalation and a monthly
report (docs/tickets.md).

    tickets:
      categories:
        repair:    {name: 报修 Repair, arrive_within: {hours: 4}}
        complaint: {name: 投诉 Complaint, reply_within_workdays: 3}

``tickets.open`` opens one (a resident for their own household: the API, the portal, their app on
``household/<id>/tickets/open``; staff at the desk; an automation from a device fault with
``device``); ``tickets.update`` moves it along the allowed transitions; ``tickets.overdue`` fires
once when a deadline passes unmet; :func:`get_tickets` gives the hub's :class:`Tickets`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import DOMAIN, EVENT_CLOSED, EVENT_OPENED, EVENT_OVERDUE, EVENT_UPDATED, ROLE_PERMISSIONS
from .pages import register_pages
from .runtime import get_tickets
from .schema import CONFIG_SCHEMA
from .services import SERVICES
from .tickets import Tickets

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_CLOSED", "EVENT_OPENED", "EVENT_OVERDUE", "EVENT_UPDATED", "Tickets", "get_tickets"]


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
