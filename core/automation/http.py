"""The automations' part of the HTTP API (behind the bearer-token check, ``api.read``).

- ``GET /api/automation``: every automation with its state, errors and warnings;
- ``GET /api/automation/<id>/traces``: the stored runs of one automation, newest first;
- ``GET /api/automation/<id>/traces/<run_id>``: one run in full (``latest`` for the newest).

``<id>`` is the automation's id or its entity id (``automation.door_forced_alarm``).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web

from xiaoqu.core.auth import API_READ
from xiaoqu.core.automation.const import DOMAIN
from xiaoqu.core.http import hub_of, json_error, json_response, requires

if TYPE_CHECKING:
    from xiaoqu.core.automation.engine import AutomationEngine
    from xiaoqu.core.hub import Hub


def add_routes(hub: Hub, app: web.Application) -> None:
    app.router.add_get("/api/automation", list_automations)
    app.router.add_get("/api/automation/{automation_id}/traces", list_traces)
    app.router.add_get("/api/automation/{automation_id}/traces/{run_id}", get_trace)


def _engine(request: web.Request) -> AutomationEngine:
    engine = hub_of(request).data.get(DOMAIN)
    if engine is None:
        raise json_error(HTTPStatus.SERVICE_UNAVAILABLE, "The automation engine is not running.")
    return engine


@requires(API_READ)
async def list_automations(request: web.Request) -> web.Response:
    return json_response(_engine(request).describe())


@requires(API_READ)
async def list_traces(request: web.Request) -> web.Response:
    automation_id = request.match_info["automation_id"]
    traces = _engine(request).traces(automation_id)
    if traces is None:
        raise json_error(HTTPStatus.NOT_FOUND, f"No automation {automation_id}.")
    return json_response(traces)


@requires(API_READ)
async def get_trace(request: web.Request) -> web.Response:
    automation_id, run_id = request.match_info["automation_id"], request.match_info["run_id"]
    engine = _engine(request)
    if engine.get(automation_id) is None:
        raise json_error(HTTPStatus.NOT_FOUND, f"No automation {automation_id}.")
    trace = engine.trace(automation_id, None if run_id == "latest" else run_id)
    if trace is None:
        raise json_error(HTTPStatus.NOT_FOUND, f"Automation {automation_id} has no run {run_id} stored.")
    return json_response(trace)
