"""What a route needs: the hub, the user, a context for what it does, JSON in and out.

Every route requires a bearer token unless it is marked :func:`public`. Inside a handler,
:func:`user_of` is the user the token belongs to (None on a public route called without one)
and :func:`context_of` is the :class:`~core.bus.Context` to pass to every service call and
event the request causes, so permission checks and the audit log see who asked. A route
that shows entities is marked :func:`reads_entities` and filters what it shows by
:func:`scope_of` (a resident sees only their own entities).
"""
from __future__ import annotations

import enum
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
from time import monotonic
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from aiohttp import web

from xiaoqu.core.auth import API_READ, SOURCE_API, Access, Token, User
from xiaoqu.core.auth.scope import UserScope
from xiaoqu.core.bus import Context
from xiaoqu.core.http.ban import LoginAttempts
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.payload import PayloadError, jsonable, loads
from xiaoqu.core.ratelimit import RateLimitedLog

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

HUB_KEY: Final = web.AppKey["Hub"]("xiaoqu_hub")  # a forward reference: the hub imports this module
ACCESS_KEY: Final = web.AppKey("xiaoqu_access", Access)
USER_KEY: Final = web.RequestKey[User | None]("xiaoqu_user")
TOKEN_KEY: Final = web.RequestKey[Token | None]("xiaoqu_token")
CONTEXT_KEY: Final = web.RequestKey("xiaoqu_context", Context)
SCOPE_KEY: Final = web.RequestKey[UserScope | None]("xiaoqu_scope")

ATTEMPTS_KEY: Final = web.AppKey("xiaoqu_attempts", LoginAttempts)
#: Webhooks log there before the server exists, so it is kept in ``hub.data``, not on the server.
_PROBLEM_LOG: Final = HubKey[RateLimitedLog]("http.problem_log")

PUBLIC_ATTR: Final = "xiaoqu_public"
PERMISSION_ATTR: Final = "xiaoqu_permission"
#: The most a request may send: Home Assistant's limit, room for a camera's snapshot.
MAX_BODY: Final = 16 * 1024 * 1024
#: The most a public route takes from a caller without a token, unless it says otherwise.
PUBLIC_MAX_BODY: Final = 4 * 1024
#: Bodies larger than this are parsed in the executor: parsing megabytes on the loop would hold
#: up every other request meanwhile.
PARSE_IN_EXECUTOR: Final = 64 * 1024
SOURCE_WEBHOOK: Final = "webhook"
JSON_TYPE: Final = "application/json"

_H = TypeVar("_H")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@overload
def public(handler: _H, /) -> _H: ...


@overload
def public(*, max_body: int) -> Callable[[_H], _H]: ...


def public(handler: Any = None, /, *, max_body: int = PUBLIC_MAX_BODY) -> Any:
    """Mark a route handler (function or ``web.View`` class) as needing no token.

    Called without a token, the route takes bodies of at most ``max_body`` bytes (4 KiB unless
    it says otherwise, as ``@public(max_body=...)``): anyone may send them, so they must cost
    little to refuse. A public handler still sees the user when a valid token is sent
    (``user_of``), and then takes bodies as large as any route.
    """

    def mark(handler: _H) -> _H:
        setattr(handler, PUBLIC_ATTR, max_body)
        return handler

    return mark if handler is None else mark(handler)


def public_max_body(handler: object) -> int | None:
    """The most a public route takes without a token; None if the route is not public."""
    max_body = getattr(handler, PUBLIC_ATTR, None)
    return max_body if type(max_body) is int else None


def is_public(handler: object) -> bool:
    return public_max_body(handler) is not None


def route_name(request: web.Request) -> str:
    """The route's pattern (``/api/webhook/{webhook_id}``), never the path: paths hold secrets."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"


def hub_of(request: web.Request) -> Hub:
    return request.app[HUB_KEY]


def problem_log(hub: Hub) -> RateLimitedLog:
    """The log of problems outsiders can cause again and again (an unknown webhook, an aborted
    upload): each said once a minute per key, on the hub's clock."""
    log = hub.data.get(_PROBLEM_LOG)
    if log is None:
        log = hub.data[_PROBLEM_LOG] = RateLimitedLog(_LOGGER, hub.clock.time)
    return log


