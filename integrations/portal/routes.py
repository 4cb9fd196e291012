"""The portal's routes on the hub's aiohttp application, added when the hub starts serving, by
which time every integration has registered its portal pages."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from xiaoqu.core.http import public
from xiaoqu.integrations.dashboard.guard import guarded

from .area import ACCOUNT, AREA
from .const import JOIN_PATH, ROOT, STATIC
from .join import join, join_form
from .registry import registry

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: The files served, read once: a name from outside is looked up, never joined to a path.
FILES = {path.name: path for path in (Path(__file__).parent / "static").iterdir() if path.suffix in (".css", ".svg")}


@public
async def _to_home(_request: web.Request) -> web.Response:
    return web.Response(status=301, headers={"Location": f"{ROOT}/"})


@public
async def _static(request: web.Request) -> web.StreamResponse:
    """The portal's stylesheet; its name carries its version, so phones keep it a day."""
    path = FILES.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


def add_routes(hub: Hub, app: web.Application) -> None:
    router = app.router
    router.add_get(ROOT, _to_home)
    router.add_get(JOIN_PATH, join_form)
    router.add_post(JOIN_PATH, join)
    router.add_get(f"{STATIC}/{{name}}", _static)
    for page in registry(hub).pages:
        router.add_route(page.method, f"{ROOT}/{page.path}", guarded(page.as_page(), AREA if page.household else ACCOUNT))
