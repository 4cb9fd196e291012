"""The REST API, in the shape of Home Assistant's (``homeassistant/components/api``).

Paths, bodies and answers follow Home Assistant's so its clients and habits carry over;
docs/api.md lists every endpoint with an example. Reading takes ``api.read`` (every staff
role), changing what the API alone can change takes its own permission, and service calls
are checked per service by the auth plugin's permission check. A resident (a scoped role)
reads states, history and logbook without ``api.read``, but only of the entities in their
scope (``xiaoqu_entity_scope``), and acts only on those.
"""
from __future__ import annotations

import dataclasses
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.auth import (
    API_FIRE_EVENT,
    API_READ,
    API_READ_AUDIT,
    API_SET_STATE,
    API_TEMPLATE,
    API_UPDATE_ENTITY,
    SOURCE_API,
    Actor,
    audit,
)
from xiaoqu.core.auth.manager import LOGIN
from xiaoqu.core.bus import MAX_EVENT_TYPE_LENGTH, ORIGIN_REMOTE
from xiaoqu.core.const import (
    EVENT_CALL_SERVICE,
    EVENT_DEVICE_REGISTRY_UPDATED,
    EVENT_ENTITY_REGISTRY_UPDATED,
    EVENT_HUB_START,
    EVENT_HUB_STARTED,
    EVENT_HUB_STOP,
    EVENT_PLUGIN_LOADED,
    EVENT_SERVICE_REGISTERED,
    EVENT_STATE_CHANGED,
    __version__,
)
from xiaoqu.core.errors import HubError, InvalidEntityId, InvalidState, ServiceNotFound, ServiceValidationError, Unauthorized
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.core.http.helpers import (
    ACCESS_KEY,
    context_of,
    hub_of,
    json_body,
    json_bytes,
    json_message,
    json_response,
    public,
    read_json_object,
    reads_entities,
    requires,
    scope_of,
    token_of,
    user_of,
)
from xiaoqu.core.http.openapi import documented, get_openapi, service_paths
from xiaoqu.core.hub import HubState
from xiaoqu.core.registry import DISABLED_BY_USER
from xiaoqu.core.states import State, valid_entity_id
from xiaoqu.core.template import Template, TemplateError
from xiaoqu.core.template.limits import DEFAULT_LIMITS
from xiaoqu.core.validation import humanize_error, name, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event

_LOGGER = logging.getLogger(__name__)

#: Events only the core fires: a client firing them would fake what the hub did.
CORE_EVENTS: Final = frozenset(
    {
        EVENT_STATE_CHANGED,
        EVENT_CALL_SERVICE,
        EVENT_SERVICE_REGISTERED,
        EVENT_HUB_START,
        EVENT_HUB_STARTED,
        EVENT_HUB_STOP,
        EVENT_PLUGIN_LOADED,
        EVENT_ENTITY_REGISTRY_UPDATED,
        EVENT_DEVICE_REGISTRY_UPDATED,
    }
)
MAX_AUDIT_ROWS: Final = 1_000


class StatesJson:
    """Each state's JSON, written once and reused until the state changes.

    A :class:`~core.states.State` never changes (a change makes a new one), so the bytes made
    for one object stay true for it. Dashboards poll ``/api/states``; with thousands of
    entities this turns most of each answer into a join instead of a serialisation. Each
    state is written on its own, so one that cannot be written as it is (a lone surrogate
    a plugin put in an attribute) is sent cleaned and cannot break the list.
    """

    def __init__(self) -> None:
        self._bodies: dict[str, tuple[State, bytes]] = {}

    def one(self, state: State) -> bytes:
        cached = self._bodies.get(state.entity_id)
        if cached is not None and cached[0] is state:
            return cached[1]
        body = json_bytes(state.as_dict(), state.entity_id)
        self._bodies[state.entity_id] = (state, body)
        return body

    def many(self, states: list[State]) -> bytes:
        """Every state there is (``hub.states.all()``): bodies of entities no longer there are forgotten."""
        body = self.some(states)
        if len(self._bodies) > len(states):  # entities were removed: forget their bodies
            live = {state.entity_id for state in states}
            self._bodies = {entity_id: cached for entity_id, cached in self._bodies.items() if entity_id in live}
        return body

    def some(self, states: list[State]) -> bytes:
        """Some of the states (a resident's): nothing is forgotten."""
        return b"[" + b",".join(self.one(state) for state in states) + b"]"


