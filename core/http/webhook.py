"""Webhooks: ``/api/webhook/<webhook_id>``, for devices that can only call a URL.

A licence-plate camera posts each read; a payment gateway posts a receipt. Such devices
cannot hold a bearer token, so, as in Home Assistant, the webhook id itself is the secret:
the route is public, and an id must be unguessable — make one with :func:`generate_webhook_id`
(64 hex digits). An unknown id, a disallowed method... is answered as little as possible:
200 for an unknown id or a request from outside the local network to a ``local_only`` hook,
405 for a method the hook does not take. Ids never appear in full in the log.

Any plugin (and the automation engine's ``webhook`` trigger) registers a handler::

    from xiaoqu.core.http import register_webhook

    async def plate(hub, webhook_id, request):
        payload = await webhook_payload(request)
        hub.bus.fire("lpr_plate", payload.get("json") or {}, context=context_of(request))

    unregister = register_webhook(hub, "a3f…", plate, name="North gate camera", local_only=True)

Registration works before or after the HTTP server starts (webhooks live in one registry
behind one route), so a plugin need not depend on ``http``.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.http.helpers import (
    JSON_TYPE,
    MAX_BODY,
    hub_of,
    json_message,
    parse_json,
    problem_log,
    public,
    read_body,
)
from xiaoqu.core.http.openapi import documented
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.payload import PayloadError
from xiaoqu.core.util import await_me_maybe

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

_WEBHOOKS: Final = HubKey["dict[str, Webhook]"]("webhook")
URL_PATTERN: Final = "/api/webhook/{webhook_id}"
DEFAULT_METHODS: Final = frozenset({"POST", "PUT"})
SUPPORTED_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT"})
FORM_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
WEBHOOK_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: Shorter ids can be found by trying; they are accepted (a site may need a device's fixed
#: URL) but logged as a warning.
MIN_SAFE_LENGTH: Final = 32

WebhookHandler = Callable[["Hub", str, web.Request], Awaitable[web.StreamResponse | None]]


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    handler: WebhookHandler
    allowed_methods: frozenset[str]
    local_only: bool
    name: str | None
    domain: str | None


def generate_webhook_id() -> str:
    """A fresh webhook id: 32 random bytes as hex."""
    return secrets.token_hex(32)


def shown(webhook_id: str) -> str:
    """How a webhook id appears in logs and errors: enough to tell which, not enough to call it."""
    return webhook_id[:4] + "…"


def _registry(hub: Hub) -> dict[str, Webhook]:
    return hub.data.setdefault(_WEBHOOKS, {})


def register_webhook(
    hub: Hub,
    webhook_id: str,
    handler: WebhookHandler,
    *,
    allowed_methods: Iterable[str] = DEFAULT_METHODS,
    local_only: bool = False,
    name: str | None = None,
    domain: str | None = None,
) -> Callable[[], None]:
    """Call ``handler(hub, webhook_id, request)`` for requests to ``/api/webhook/<webhook_id>``.

    The handler may return a response or None (then the caller gets 200 with no body).
    ``local_only`` refuses callers outside loopback and private networks. Returns a function
    that unregisters the webhook. Raises ValueError for a malformed or taken id.
    """
    if not isinstance(webhook_id, str) or not WEBHOOK_ID.match(webhook_id):
        raise ValueError("a webhook id is 1-128 letters, digits, '_' or '-' (make one with generate_webhook_id())")
    methods = frozenset(method.upper() for method in allowed_methods)
    if not methods or not methods <= SUPPORTED_METHODS:
        raise ValueError(f"allowed_methods must be some of {', '.join(sorted(SUPPORTED_METHODS))}, not {sorted(methods)}")
    registry = _registry(hub)
    if webhook_id in registry:
        raise ValueError(f"webhook {shown(webhook_id)} is already registered (by {registry[webhook_id].domain})")
    if len(webhook_id) < MIN_SAFE_LENGTH:
        _LOGGER.warning(
            "Webhook %s (%s) has a %d-character id, short enough to be guessed; use generate_webhook_id()",
            shown(webhook_id), name or domain, len(webhook_id),
        )
    webhook = Webhook(webhook_id, handler, methods, local_only, name, domain)
    registry[webhook_id] = webhook

    def unregister() -> None:
        if registry.get(webhook_id) is webhook:
            del registry[webhook_id]

    return unregister


def unregister_webhook(hub: Hub, webhook_id: str) -> None:
    _registry(hub).pop(webhook_id, None)


def webhooks(hub: Hub) -> list[Webhook]:
    return list(_registry(hub).values())


async def webhook_payload(request: web.Request) -> dict[str, Any]:
    """A request as Home Assistant's webhook trigger describes it.

    ``{"json": …}`` for a JSON body (``{}`` when empty), ``{"data": {…}}`` for a form, plus
    ``"query"``; a body that is neither, or is refused (see :func:`read_webhook_body`), is
    left out — a refused one is logged once a minute — and the handler can still read
    ``request`` itself.
    """
    payload: dict[str, Any] = {"query": dict(request.query)}
    try:
        payload.update(await read_webhook_body(request))
    except PayloadError as err:
        problem_log(hub_of(request)).warning(
            ("refused_body", request.remote), "Webhook %s: the body from %s is not accepted: %s",
            shown(request.match_info.get("webhook_id", "")), request.remote, err,
        )
    return payload


async def read_webhook_body(request: web.Request) -> dict[str, Any]:
    """``{"json": …}`` for a JSON body (``{}`` when empty), ``{"data": {…}}`` for a form, else ``{}``.

    JSON is read through :func:`core.payload.loads` (bounded depth, lone surrogates
    replaced); a body it refuses, or a form that is not UTF-8, raises ``PayloadError``.
    """
    content_type = request.content_type
    if content_type == JSON_TYPE or content_type.endswith("+json"):
        body = await read_body(request)
        return {"json": await parse_json(request, body) if body.strip() else {}}
    if content_type in FORM_TYPES:
        try:
            return {"data": dict(await request.post())}
        except UnicodeDecodeError as err:
            raise PayloadError(f"the form is not UTF-8 (byte {err.start})") from None
    return {}


#: What "local" means for ``local_only``: loopback, the private ranges of RFC 1918 and
#: RFC 4193, and link-local — not Python's ``is_private``, which also counts documentation
#: and benchmarking ranges that can be routed to the hub.
LOCAL_NETWORKS: Final = tuple(
    ipaddress.ip_network(net)
    for net in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                "::1/128", "fc00::/7", "fe80::/10")
)


def is_local(address: str | None) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in LOCAL_NETWORKS)


@documented(body=dict, methods=sorted(SUPPORTED_METHODS))
@public(max_body=MAX_BODY)  # the id is the secret: a caller who has it may send a camera's snapshot
async def handle_webhook(request: web.Request) -> web.StreamResponse:
    webhook_id = request.match_info["webhook_id"]
    hub = hub_of(request)
    webhook = _registry(hub).get(webhook_id)
    if webhook is None:
        # Anyone may call this public route: once a minute per kind of problem, not per request.
        problem_log(hub).warning("unknown", "Request from %s for webhook %s, which is not registered",
                                  request.remote, shown(webhook_id))
        return web.Response(status=HTTPStatus.OK)
    if request.method not in webhook.allowed_methods:
        return json_message(f"Method {request.method} is not allowed here.", HTTPStatus.METHOD_NOT_ALLOWED,
                            {"Allow": ", ".join(sorted(webhook.allowed_methods))})
    if webhook.local_only and not is_local(request.remote):
        problem_log(hub).warning("not_local", "Refused %s for local-only webhook %s", request.remote, shown(webhook_id))
        return web.Response(status=HTTPStatus.OK)
    try:
        response = await await_me_maybe(webhook.handler(hub, webhook_id, request))
    except Exception:
        _LOGGER.exception("Webhook %s (%s) failed", shown(webhook_id), webhook.name or webhook.domain)
        return json_message("The webhook's handler failed; the hub's log has the details.",
                            HTTPStatus.INTERNAL_SERVER_ERROR)
    return response if response is not None else web.Response(status=HTTPStatus.OK)