def user_of(request: web.Request) -> User | None:
    return request.get(USER_KEY)


def token_of(request: web.Request) -> Token | None:
    return request.get(TOKEN_KEY)


def context_of(request: web.Request) -> Context:
    """The context of everything this request causes: its user, source ``api`` (or ``webhook``)."""
    context = request.get(CONTEXT_KEY)
    if context is None:
        user = user_of(request)
        context = Context(user_id=user.id if user else None, source=SOURCE_API if user else SOURCE_WEBHOOK)
        request[CONTEXT_KEY] = context
        if user is not None:  # the audit log names the caller's address and token (forgotten when the request ends)
            token = token_of(request)
            request.app[ACCESS_KEY].note_origin(context.id, request.remote, token.id if token else None)
    return context


def ensure_allowed(request: web.Request, permission: str) -> User:
    """The request's user if their role has ``permission``; else raise 401/403 with a reason."""
    user = user_of(request)
    if user is None:
        raise json_error(HTTPStatus.UNAUTHORIZED, "This needs a bearer token.")
    if not request.app[ACCESS_KEY].allows(user, permission):
        raise json_error(HTTPStatus.FORBIDDEN, f"user {user.name} (role {user.role}) may not {permission}")
    return user


def reads_entities(handler: Handler) -> Handler:
    """Decorate a handler that reads entities (states, their history): staff need ``api.read``;
    a user whose role is scoped (a resident) gets in without it and is shown only the
    entities in their scope (:func:`scope_of`)."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        if user is None:
            raise json_error(HTTPStatus.UNAUTHORIZED, "This needs a bearer token.")
        scope = request.app[ACCESS_KEY].scope_of(user, context_of(request))
        if scope is None:
            ensure_allowed(request, API_READ)
        request[SCOPE_KEY] = scope
        return await handler(request)

    return checked


def permission_of(handler: object) -> str | None:
    """The permission a handler marked :func:`requires` needs (what the API's document says)."""
    permission = getattr(handler, PERMISSION_ATTR, None)
    return permission if isinstance(permission, str) else None


def scope_of(request: web.Request) -> UserScope | None:
    """The entities the request's user may see, in a handler marked :func:`reads_entities`
    (or any other, asked afresh); None when they may see every entity."""
    if SCOPE_KEY in request:
        return request[SCOPE_KEY]
    user = user_of(request)
    return request.app[ACCESS_KEY].scope_of(user, context_of(request)) if user is not None else None


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Decorate a handler so only roles with ``permission`` reach it (403 for the others)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            ensure_allowed(request, permission)
            return await handler(request)

        setattr(checked, PERMISSION_ATTR, permission)
        return checked

    return decorate


# --- JSON ------------------------------------------------------------------------------------


def _default(value: Any) -> Any:
    """What ``json.dumps`` cannot write by itself: attributes hold datetimes, sets, enums."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)


json_dumps: Final = functools.partial(json.dumps, ensure_ascii=False, default=_default, allow_nan=False)
#: Once a minute per thing that could not be written as it was (an entity id, say).
_UNWRITABLE_LOG: Final = RateLimitedLog(_LOGGER, monotonic)


def json_bytes(data: Any, what: str = "an answer") -> bytes:
    """``data`` as UTF-8 JSON, whatever it holds.

    Data from inside the hub is trusted but not always writable: one lone surrogate or NaN
    a plugin put in an attribute would make ``GET /api/states`` fail for everyone. What
    ``json_dumps`` cannot write is written cleaned (:func:`core.payload.jsonable`), and the
    problem logged once a minute per ``what``.
    """
    try:
        return json_dumps(data).encode()
    except Exception as err:  # ValueError (NaN, a surrogate's UnicodeEncodeError), TypeError, a failing __str__
        _UNWRITABLE_LOG.warning(what, "%s cannot be written as JSON as it is (%s); it is sent cleaned", what, err)
        return json_dumps(jsonable(data, default=_default)).encode()


def json_response(data: Any, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None) -> web.Response:
    return json_body(json_bytes(data), status, headers)


def json_body(body: bytes, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None) -> web.Response:
    """A response with JSON already written (see :func:`json_bytes`)."""
    return web.Response(body=body, status=status, content_type=JSON_TYPE, charset="utf-8", headers=headers)


def json_message(message: str, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None) -> web.Response:
    """``{"message": ...}``: the shape of every error (and of simple answers), as Home Assistant."""
    return json_response({"message": message}, status, headers)


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.HTTPException:
    """An exception to ``raise`` from anywhere in a handler; the client gets ``{"message": ...}``."""
    text = json_bytes({"message": message}).decode()
    return _ERROR_CLASSES[status](text=text, content_type=JSON_TYPE, headers=headers)


_ERROR_CLASSES: Final[Mapping[int, Callable[..., web.HTTPException]]] = {
    **{
        error.status_code: error
        for error in (
            web.HTTPBadRequest,
            web.HTTPUnauthorized,
            web.HTTPForbidden,
            web.HTTPNotFound,
            web.HTTPConflict,
            web.HTTPInternalServerError,
            web.HTTPServiceUnavailable,
        )
    },
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: functools.partial(web.HTTPRequestEntityTooLarge, 0),  # sizes are in the text
}


async def refuse_body(request: web.Request, status: int, message: str) -> web.HTTPException:
    """The error to raise for a body refused (too large, not JSON).

    From a caller without a token it also counts toward a ban of the address, as a wrong
    password does: public routes take small, well-formed bodies, and a client that keeps
    sending others is flooding or probing them.
    """
    if user_of(request) is None:  # the reason is logged: it names the route, not what the client sent
        reason = f"body refused with {status} on {request.method} {route_name(request)}"
        await request.app[ATTEMPTS_KEY].failed(request.remote, reason)
    return json_error(status, message)


def too_large(request: web.Request) -> str:
    """What a client is told when its body is over the limit: the limit and the route."""
    suffix = "" if user_of(request) is not None else " without a token"
    return (f"The body is over {request.client_max_size} bytes, the most {request.method} "
            f"{route_name(request)} takes{suffix}.")


async def read_body(request: web.Request) -> bytes:
    """The body, read up to the request's limit (``client_max_size``) and no further: past it, 413.

    Unlike ``request.read()``, nothing past the limit is read before the body is refused.
    """
    limit = request.client_max_size
    body = bytearray()
    while len(body) <= limit and (chunk := await request.content.read(limit + 1 - len(body))):
        body += chunk
    if len(body) > limit:
        raise await refuse_body(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, too_large(request))
    return bytes(body)


async def parse_json(request: web.Request, body: bytes) -> Any:
    """``core.payload.loads(body)``, a large body in the executor so the loop keeps serving."""
    if len(body) > PARSE_IN_EXECUTOR:
        return await hub_of(request).run_in_executor(loads, body)
    return loads(body)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``; anything else is a 400 saying why.

    Read through :func:`read_body` (at most the route's limit) and :func:`core.payload.loads`:
    nesting is bounded, lone surrogates are replaced, NaN is refused, and the message says
    what is wrong and where. A refused body from a caller without a token counts toward a
    ban (see :func:`refuse_body`).
    """
    body = await read_body(request)
    if not body.strip():
        return {}
    try:
        data = await parse_json(request, body)
    except PayloadError as err:
        raise await refuse_body(request, HTTPStatus.BAD_REQUEST, f"The body is not accepted: {err}.") from None
    if not isinstance(data, dict):
        raise await refuse_body(request, HTTPStatus.BAD_REQUEST, "Data should be a JSON object.")
    return data
