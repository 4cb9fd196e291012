"""Setting the portal up: its area behind the one sign-in, its own pages, its live streams."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations.dashboard.guard import add_area

from .area import AREA
from .const import DATA_LIVE
from .live import live_of
from .pages import own_pages
from .registry import register

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


def set_up(hub: Hub) -> None:
    add_area(hub, AREA)
    live_of(hub)
    register(hub, PACKAGE, pages=own_pages(hub))


def stop(hub: Hub) -> None:
    live = hub.data.pop(DATA_LIVE, None)
    if live is not None:
        live.stop()
