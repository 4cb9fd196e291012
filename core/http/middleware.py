"""The checks every request passes, outermost first.

1. ``cors``: answers browsers' preflight requests from the allowed origins (only installed
   when ``cors_allowed_origins`` is set).
2. ``json_errors``: every error leaves as ``{"message": ...}``; an unexpected exception is
   logged and answered 500 without details — unless the client went away mid-request,
   which is logged once a minute per address, without a traceback.
3. ``real_ip``: behind a trusted reverse proxy the client's address comes from
   X-Forwarded-For; from anyone else that header is refused (400), so an address that is
   banned or audited is the real one.
4. ``banned``: 403 for an address banned after repeated failed authentications.
5. ``authenticate``: the bearer token; 401 without a valid one, unless the route is public.
6. ``body_limit``: how much the request may send (small without a token), checked against
   its ``Content-Length`` before any of the body is read.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Final

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from xiaoqu.core.auth import SOURCE_API, Access, Actor
from xiaoqu.core.auth.audit import AUTH_FAILED
from xiaoqu.core.http.ban import LoginAttempts
from xiaoqu.core.http.helpers import (
    CONTEXT_KEY,
    JSON_TYPE,
    TOKEN_KEY,
    USER_KEY,
    hub_of,
    is_public,
    json_error,
    json_message,
    problem_log,
    public_max_body,
    refuse_body,
    route_name,
    too_large,
    user_of,
)

_LOGGER = logging.getLogger(__name__)

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PREFLIGHT_MAX_AGE: Final = "600"
ALLOWED_HEADERS: Final = "Authorization, Content-Type"
ALLOWED_METHODS: Final = "GET, HEAD, POST, PUT, DELETE"
CHALLENGE: Final[dict[str, str]] = {hdrs.WWW_AUTHENTICATE: "Bearer"}


def build_middlewares(
    access: Access,
    attempts: LoginAttempts,
    *,
    cors_origins: frozenset[str],
    use_x_forwarded_for: bool,
    trusted_proxies: Sequence[IpNetwork],
) -> list[Middleware]:
    middlewares: list[Middleware] = [cors_preflight(cors_origins)] if cors_origins else []
    middlewares += [
        json_errors,
        real_ip(use_x_forwarded_for, tuple(trusted_proxies)),
        banned(attempts),
        authenticate(access, attempts),
        body_limit,
    ]
    return middlewares


def cors_preflight(origins: frozenset[str]) -> Middleware:
    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        if (
            request.method == hdrs.METH_OPTIONS
            and origin in origins
            and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        ):
            return web.Response(
                status=HTTPStatus.NO_CONTENT,
                headers={
                    hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin,
                    hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOWED_METHODS,
                    hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOWED_HEADERS,
                    hdrs.ACCESS_CONTROL_MAX_AGE: PREFLIGHT_MAX_AGE,
                    hdrs.VARY: hdrs.ORIGIN,
                },
            )
        return await handler(request)

    return cors


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k not in (hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH)}
        if exc.content_type == JSON_TYPE and exc.text:
            return web.Response(text=exc.text, status=exc.status, content_type=JSON_TYPE, headers=headers)
        # aiohttp's own errors (no route, wrong method, body too large) carry plain text.
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return json_message(message, exc.status, headers)
    except asyncio.CancelledError:
        raise
    except Exception as err:
        if isinstance(err, ConnectionError) and request.transport is None:  # the client went away mid-body
            _client_gone(request, err)
            return json_message("The request ended before it was complete.", HTTPStatus.BAD_REQUEST)
        _LOGGER.exception("Error handling %s %s", request.method, route_name(request))
        return json_message("Internal error; the hub's log has the details.", HTTPStatus.INTERNAL_SERVER_ERROR)


def _client_gone(request: web.Request, err: Exception) -> None:
    """Say once a minute per address that its requests end half-sent: nobody is left to answer,
    there is no fault of the hub's to debug, and a client can do it as often as it likes."""
    problem_log(hub_of(request)).warning(
        ("client_gone", request.remote), "%s %s from %s ended before it was complete: the client went away (%s)",
        request.method, route_name(request), request.remote, err,
    )