STATES_JSON_KEY: Final = web.AppKey("xiaoqu_states_json", StatesJson)


def add_routes(app: web.Application) -> None:
    app[STATES_JSON_KEY] = StatesJson()
    router = app.router
    router.add_get("/api/", api_running)
    router.add_get("/api/health", health)
    router.add_get("/api/config", get_config)
    router.add_get("/api/states", get_states)
    router.add_get("/api/states/{entity_id}", get_state)
    router.add_post("/api/states/{entity_id}", set_state)
    router.add_get("/api/services", get_services)
    router.add_post("/api/services/{domain}/{service}", call_service)
    router.add_get("/api/events", get_events)
    router.add_post("/api/events/{event_type}", fire_event)
    router.add_get("/api/devices", get_devices)
    router.add_get("/api/entities", get_entities)
    router.add_post("/api/entities/{entity_id}", update_entity)
    router.add_get("/api/audit", get_audit)
    router.add_post("/api/template", render_template)
    router.add_post("/api/auth/login", login)
    router.add_post("/api/auth/logout", logout)
    router.add_get("/api/openapi.json", get_openapi)


def _actor(request: web.Request) -> Actor:
    token = token_of(request)
    return Actor.for_user(user_of(request), SOURCE_API, request.remote, token.id if token else None)


def _audit(request: web.Request, act: str, **details: Any) -> None:
    request.app[ACCESS_KEY].manager.audit.record(act, _actor(request), **details)


@reads_entities
async def api_running(request: web.Request) -> web.Response:
    return json_message("API running.")


@public
async def health(request: web.Request) -> web.Response:
    """Public: whether the hub runs. Details (version, plugins) only with a token."""
    hub = hub_of(request)
    server = hub.data[DATA_SERVER]
    problems = hub.plugins.problems
    running = hub.state is HubState.RUNNING
    status = "ok" if running and not problems else "degraded" if running else str(hub.state)
    code = HTTPStatus.OK if running else HTTPStatus.SERVICE_UNAVAILABLE
    user = user_of(request)
    if user is None or not request.app[ACCESS_KEY].allows(user, API_READ):
        return json_response({"status": status}, code)
    return json_response(
        {
            "status": status,
            "version": __version__,
            "site": hub.config.site,
            "uptime": round(hub.clock.time() - server.started_at, 3),
            "plugins": {
                "running": list(hub.plugins.running),
                "failed": [{"domain": p.domain, "stage": p.stage, "message": p.message} for p in problems],
            },
        },
        code,
    )


@requires(API_READ)
async def get_config(request: web.Request) -> web.Response:
    hub = hub_of(request)
    config = hub.config
    return json_response(
        {
            "location_name": config.name,
            "site": config.site,
            "time_zone": config.time_zone,
            "language": config.language,
            "country": config.country,
            "currency": "CNY",
            "version": __version__,
            "components": sorted(hub.plugins.running),
            "state": str(hub.state),
        }
    )


@reads_entities
async def get_states(request: web.Request) -> web.Response:
    states = hub_of(request).states.all()
    scope = scope_of(request)
    if scope is None:
        return json_body(request.app[STATES_JSON_KEY].many(states))
    return json_body(request.app[STATES_JSON_KEY].some([state for state in states if scope.allows(state.entity_id)]))


@reads_entities
async def get_state(request: web.Request) -> web.Response:
    """One entity's state; outside a resident's scope, "not found" as for an entity that is not there."""
    entity_id = request.match_info["entity_id"]
    scope = scope_of(request)
    state = hub_of(request).states.get(entity_id) if scope is None or scope.allows(entity_id) else None
    if state is None:
        return json_message("Entity not found.", HTTPStatus.NOT_FOUND)
    return json_body(request.app[STATES_JSON_KEY].one(state))


