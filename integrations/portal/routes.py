"""The portal's routes on the hub's aiohttp application, added when the hub starts serving, by
which time every integration has registered its portal pages."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations.dashboard.guard import guarded
from xiaoqu.integrations.dashboard.routes import redirect_to, static_files

from .area import ACCOUNT, AREA
from .const import JOIN_PATH, ROOT, STATIC
from .join import join, join_form
from .registry import registry

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

#: The portal's stylesheet and icons.
STATIC_DIR = Path(__file__).parent / "static"


def add_routes(hub: Hub, app: web.Application) -> None:
    router = app.router
    router.add_get(ROOT, redirect_to(f"{ROOT}/"))
    router.add_get(JOIN_PATH, join_form)
    router.add_post(JOIN_PATH, join)
    router.add_get(f"{STATIC}/{{name}}", static_files(STATIC_DIR, (".css", ".svg")))
    for page in registry(hub).pages:
        router.add_route(page.method, f"{ROOT}/{page.path}", guarded(page.as_page(), AREA if page.household else ACCOUNT))