def real_ip(use_x_forwarded_for: bool, trusted: tuple[IpNetwork, ...]) -> Middleware:
    @web.middleware
    async def resolve(request: web.Request, handler: Handler) -> web.StreamResponse:
        forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        if not forwarded or request.remote is None:
            return await handler(request)
        peer = ipaddress.ip_address(request.remote)
        if not use_x_forwarded_for or not any(peer in net for net in trusted):
            _LOGGER.error(
                "Refused a request from %s with X-Forwarded-For: if it is your reverse proxy, set "
                "http: use_x_forwarded_for: true and list it in http: trusted_proxies", peer,
            )
            raise json_error(HTTPStatus.BAD_REQUEST, "X-Forwarded-For is only accepted from a trusted proxy.")
        if len(forwarded) > 1:
            raise json_error(HTTPStatus.BAD_REQUEST, "Only one X-Forwarded-For header is accepted.")
        try:
            chain = [ipaddress.ip_address(part.strip()) for part in forwarded[0].split(",")]
        except ValueError:
            raise json_error(HTTPStatus.BAD_REQUEST, "X-Forwarded-For holds something that is not an address.") from None
        # The client is the last address no trusted proxy added; anything left of it is hearsay.
        client = next((addr for addr in reversed(chain) if not any(addr in net for net in trusted)), chain[0])
        return await handler(request.clone(remote=str(client)))

    return resolve


def banned(attempts: LoginAttempts) -> Middleware:
    @web.middleware
    async def refuse_banned(request: web.Request, handler: Handler) -> web.StreamResponse:
        if attempts.is_banned(request.remote):
            raise json_error(HTTPStatus.FORBIDDEN, "This address is banned after repeated failed authentications.")
        return await handler(request)

    return refuse_banned


def authenticate(access: Access, attempts: LoginAttempts) -> Middleware:
    manager = access.manager

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        open_route = is_public(request.match_info.handler)
        header = request.headers.get(hdrs.AUTHORIZATION)
        if header is None:
            if not open_route:
                raise json_error(
                    HTTPStatus.UNAUTHORIZED,
                    "Missing bearer token: send the header Authorization: Bearer <token>.",
                    CHALLENGE,
                )
            return await handler(request)
        scheme, _, secret = header.partition(" ")
        found = manager.validate_token(secret.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            reason = "invalid or expired bearer token" if scheme.lower() == "bearer" else "not a bearer token"
            manager.audit.record(AUTH_FAILED, Actor(SOURCE_API, None, None, request.remote),
                                 route=route_name(request), reason=reason)
            await attempts.failed(request.remote, reason)
            if not open_route:
                raise json_error(HTTPStatus.UNAUTHORIZED, "Invalid bearer token.", CHALLENGE)
            return await handler(request)
        request[USER_KEY], request[TOKEN_KEY] = found
        attempts.succeeded(request.remote)
        try:
            return await handler(request)
        finally:
            if (context := request.get(CONTEXT_KEY)) is not None:
                access.forget_origin(context.id)

    return check_token


@web.middleware
async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bound what a request may send before a byte of its body is read.

    A caller without a token (on a public route) may send the route's ``max_body`` (4 KiB by
    default), everyone else ``MAX_BODY``; the limit is the request's ``client_max_size``, so
    ``read_json_object`` and aiohttp's own readers stop there. A declared ``Content-Length``
    over it is refused at once, and a refusal to a caller without a token counts toward a
    ban (see ``refuse_body``).
    """
    if user_of(request) is None:  # authenticate let it through: the route is public
        # A clone forgets the address real_ip resolved unless given it again. Its state is a
        # copy: keys a handler sets on it are not seen here (no caller's context is noted for
        # a request without a user, so nothing needs forgetting).
        max_body = public_max_body(request.match_info.handler)
        assert max_body is not None  # authenticate lets a request without a user through only to a public route
        # aiohttp annotates clone()'s remote as str; it takes None (the peer's address then), as its __init__ does
        request = request.clone(client_max_size=max_body, remote=request.remote)  # type: ignore[arg-type]
    length = request.content_length
    if length is not None and length > request.client_max_size:
        raise await refuse_body(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, too_large(request))
    return await handler(request)


def response_headers(origins: frozenset[str]) -> object:
    """``on_response_prepare``: security headers on everything, CORS headers for allowed origins.

    A signal rather than a middleware, so responses a handler streams itself get them too.
    """

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers[hdrs.SERVER] = "xiaoqu"  # not aiohttp's "Python/3.x aiohttp/3.x": no versions for scanners
        headers.setdefault(hdrs.X_CONTENT_TYPE_OPTIONS, "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and origin in origins:
            headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            headers[hdrs.VARY] = hdrs.ORIGIN

    return add_headers
