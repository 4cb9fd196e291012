"""Visitors: registered by the guard, confirmed by their host household, let through by access
until they must leave (docs/visitors.md).

    visitors:
      keep_days: 90
      max_stay: {hours: 24}
      lanes: [main-1]
      purposes:
        visit: {name: 探亲访友 Visiting, route: [gate-1, "b{building}-u{unit}"]}

A guard calls ``visitors.register``; the host household answers from its app over MQTT
(``household/<id>/visitors/<visit>/answer``), from the portal's Visitors page, or through
``visitors.confirm``; staff may answer for the host with a reason. A confirmed visitor gets a QR
pass for the purpose's route and a plate permission for the lanes, from access, until
``leave_by``; ``visitor_overstay`` fires once for a visitor still in then. :func:`get_visitors`
gives the hub's :class:`Visitors`; a gate asks it ``plate_status(plate)`` (a :class:`VisitPlate`).
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, runtime
from .const import (
    DOMAIN,
    EVENT_ANSWERED,
    EVENT_CLOSED,
    EVENT_ENTERED,
    EVENT_EXPIRED,
    EVENT_OVERSTAY,
    EVENT_REQUESTED,
    ROLE_PERMISSIONS,
)
from .models import VisitPlate
from .pages import register_pages
from .runtime import get_visitors
from .schema import CONFIG_SCHEMA
from .services import SERVICES
from .visits import Visitors

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_ANSWERED", "EVENT_CLOSED", "EVENT_ENTERED", "EVENT_EXPIRED", "EVENT_OVERSTAY",
           "EVENT_REQUESTED", "VisitPlate", "Visitors", "get_visitors"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    cli.offer(hub)
    register_services(hub, DOMAIN, SERVICES)
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    cli.register(subparsers)
