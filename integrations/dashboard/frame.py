"""The frame's own pages, registered as any integration's are: the overview, the live events,
and the user's own settings."""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core.auth.permissions import API_READ_AUDIT

from .audit_page import audit_page
from .login import change_password, logout, password_form, set_language
from .registry import LOGS, N_, Page
from .stream import Filters

if TYPE_CHECKING:
    from aiohttp import web

    from .request import PageRequest


def _filters(page: PageRequest) -> Filters:
    """The event types and door a page or stream asks for (unknown types match nothing)."""
    return Filters(frozenset(page.query.getall("type", [])), page.query.get("door") or None)


async def overview(page: PageRequest) -> web.Response:
    """Each registered panel the user may see, and the latest events, kept live."""
    panels = [(panel.template, await panel.values(page))
              for panel in sorted(page.dashboard.registry.panels, key=lambda panel: panel.order)
              if page.allows(panel.permission)]
    return page.render("overview.html", panels=panels, lines=page.dashboard.streams.lines(page.user, Filters())[:10])


async def events(page: PageRequest) -> web.Response:
    filters = _filters(page)
    feeds = [feed for feed in page.dashboard.registry.feeds.values() if page.allows(feed.permission)]
    return page.render("events.html", feeds=feeds, filters=filters, stream_query=page.request.query_string,
                       lines=page.dashboard.streams.lines(page.user, filters))


async def stream(page: PageRequest) -> web.StreamResponse:
    return await page.dashboard.streams.serve(page, _filters(page))


PAGES = (
    Page("", overview, title=N_("Overview"), order=0),
    Page("events", events, title=N_("Live events"), order=10),
    Page("events/stream", stream),
    Page("audit", audit_page, permission=API_READ_AUDIT, title=N_("Audit log"), order=90, group=LOGS),
    Page("password", password_form, permission=None),
    Page("password", change_password, permission=None, method="POST"),
    Page("language", set_language, permission=None, method="POST"),
    Page("logout", logout, permission=None, method="POST"),
)
