"""The automations' part of the HTTP API (behind the bearer-token check, ``api.read``).

- ``GET /api/automation``: every automation with its state, errors and warnings;
- ``GET /api/automation/<id>/traces``: the stored runs of one automation, newest first;
- ``GET /api/automation/<id>/traces/<run_id>``: one run in full (``latest`` for the newest).

``<id>`` is the automation's id or its entity id (``automation.door_forced_alarm``). Scripts
are served the same way under ``/api/script`` (`add_trace_routes`).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from xiaoqu.core.auth import API_READ
from xiaoqu.core.automation.const import DOMAIN
from xiaoqu.core.http import hub_of, json_error, json_response, requires

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


class TracedEngine(Protocol):
    """What the routes ask of the engine in ``hub.data[domain]`` (automations', scripts')."""

    def get(self, item_id: str) -> Any: ...
    def describe(self) -> list[dict[str, Any]]: ...
    def traces(self, item_id: str) -> list[dict[str, Any]] | None: ...
    def trace(self, item_id: str, run_id: str | None = None) -> dict[str, Any] | None: ...


def add_routes(hub: Hub, app: web.Application) -> None:
    add_trace_routes(app, DOMAIN)


def add_trace_routes(app: web.Application, domain: str) -> None:
    """``GET /api/<domain>``, ``/api/<domain>/<id>/traces`` and ``.../traces/<run_id>`` for the
    engine kept in ``hub.data[domain]``."""

    def engine(request: web.Request) -> TracedEngine:
        found = hub_of(request).data.get(domain)
        if found is None:
            raise json_error(HTTPStatus.SERVICE_UNAVAILABLE, f"The {domain} engine is not running.")
        return found

    @requires(API_READ)
    async def list_items(request: web.Request) -> web.Response:
        return json_response(engine(request).describe())

    @requires(API_READ)
    async def list_traces(request: web.Request) -> web.Response:
        item_id = request.match_info["item_id"]
        traces = engine(request).traces(item_id)
        if traces is None:
            raise json_error(HTTPStatus.NOT_FOUND, f"No {domain} {item_id}.")
        return json_response(traces)

    @requires(API_READ)
    async def get_trace(request: web.Request) -> web.Response:
        item_id, run_id = request.match_info["item_id"], request.match_info["run_id"]
        found = engine(request)
        if found.get(item_id) is None:
            raise json_error(HTTPStatus.NOT_FOUND, f"No {domain} {item_id}.")
        trace = found.trace(item_id, None if run_id == "latest" else run_id)
        if trace is None:
            raise json_error(HTTPStatus.NOT_FOUND, f"{domain.capitalize()} {item_id} has no run {run_id} stored.")
        return json_response(trace)

    app.router.add_get(f"/api/{domain}", list_items)
    app.router.add_get(f"/api/{domain}/{{item_id}}/traces", list_traces)
    app.router.add_get(f"/api/{domain}/{{item_id}}/traces/{{run_id}}", get_trace)
