"""The HTTP API — a core plugin, always set up. docs/api.md lists the endpoints.

What plugins use:

- ``xiaoqu_http_routes(hub, app)``: add routes to ``app``. Every route needs a bearer token
  unless its handler is marked :func:`public` (called without a token, it then takes bodies
  of at most 4 KiB unless it says ``@public(max_body=...)``); :func:`requires` limits one to
  the roles with a permission; :func:`user_of` / :func:`context_of` say who is asking (pass
  the context to every service call and event the request causes). A route that shows
  entities is marked :func:`reads_entities` and shows a resident only :func:`scope_of`'s;
  :func:`documented` gives ``GET /api/openapi.json`` its query parameters and body.
- :func:`register_webhook`: ``/api/webhook/<id>`` handlers for devices that cannot hold a token.
- :func:`json_response`, :func:`json_message`, :func:`json_error`, :func:`read_json_object`:
  JSON in and out, errors as ``{"message": ...}``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.auth import get_access
from xiaoqu.core.const import EVENT_HUB_START
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.core.http.helpers import (
    context_of,
    ensure_allowed,
    hub_of,
    json_error,
    json_message,
    json_response,
    public,
    read_json_object,
    reads_entities,
    requires,
    scope_of,
    user_of,
)
from xiaoqu.core.http.openapi import documented
from xiaoqu.core.http.schema import CONFIG_SCHEMA
from xiaoqu.core.http.server import HttpServer
from xiaoqu.core.http.webhook import (
    generate_webhook_id,
    register_webhook,
    unregister_webhook,
    webhook_payload,
)

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

__all__ = [
    "HttpServer",
    "context_of",
    "documented",
    "ensure_allowed",
    "generate_webhook_id",
    "hub_of",
    "json_error",
    "json_message",
    "json_response",
    "public",
    "read_json_object",
    "reads_entities",
    "register_webhook",
    "requires",
    "scope_of",
    "unregister_webhook",
    "user_of",
    "webhook_payload",
]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    server = HttpServer(hub, config, get_access(hub))
    await server.load_ssl()
    hub.data[DATA_SERVER] = server

    async def start(_event: Event) -> None:
        await server.start()

    hub.bus.listen_once(EVENT_HUB_START, start)


@hookimpl
def xiaoqu_automation_triggers(hub: Hub) -> dict[str, Any]:
    from xiaoqu.core.http.trigger import WebhookTrigger

    return {"webhook": WebhookTrigger(hub)}


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    server = hub.data.get(DATA_SERVER)
    if server is not None:
        await server.stop()
