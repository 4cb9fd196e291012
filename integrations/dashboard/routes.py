"""The dashboard's routes on the hub's aiohttp application, added when the hub starts serving,
by which time every integration has registered its pages."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from xiaoqu.core.http import public

from .const import DATA_DASHBOARD, LOGIN_PATH, ROOT, STATIC
from .guard import guarded
from .login import login, login_form

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from xiaoqu.core.hub import Hub

STATIC_DIR = Path(__file__).parent / "static"


def redirect_to(path: str) -> Handler:
    """A public handler sending the browser to ``path`` (an area's bare root to its first page)."""

    @public
    async def redirect(_request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": path})

    return redirect


def static_files(folder: Path, suffixes: tuple[str, ...]) -> Handler:
    """A public handler serving ``folder``'s files with ``suffixes``, read once: a name from
    outside is looked up, never joined to a path. Their names carry their version, so
    browsers keep them a day."""
    files = {path.name: path for path in folder.iterdir() if path.suffix in suffixes}

    @public
    async def serve(request: web.Request) -> web.StreamResponse:
        path = files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return serve


def add_routes(hub: Hub, app: web.Application) -> None:
    dashboard = hub.data[DATA_DASHBOARD]
    dashboard.start()
    router = app.router
    router.add_get(ROOT, redirect_to(f"{ROOT}/"))
    router.add_get(LOGIN_PATH, login_form)
    router.add_post(LOGIN_PATH, login)
    for page in dashboard.registry.pages:
        router.add_route(page.method, f"{ROOT}/{page.path}", guarded(page))
    router.add_get(f"{STATIC}/{{name}}", static_files(STATIC_DIR, (".js", ".css")))
