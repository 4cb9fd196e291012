"""The residents' portal: their pages on a phone, from the hub's own server under ``/portal/``.

    portal: {}

Residents sign in at the one sign-in form (``/dashboard/login``) and land here; staff never
reach these pages, nor residents the staff's. A resident makes their account at
``/portal/join`` with the one-time code the office gives them (``residents.invite``). The
portal shows their home, their household's smart-home devices to see and switch, and their
household's entries; domains add their pages (bills, notices, repairs, visitors) with
:func:`register`. docs/portal.md is the guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.integrations.dashboard import N_

from . import runtime
from .const import DOMAIN
from .registry import PortalPage, register
from .request import PortalRequest
from .routes import add_routes
from .schema import CONFIG_SCHEMA

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "N_", "PortalPage", "PortalRequest", "register"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    runtime.set_up(hub)


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    add_routes(hub, app)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    runtime.stop(hub)
