"""The service registry: ``domain.service`` names mapped to handlers with voluptuous schemas.

Services are how anything acts: an automation unlocks a door, a cashier recharges a card
through the API, a plugin blocks a car. Every call carries a :class:`~core.bus.Context`
saying who asked; calls made on behalf of a user go through the permission check the
auth module installs, and bad data is refused with one sentence naming the field. An unknown
service's error suggests a close name only among the services the caller may call.
"""
from __future__ import annotations

import difflib
import enum
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from xiaoqu.core.bus import Context, is_coroutine_callable
from xiaoqu.core.const import EVENT_CALL_SERVICE, EVENT_SERVICE_REGISTERED
from xiaoqu.core.errors import HubError, ServiceNotFound, ServiceValidationError
from xiaoqu.core.validation import humanize_error, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

ServiceResponse = dict[str, Any] | None
Handler = Callable[["ServiceCall"], ServiceResponse | Awaitable[ServiceResponse]]
PermissionCheck = Callable[[Context, str, str], None]
PermissionQuery = Callable[[Context, str, str], bool]


class EntityScope(Protocol):
    """The entities one user may see and act on, when their role is scoped (a resident).

    The auth plugin makes one per user from the plugins' ``xiaoqu_entity_scope`` grants;
    entity services act only inside it, and the API shows only what it allows.
    """

    def allows(self, entity_id: str) -> bool: ...

    def refuse(self, service: str, entity_ids: Sequence[str]) -> Exception:
        """The error to raise for a call naming entities outside the scope (the refusal is audited)."""
        ...


#: ``context`` → the scope of its user; None when the call may reach every entity.
EntityScopeQuery = Callable[[Context], EntityScope | None]


class SupportsResponse(enum.StrEnum):
    """Whether a service answers with data (e.g. ``billing.get_account``)."""

    NONE = "none"
    OPTIONAL = "optional"
    ONLY = "only"


@dataclass(slots=True, frozen=True)
class ServiceCall:
    """One call of a service, as its handler receives it."""

    hub: Hub
    domain: str
    service: str
    data: Mapping[str, Any]
    context: Context
    return_response: bool = False


@dataclass(slots=True)
class Service:
    handler: Handler
    schema: Callable[[Any], Any] | None
    supports_response: SupportsResponse
    description: str | None
    is_coroutine: bool = field(init=False)

    def __post_init__(self) -> None:
        self.is_coroutine = is_coroutine_callable(self.handler)


