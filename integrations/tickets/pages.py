"""The tickets' pages: staff's on the dashboard, the household's on the residents' portal. Both
are registered whether or not the site runs them: each frame serves what it finds when it starts."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations import dashboard, portal

from . import dashboard_pages, portal_pages

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


def register_pages(hub: Hub) -> None:
    dashboard.register(hub, PACKAGE, pages=dashboard_pages.PAGES, feeds=dashboard_pages.FEEDS)
    portal.register(hub, PACKAGE, pages=portal_pages.PAGES)
