"""The staff dashboard: pages in the browser from the hub's own HTTP server.

    dashboard:
      session_lifetime: {hours: 12}
      idle_timeout: {minutes: 30}

Sign-in on the hub's users; every page and act checked against the permission table the API
uses. Integrations add their pages, overview panels and live feeds with :func:`register`
(docs/dashboard.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl

from . import frame, hub_pages, runtime
from .const import DOMAIN
from .forms import Form, refused
from .registry import N_, Feed, Page, Panel, register
from .request import PageRequest, ServiceRefused
from .routes import add_routes
from .schema import CONFIG_SCHEMA

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "N_", "Feed", "Form", "Page", "PageRequest", "Panel", "ServiceRefused", "refused", "register"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register(hub, runtime.PACKAGE, pages=frame.PAGES)
    register(hub, hub_pages.PACKAGE, pages=hub_pages.PAGES)


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    add_routes(hub, app)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.stop(hub)