class ServiceRegistry:
    """Registers and calls services."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._services: dict[str, dict[str, Service]] = {}
        #: Installed by the auth module; raises :class:`~core.errors.Unauthorized`.
        self.permission_check: PermissionCheck | None = None
        #: Installed by the auth module: may the context's user call it? Asked, not audited.
        self.permission_query: PermissionQuery | None = None
        #: Installed by the auth module: the entities the context's user may act on.
        self.entity_scope: EntityScopeQuery | None = None

    def register(
        self,
        domain: str,
        service: str,
        handler: Handler,
        schema: Callable[[Any], Any] | None = None,
        supports_response: SupportsResponse = SupportsResponse.NONE,
        description: str | None = None,
    ) -> None:
        domain, service = domain.lower(), service.lower()
        self._services.setdefault(domain, {})[service] = Service(handler, schema, supports_response, description)
        self._hub.bus.fire(EVENT_SERVICE_REGISTERED, {"domain": domain, "service": service})

    def remove(self, domain: str, service: str) -> None:
        services = self._services.get(domain.lower(), {})
        services.pop(service.lower(), None)
        if not services:
            self._services.pop(domain.lower(), None)

    def has(self, domain: str, service: str) -> bool:
        return service.lower() in self._services.get(domain.lower(), {})

    def describe(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every service with its description and response support (the API's listing)."""
        return {
            domain: {
                name: {"description": svc.description, "response": str(svc.supports_response)}
                for name, svc in sorted(services.items())
            }
            for domain, services in sorted(self._services.items())
        }

    def scope(self, context: Context) -> EntityScope | None:
        """The entities ``context``'s user may act on; None for every entity (staff, the hub)."""
        if context.user_id is None or self.entity_scope is None:
            return None
        return self.entity_scope(context)

    def lookup(self, domain: str, service: str, context: Context | None = None) -> Service:
        """The service, or :class:`ServiceNotFound` suggesting a close name ``context`` may know."""
        try:
            return self._services[domain.lower()][service.lower()]
        except KeyError:
            raise ServiceNotFound(domain, service, self._suggest(domain, service, context)) from None

    def _suggest(self, domain: str, service: str, context: Context | None) -> str | None:
        """The registered name closest to a misspelt one, among those the caller may call.

        A user is never told the name of a service their role may not call: "did you mean
        billing.refund?" would show a resident what the hub can do. Without a query to ask
        (a permission check installed alone) a user gets no hint at all.
        """
        names = [f"{d}.{s}" for d, services in self._services.items() for s in services]
        if context is not None and context.user_id is not None and self.permission_check is not None:
            may_call = self.permission_query
            names = [name for name in names if may_call is not None and may_call(context, *name.split(".", 1))]
        close = difflib.get_close_matches(f"{domain}.{service}", names, n=1)
        return close[0] if close else None

    async def call(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        context: Context | None = None,
        blocking: bool = True,
        return_response: bool = False,
    ) -> ServiceResponse:
        """Validate ``data`` and run the handler.

        With ``blocking=False`` the handler runs as a tracked task and nothing is returned.
        """
        context = context or Context()
        handler = self.lookup(domain, service, context)
        if context.user_id is not None and self.permission_check is not None:
            self.permission_check(context, domain, service)
        if return_response:
            if not blocking:
                raise HubError(f"{domain}.{service}: a response can only be returned from a blocking call")
            if handler.supports_response is SupportsResponse.NONE:
                raise HubError(f"{domain}.{service} does not return a response")
        elif handler.supports_response is SupportsResponse.ONLY:
            raise HubError(f"{domain}.{service} only returns a response: call it with return_response")
        raw = {} if data is None else data
        if handler.schema is not None:
            try:
                raw = handler.schema(dict(raw))
            except vol.Invalid as err:
                raise ServiceValidationError(f"{domain}.{service}: {humanize_error(raw, err)}") from None
        self._hub.bus.fire(
            EVENT_CALL_SERVICE, {"domain": domain, "service": service, "service_data": raw}, context=context
        )
        call = ServiceCall(self._hub, domain, service, raw, context, return_response)
        if not blocking:
            self._hub.create_task(self._run_logged(handler, call), name=f"service {domain}.{service}")
            return None
        response = await self._run(handler, call)
        if not return_response:
            return None
        if not isinstance(response, dict):
            raise HubError(f"{domain}.{service} returned {type(response).__name__}, not a response mapping")
        return response

    @staticmethod
    async def _run(handler: Service, call: ServiceCall) -> ServiceResponse:
        if handler.is_coroutine:
            return await handler.handler(call)  # type: ignore[misc]
        result = handler.handler(call)
        if isinstance(result, Awaitable):
            return await result
        return result

    async def _run_logged(self, handler: Service, call: ServiceCall) -> None:
        try:
            await self._run(handler, call)
        except Exception:
            _LOGGER.exception("Error running %s.%s", call.domain, call.service)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One row of an integration's service table (its ``services.py``).

    The table is the one place a service is written down: :func:`register_services` registers
    every row when the plugin is set up, and :func:`service_names` answers the plugin's
    ``xiaoqu_services`` hook from the same rows, so the two cannot drift apart.
    """

    name: str
    handler: Handler
    schema: Callable[[Any], Any] | None = None
    description: str | None = None
    supports_response: SupportsResponse = SupportsResponse.NONE


def register_services(hub: Hub, domain: str, table: Iterable[ServiceSpec]) -> None:
    """Register each service of ``table`` under ``domain``."""
    for spec in table:
        hub.services.register(domain, spec.name, spec.handler, spec.schema, spec.supports_response, spec.description)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


def service_names(domain: str, table: Iterable[_Named]) -> list[str]:
    """``domain.name`` of each row of a service table (``ServiceSpec`` or ``EntityService``):
    what the plugin's ``xiaoqu_services`` returns."""
    return [f"{domain}.{row.name}" for row in table]
