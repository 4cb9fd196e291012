"""``GET /api/openapi.json``: an OpenAPI 3.1 document of every ``/api/`` route the hub serves now.

It is built at request time from the running hub, so it cannot drift from the code: every
``/api/`` route in the aiohttp router is in it (plugins' routes too), its security comes from the same
marks the authentication middleware reads (:func:`~core.http.helpers.public`,
:func:`~core.http.helpers.requires`), and ``POST /api/services/<domain>/<service>`` becomes
one path per registered service with the service's own voluptuous schema as its body
(converted by ``voluptuous-openapi``). A route says what the router cannot know — its query
parameters, its body, other paths it stands for — with :func:`documented`.

It takes ``api.read``: the document names every service, which a resident is not shown by
``GET /api/services`` either.
"""
from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

import voluptuous_openapi
from aiohttp import hdrs, web

from xiaoqu.core.auth import API_READ
from xiaoqu.core.const import __version__
from xiaoqu.core.http.helpers import hub_of, is_public, json_bytes, json_response, permission_of, requires

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

OPENAPI_VERSION: Final = "3.1.0"
DOC_ATTR: Final = "xiaoqu_openapi"
BEARER: Final = "bearer"
#: The REST API; pages elsewhere (the dashboard's, behind its session cookie) are not part of it.
API_PREFIX: Final = "/api/"
#: An aiohttp pattern's variable, with or without its regular expression: ``{name}``, ``{name:.+}``.
_VARIABLE: Final = re.compile(r"\{(\w+)(?::[^{}]*)?\}")
#: What the router's ``*`` method means when a route does not list its methods.
_ANY_METHODS: Final = ("GET", "POST", "PUT", "DELETE")
ANY_BODY: Final[dict[str, Any]] = {"type": "object", "additionalProperties": True}
_MESSAGE: Final[dict[str, Any]] = {
    "description": "An error: {\"message\": ...} says what was wrong.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
}

Paths = dict[str, dict[str, Any]]
_H = TypeVar("_H")


@dataclass(frozen=True, slots=True)
class RouteDoc:
    """What a route tells the document beyond what the router knows."""

    body: Any = None
    query: Mapping[str, str] = field(default_factory=dict)
    methods: tuple[str, ...] = ()
    text: bool = False
    expand: Callable[[Hub, dict[str, Any]], Paths] | None = None


def documented(
    *,
    body: Any = None,
    query: Mapping[str, str] | None = None,
    methods: Iterable[str] = (),
    text: bool = False,
    expand: Callable[[Hub, dict[str, Any]], Paths] | None = None,
) -> Callable[[_H], _H]:
    """Describe a route handler: ``body`` (a voluptuous schema, or ``dict`` for any object),
    ``query`` (name → what it means), the ``methods`` a ``*`` route takes, ``text`` for a
    text/plain answer, and ``expand`` for a route that stands for many paths (it gets
    the hub and the route's operation, and returns the paths)."""
    doc = RouteDoc(body, dict(query or {}), tuple(methods), text, expand)

    def mark(handler: _H) -> _H:
        setattr(handler, DOC_ATTR, doc)
        return handler

    return mark


def json_schema(schema: Any, what: str) -> dict[str, Any]:
    """``schema`` (voluptuous) as a JSON schema; one that cannot be converted is any object, saying so.

    A plugin's schema may use validators the converter does not know; the document must still
    be served, so the failure is logged and the body described as permissive.
    """
    if schema is dict:
        return dict(ANY_BODY)
    try:
        converted = voluptuous_openapi.convert(schema, openapi_version=voluptuous_openapi.OpenApiVersion.V3_1)
        # defaults and enums may hold values JSON cannot (a timedelta): written cleaned, as answers are
        result: dict[str, Any] = json.loads(json_bytes(converted, what))
    except Exception as err:  # any validator a plugin wrote
        _LOGGER.debug("%s: its schema cannot be described in OpenAPI (%s)", what, err)
        return {**ANY_BODY, "description": f"{what} checks its body with a validator OpenAPI cannot describe."}
    return result or dict(ANY_BODY)


def service_paths(hub: Hub, operation: dict[str, Any]) -> Paths:
    """``POST /api/services/<domain>/<service>`` for each registered service, its body from its schema."""
    paths: Paths = {}
    for domain, services in hub.services.describe().items():
        for name, about in services.items():
            service = hub.services.lookup(domain, name)
            body = dict(ANY_BODY) if service.schema is None else json_schema(service.schema, f"{domain}.{name}")
            paths[f"/api/services/{domain}/{name}"] = {
                "post": {
                    **operation,
                    "operationId": f"call_{domain}_{name}",
                    "summary": about["description"] or f"Call {domain}.{name}.",
                    "description": f"Responds with data: {about['response']} (ask with ?return_response).",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "parameters": [_query("return_response", "Answer the service's response too.")],
                }
            }
    return paths


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": {"type": "string"}}


def _operation(path: str, method: str, handler: Any) -> dict[str, Any]:
    doc: RouteDoc = getattr(handler, DOC_ATTR, None) or RouteDoc()
    summary = (inspect.getdoc(handler) or "").split("\n\n")[0].replace("\n", " ")
    permission = permission_of(handler)
    responses: dict[str, Any] = {
        "200": {"description": "Done.", "content": {"text/plain" if doc.text else "application/json": {"schema": {}}}},
        "400": _MESSAGE,
        "404": _MESSAGE,
    }
    name = re.sub(r"\W+", "_", path).strip("_") or "root"
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}_{name}",
        "summary": summary or f"{method} {path}",
        "responses": responses,
    }
    if is_public(handler):
        operation["security"] = [{}, {BEARER: []}]
    else:
        responses["401"] = {**_MESSAGE, "description": "No bearer token, or not a valid one."}
        responses["403"] = {**_MESSAGE, "description": "The user's role may not do this."}
    if permission is not None:
        operation["description"] = f"Needs the permission {permission}."
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _VARIABLE.findall(path)]
    parameters += [_query(name, description) for name, description in doc.query.items()]
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        schema = json_schema(doc.body, f"{method} {path}")
        operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    return operation


def build(hub: Hub, app: web.Application) -> dict[str, Any]:
    """The document for ``app`` as it serves now."""
    paths: Paths = {}
    for route in app.router.routes():
        resource = route.resource
        if resource is None or not resource.canonical.startswith(API_PREFIX):
            continue
        path = _VARIABLE.sub(r"{\1}", resource.canonical)
        doc: RouteDoc = getattr(route.handler, DOC_ATTR, None) or RouteDoc()
        methods = (doc.methods or _ANY_METHODS) if route.method == hdrs.METH_ANY else (route.method,)
        for method in methods:
            operation = _operation(path, method, route.handler)
            if doc.expand is not None:
                paths.update(doc.expand(hub, operation))
            else:
                paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": f"xiaoqu {hub.config.name}", "version": __version__,
                 "description": "The hub's REST API as it runs now; docs/api.md explains each route."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {BEARER: {"type": "http", "scheme": "bearer"}},
            "schemas": {"Message": {"type": "object", "properties": {"message": {"type": "string"}}}},
        },
        "security": [{BEARER: []}],
    }


@requires(API_READ)
async def get_openapi(request: web.Request) -> web.Response:
    """This API as an OpenAPI 3.1 document, built from the running hub."""
    return json_response(build(hub_of(request), request.app))