STATE_BODY: Final = vol.Schema(
    {vol.Required("state"): str, vol.Optional("attributes"): dict, vol.Optional("force_update"): bool}
)


@documented(body=STATE_BODY)
@requires(API_SET_STATE)
async def set_state(request: web.Request) -> web.Response:
    """Set a state as a client sees it (not the device): Home Assistant's admin-only POST."""
    hub = hub_of(request)
    entity_id = request.match_info["entity_id"]
    if not valid_entity_id(entity_id):
        return json_message(f"Invalid entity id {entity_id!r}: write domain.object_id in lower case.",
                            HTTPStatus.BAD_REQUEST)
    data = await read_json_object(request)
    if "state" not in data:
        return json_message("No state specified.", HTTPStatus.BAD_REQUEST)
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        return json_message("attributes should be a JSON object.", HTTPStatus.BAD_REQUEST)
    is_new = hub.states.get(entity_id) is None
    try:
        state = hub.states.set(entity_id, data["state"], attributes, force_update=bool(data.get("force_update")),
                               context=context_of(request))
    except (InvalidState, InvalidEntityId) as err:
        return json_message(str(err), HTTPStatus.BAD_REQUEST)
    _audit(request, audit.STATE_SET, entity_id=entity_id, state=state.state)
    status = HTTPStatus.CREATED if is_new else HTTPStatus.OK
    return json_response(state.as_dict(), status, {"Location": f"/api/states/{entity_id}"})


@reads_entities
async def get_services(request: web.Request) -> web.Response:
    """Every service; to a resident, those their role may call."""
    described = hub_of(request).services.describe()
    if scope_of(request) is not None:
        user, access = user_of(request), request.app[ACCESS_KEY]
        assert user is not None  # reads_entities let only a user in
        described = {domain: mine for domain, services in described.items()
                     if (mine := {name: about for name, about in services.items() if access.allows(user, f"{domain}.{name}")})}
    return json_response([{"domain": domain, "services": services} for domain, services in described.items()])


@documented(body=dict, expand=service_paths)
async def call_service(request: web.Request) -> web.Response:
    """Call a service for the token's user: the permission check decides per service.

    Answers the states that changed while the service ran (as Home Assistant; to a resident,
    only those in their scope), and with ``?return_response`` also the service's response.
    """
    hub = hub_of(request)
    domain, service = request.match_info["domain"], request.match_info["service"]
    name = f"{domain}.{service}"
    data = await read_json_object(request)
    return_response = "return_response" in request.query
    changed: dict[str, State | None] = {}

    def collect(event: Event) -> None:
        changed[event.data["entity_id"]] = event.data.get("new_state")

    unsubscribe = hub.bus.listen(EVENT_STATE_CHANGED, collect)
    try:
        response = await hub.services.call(
            domain, service, data, context=context_of(request), blocking=True, return_response=return_response
        )
    except ServiceNotFound as err:
        return json_message(str(err), HTTPStatus.NOT_FOUND)
    except Unauthorized as err:  # audited by the permission check, as every user's call is
        return json_message(str(err), HTTPStatus.FORBIDDEN)
    except (ServiceValidationError, HubError) as err:
        return json_message(str(err), HTTPStatus.BAD_REQUEST)
    except Exception:
        _LOGGER.exception("Service %s called through the API failed", name)
        return json_message(f"{name} failed; the hub's log has the details.", HTTPStatus.INTERNAL_SERVER_ERROR)
    finally:
        unsubscribe()
    scope = scope_of(request)
    states = [state.as_dict() for state in changed.values()
              if state is not None and (scope is None or scope.allows(state.entity_id))]
    if return_response:
        return json_response({"changed_states": states, "service_response": response})
    return json_response(states)


