"""History and logbook: what every entity was, and what happened, as Home Assistant shows them.

Part of the core, set up on every hub. Each state change is kept in the recorder for
``keep_days`` (ten by default, as Home Assistant keeps them), except what ``exclude`` names::

    history:
      keep_days: 10
      exclude:
        domains: [sun]
        entity_globs: ["sensor.*_linkquality"]

It serves Home Assistant's ``GET /api/history/period/<start>`` and ``GET /api/logbook/<start>``
(the ``api.read`` permission, like ``/api/states``), and ``logbook.log`` writes a line of one's own.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names
from xiaoqu.core.validation import ensure_list, entity_id, positive_int, slug, string, vol

from .recording import KIND_LOGBOOK, KIND_STATE, Exclusions, start_recording
from .services import LOGBOOK_DOMAIN, SERVICES
from .views import history_period, logbook

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

DOMAIN = "history"

CONFIG_SCHEMA = vol.All(lambda value: {} if value is None else value, vol.Schema({
    vol.Optional("keep_days", default=10): positive_int,
    vol.Optional("exclude", default=dict): vol.All(lambda value: {} if value is None else value, vol.Schema({
        vol.Optional("domains", default=list): vol.All(ensure_list, [slug]),
        vol.Optional("entities", default=list): vol.All(ensure_list, [entity_id]),
        vol.Optional("entity_globs", default=list): vol.All(ensure_list, [string]),
    })),
}))


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(LOGBOOK_DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any] | None) -> None:
    settings = CONFIG_SCHEMA(None) if config is None else config
    keep = timedelta(days=settings["keep_days"])
    for kind in (KIND_STATE, KIND_LOGBOOK):
        hub.recorder.set_retention(kind, keep)
    start_recording(hub, Exclusions(settings["exclude"]))
    register_services(hub, LOGBOOK_DOMAIN, SERVICES)


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    for path in ("/api/history/period", "/api/history/period/{start}"):
        app.router.add_get(path, history_period)
    for path in ("/api/logbook", "/api/logbook/{start}"):
        app.router.add_get(path, logbook)
