"""``GET /api/openapi.json``: every route the hub serves is in it, and it is a valid OpenAPI 3.1 document."""
from __future__ import annotations

import re

from aiohttp import web
from openapi_spec_validator import validate

from xiaoqu.core.http.openapi import ANY_BODY, build
from xiaoqu.core.validation import vol

SERVICES_ROUTE = "/api/services/{domain}/{service}"


def _routes(app) -> set[tuple[str, str]]:
    """(method, path) of each ``/api/`` route in the router, the ``*`` route with the methods it documents."""
    found = set()
    for route in app.router.routes():
        if not route.resource.canonical.startswith("/api/"):
            continue
        path = re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", route.resource.canonical)
        methods = ["GET", "HEAD", "POST", "PUT"] if route.method == "*" else [route.method]
        found |= {(method.lower(), path) for method in methods}
    return found


async def test_every_route_is_in_the_spec_and_nothing_else(api) -> None:
    api.hub.services.register("barrier", "open", lambda call: None, vol.Schema({vol.Required("lane"): str}))
    api.hub.services.register("odd", "thing", lambda call: None, vol.Schema({vol.Required("x"): object()}))
    status, spec = await api.request("GET", "/api/openapi.json")
    assert status == 200, spec
    validate(spec)
    documented = {(method, path) for path, item in spec["paths"].items() for method in item}
    services = {("post", f"/api/services/{domain}/{name}")
                for domain, names in api.hub.services.describe().items() for name in names}
    assert services <= documented
    assert documented - services == _routes(api.hub.data["http"].app) - {("post", SERVICES_ROUTE)}
    body = spec["paths"]["/api/services/barrier/open"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"type": "object", "properties": {"lane": {"type": "string"}}, "required": ["lane"]}
    odd = spec["paths"]["/api/services/odd/thing"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert odd == {**ANY_BODY, "description": "odd.thing checks its body with a validator OpenAPI cannot describe."}


async def test_security_follows_the_routes_own_marks(api) -> None:
    _status, spec = await api.request("GET", "/api/openapi.json")
    paths = spec["paths"]
    assert paths["/api/health"]["get"]["security"] == [{}, {"bearer": []}]
    assert paths["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "username", "password"]
    assert "security" not in paths["/api/states"]["get"]  # the document's default: a bearer token
    assert paths["/api/audit"]["get"]["description"] == "Needs the permission api.read_audit."


async def test_the_spec_needs_api_read(api) -> None:
    assert (await api.request("GET", "/api/openapi.json", role=None))[0] == 401
    assert (await api.request("GET", "/api/openapi.json", role="resident"))[0] == 403
    assert (await api.request("GET", "/api/openapi.json", role="guard"))[0] == 200


async def test_pages_outside_the_api_are_left_out(api) -> None:
    async def page(request: web.Request) -> web.Response:
        """A page behind the dashboard's session cookie, not the REST API."""
        return web.Response()

    app = web.Application()
    app.router.add_get("/dashboard/overview", page)
    app.router.add_get("/api/parking/free", page)
    assert list(build(api.hub, app)["paths"]) == ["/api/parking/free"]