@requires(API_READ)
async def get_events(request: web.Request) -> web.Response:
    listeners = hub_of(request).bus.listeners()
    return json_response([{"event": event, "listener_count": count} for event, count in sorted(listeners.items())])


@documented(body=dict)
@requires(API_FIRE_EVENT)
async def fire_event(request: web.Request) -> web.Response:
    hub = hub_of(request)
    event_type = request.match_info["event_type"]
    if event_type in CORE_EVENTS:
        return json_message(f"{event_type} is fired by the hub itself, not through the API.", HTTPStatus.BAD_REQUEST)
    if len(event_type) > MAX_EVENT_TYPE_LENGTH:
        return json_message(f"An event type has at most {MAX_EVENT_TYPE_LENGTH} characters.", HTTPStatus.BAD_REQUEST)
    data = await read_json_object(request)
    hub.bus.fire(event_type, data, origin=ORIGIN_REMOTE, context=context_of(request))
    _audit(request, audit.EVENT_FIRED, event_type=event_type)
    return json_message(f"Event {event_type} fired.")


@requires(API_READ)
async def get_devices(request: web.Request) -> web.Response:
    return json_response([dataclasses.asdict(device) for device in hub_of(request).devices.all()])


@requires(API_READ)
async def get_entities(request: web.Request) -> web.Response:
    return json_response(
        [{**dataclasses.asdict(entry), "disabled": entry.disabled} for entry in hub_of(request).entity_registry.all()]
    )


ENTITY_UPDATE_SCHEMA: Final = vol.Schema(
    {
        vol.Optional("new_entity_id"): string,
        vol.Optional("name"): name,
        vol.Optional("disabled"): bool,
    }
)


@documented(body=ENTITY_UPDATE_SCHEMA)
@requires(API_UPDATE_ENTITY)
async def update_entity(request: web.Request) -> web.Response:
    """Rename an entity (its id or its name) or disable it; the change survives restarts."""
    hub = hub_of(request)
    entity_id = request.match_info["entity_id"]
    if hub.entity_registry.get(entity_id) is None:
        return json_message(f"{entity_id} is not in the entity registry (only entities with a unique id are).",
                            HTTPStatus.NOT_FOUND)
    data = await read_json_object(request)
    try:
        changes = ENTITY_UPDATE_SCHEMA(data)
    except vol.Invalid as err:
        return json_message(humanize_error(data, err), HTTPStatus.BAD_REQUEST)
    kwargs: dict[str, Any] = {"new_entity_id": changes.get("new_entity_id"), "name": changes.get("name")}
    if "disabled" in changes:
        kwargs["disabled_by"] = DISABLED_BY_USER if changes["disabled"] else None
    try:
        entry = await hub.entity_registry.update(entity_id, **kwargs)
    except HubError as err:
        return json_message(str(err), HTTPStatus.BAD_REQUEST)
    _audit(request, audit.ENTITY_UPDATED, entity_id=entity_id, changes=changes)
    return json_response({**dataclasses.asdict(entry), "disabled": entry.disabled})


@documented(query={"user": "a user's name", "act": "one kind of act", "since": "epoch seconds",
                   "limit": f"at most this many records (1 to {MAX_AUDIT_ROWS})"})
@requires(API_READ_AUDIT)
async def get_audit(request: web.Request) -> web.Response:
    """The audit log, newest first: ``?user=NAME&act=ACT&since=EPOCH&limit=N``."""
    manager = request.app[ACCESS_KEY].manager
    query = request.query
    subject = None
    if "user" in query:
        user = manager.user_by_name(query["user"])
        if user is None:
            return json_message(f"No user {query['user']!r}.", HTTPStatus.NOT_FOUND)
        subject = user.id
    try:
        limit = min(int(query.get("limit", 100)), MAX_AUDIT_ROWS)
        since = float(query["since"]) if "since" in query else None
        if limit < 1:
            raise ValueError
    except ValueError:
        return json_message(f"limit is a whole number from 1 to {MAX_AUDIT_ROWS}; since is epoch seconds.",
                            HTTPStatus.BAD_REQUEST)
    try:
        records = await manager.audit.read(subject=subject, act=query.get("act"), since=since, limit=limit)
    except ValueError as err:  # the recorder names what it refuses (since=nan, say)
        return json_message(str(err), HTTPStatus.BAD_REQUEST)
    _audit(request, audit.AUDIT_READ, filters=dict(query))
    return json_response([{"time": record.time, "user_id": record.subject, **record.data} for record in records])


