"""The cctv pages on the staff dashboard, registered whether or not the site runs it: the
dashboard serves what it finds when it starts."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations import dashboard

from .dashboard_pages import FEEDS, PAGES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


def register_pages(hub: Hub) -> None:
    dashboard.register(hub, PACKAGE, pages=PAGES, feeds=FEEDS)
