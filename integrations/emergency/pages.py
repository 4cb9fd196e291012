"""The emergency pages on the staff dashboard, registered with the dashboard when it runs."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations import dashboard

from . import dashboard_pages

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


def register_pages(hub: Hub) -> None:
    dashboard.register(hub, PACKAGE, pages=dashboard_pages.PAGES, feeds=dashboard_pages.FEEDS)