TEMPLATE_SCHEMA: Final = vol.Schema({vol.Required("template"): string, vol.Optional("variables", default=dict): dict})
#: A template rendered for the API may take a tenth of what an automation's may: it runs on
#: the event loop at a caller's request.
API_TEMPLATE_LIMITS: Final = dataclasses.replace(DEFAULT_LIMITS, render_seconds=0.1, max_size=64 * 1024)


@documented(body=TEMPLATE_SCHEMA, text=True)
@requires(API_TEMPLATE)
async def render_template(request: web.Request) -> web.Response:
    """Home Assistant's ``POST /api/template``: the rendered text, or a 400 saying why not."""
    data = await read_json_object(request)
    try:
        body = TEMPLATE_SCHEMA(data)
    except vol.Invalid as err:
        return json_message(humanize_error(data, err), HTTPStatus.BAD_REQUEST)
    try:
        text = Template(body["template"], hub_of(request)).render(body["variables"], limits=API_TEMPLATE_LIMITS)
    except TemplateError as err:
        return json_message(f"Error rendering template: {err}", HTTPStatus.BAD_REQUEST)
    return web.Response(text=text, content_type="text/plain")


LOGIN_SCHEMA: Final = vol.Schema({vol.Required("username"): str, vol.Required("password"): str})


@documented(body=LOGIN_SCHEMA)
@public
async def login(request: web.Request) -> web.Response:
    """Exchange a user name and password for a token that expires (``auth: login_token_lifetime``)."""
    hub = hub_of(request)
    access = request.app[ACCESS_KEY]
    server = hub.data[DATA_SERVER]
    data = await read_json_object(request)
    try:
        credentials = LOGIN_SCHEMA(data)
    except vol.Invalid:
        return json_message("Send {\"username\": ..., \"password\": ...}.", HTTPStatus.BAD_REQUEST)
    with server.attempts.login(request.remote) as allowed:
        if not allowed:
            return json_message("Too many logins in progress from this address.", HTTPStatus.TOO_MANY_REQUESTS)
        user = await access.manager.check_password(
            credentials["username"], credentials["password"], proceed=lambda: not server.attempts.is_banned(request.remote)
        )
    if user is None and server.attempts.is_banned(request.remote):
        return json_message("Forbidden.", HTTPStatus.FORBIDDEN)
    if user is None:
        username = credentials["username"][:64]
        access.manager.audit.record(audit.LOGIN_FAILED, Actor(SOURCE_API, None, None, request.remote),
                                    username=username)
        await server.attempts.failed(request.remote, f"wrong password for {username!r}")
        return json_message("Invalid username or password.", HTTPStatus.UNAUTHORIZED)
    server.attempts.succeeded(request.remote)
    lifetime = access.login_lifetime.total_seconds()
    token, secret = await access.manager.create_token(
        user.name, Actor.for_user(user, SOURCE_API, request.remote), name=f"login from {request.remote}",
        days=lifetime / 86_400, kind=LOGIN,
    )
    access.manager.audit.record(audit.LOGIN, Actor.for_user(user, SOURCE_API, request.remote), token_id=token.id)
    return json_response({"access_token": secret, "token_type": "Bearer", "expires_in": int(lifetime)})


async def logout(request: web.Request) -> web.Response:
    """Revoke the token this request was made with."""
    token = token_of(request)
    assert token is not None  # not a public route: the token was checked on the way in
    await request.app[ACCESS_KEY].manager.revoke_token(token.id, _actor(request))
    return json_message("Token revoked.")

