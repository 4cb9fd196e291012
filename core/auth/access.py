"""The hub's side of auth: who may do what, checked on every service call a user makes.

:class:`Access` is what the ``auth`` plugin puts in ``hub.data[DATA_ACCESS]``. It installs
:meth:`Access.check_service` as ``hub.services.permission_check``, so every call whose
context names a user — from the API, or from an automation a user started — is checked
against the user's role, however it reached the service registry. It audits those calls,
with the caller's address and token when they came in through the API (see
:meth:`Access.note_origin`). For a user whose role is scoped (a resident) it also answers
which entities they may reach (:meth:`Access.scope_of`, installed as
``hub.services.entity_scope``), from what the plugins grant.
"""
from __future__ import annotations

import inspect
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from xiaoqu.core.auth import audit
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.auth.const import DATA_ACCESS
from xiaoqu.core.auth.manager import AuthManager, User
from xiaoqu.core.auth.permissions import SCOPED_ROLES, merge_grants
from xiaoqu.core.auth.scope import Grant, UserScope
from xiaoqu.core.const import EVENT_CALL_SERVICE, EVENT_HUB_START
from xiaoqu.core.errors import HubError, Unauthorized
from xiaoqu.core.hooks import hook_calls
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.util import await_me_maybe

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from xiaoqu.core.bus import Context, Event
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)
#: How many entity ids the audit record of a refused call keeps.
MAX_AUDITED: Final = 100


class Origin(NamedTuple):
    """Where a request's acts came from: the caller's address and the token's id."""

    ip: str | None
    token_id: str | None


class Access:
    """Users and tokens (``manager``), role permissions and the permission check."""

    def __init__(
        self,
        hub: Hub,
        manager: AuthManager,
        *,
        site_grants: Mapping[str, Iterable[str]] | None = None,
        login_lifetime: timedelta = timedelta(days=1),
    ) -> None:
        self._hub = hub
        self.manager = manager
        self.login_lifetime = login_lifetime
        self._site_grants = dict(site_grants or {})
        self.permissions = merge_grants([], self._site_grants)
        self._origins: dict[str, Origin] = {}
        self._scope_log = RateLimitedLog(_LOGGER, hub.clock.time)

    def note_origin(self, context_id: str, address: str | None, token_id: str | None = None) -> None:
        """While a request is served, audit what its context causes with the caller's address
        and the id of the token the request carried."""
        if address is not None or token_id is not None:
            self._origins[context_id] = Origin(address, token_id)

    def forget_origin(self, context_id: str) -> None:
        self._origins.pop(context_id, None)

    def _actor(self, context: Context, user: User | None) -> Actor:
        origin = self._origins.get(context.id)
        if origin is None and context.parent_id is not None:
            origin = self._origins.get(context.parent_id)
        ip, token_id = origin if origin is not None else (None, None)
        return Actor(context.source or "hub", user.name if user else None, context.user_id, ip, token_id)

    def record(self, act: str, context: Context | None = None, **details: Any) -> None:
        """Audit a plugin's sensitive act (a card refunded, footage viewed) for ``context``'s user.

        The address is filled in when the act happens while an API request is served.
        """
        if context is None:
            self.manager.audit.record(act, Actor("hub"), **details)
            return
        self.manager.audit.record(act, self._actor(context, self.manager.user(context.user_id)), **details)

    def install(self) -> None:
        """Check and audit every user's service calls; re-read plugins' grants at hub start.

        Grants are read once now (for calls made while plugins set up) and again when the
        hub starts, by which time a plugin that failed to set up no longer grants anything.
        """
        self._hub.services.permission_check = self.check_service
        self._hub.services.permission_query = self.may_call
        self._hub.services.entity_scope = self.entity_scope
        self._hub.bus.listen(EVENT_CALL_SERVICE, self._audit_call)
        self._hub.bus.listen(EVENT_HUB_START, self._reload_on_start)

    async def load_permissions(self) -> None:
        results: list[tuple[str, Any]] = []
        for call in hook_calls(self._hub.pm, "xiaoqu_role_permissions"):
            try:
                results.append((call.plugin, await await_me_maybe(call())))
            except Exception:
                _LOGGER.exception("%s: xiaoqu_role_permissions failed; it grants nothing", call.plugin)
        self.permissions = merge_grants(results, self._site_grants)

    async def _reload_on_start(self, _event: Event) -> None:
        await self.load_permissions()

    def allows(self, user: User, permission: str) -> bool:
        return self.permissions.allows(user.role, permission)

    def may_call(self, context: Context, domain: str, service: str) -> bool:
        """``hub.services.permission_query``: whether ``context``'s user may call the service.

        Asked, not acted on, so nothing is audited: the registry uses it to decide which
        service names an error may suggest to the caller.
        """
        user = self.manager.user(context.user_id)
        return user is not None and self.permissions.allows(user.role, f"{domain}.{service}")

    def scope_of(self, user: User, context: Context) -> UserScope | None:
        """The entities ``user`` may reach, when their role is scoped; None for every entity.
        ``context`` is the request's or the call's, whose origin a refusal is audited with.

        The plugins' ``xiaoqu_entity_scope`` are asked each time: what a resident may reach
        follows their household as it is now. A plugin whose hook fails, or answers something
        that is not a predicate, grants nothing (logged).
        """
        if user.role not in SCOPED_ROLES:
            return None
        grants: list[tuple[str, Grant]] = []
        for call in hook_calls(self._hub.pm, "xiaoqu_entity_scope", {"hub": self._hub, "user": user}):
            try:
                grant = call()
            except Exception:
                self._scope_log.exception(("entity_scope", call.plugin), "%s: xiaoqu_entity_scope failed; it grants "
                                          "nothing", call.plugin)
                continue
            if grant is None:
                continue
            if inspect.iscoroutine(grant):  # an async hook: a scope must be answered at once
                grant.close()
            if not callable(grant):
                self._scope_log.warning(("entity_scope", call.plugin), "%s: xiaoqu_entity_scope returned %s, not a "
                                        "predicate on entity ids; it grants nothing", call.plugin, type(grant).__name__)
                continue
            grants.append((call.plugin, grant))

        def refused(service: str, entity_ids: Sequence[str]) -> None:
            self.manager.audit.record(audit.SERVICE_DENIED, self._actor(context, user), service=service,
                                      entity_ids=list(entity_ids[:MAX_AUDITED]))

        return UserScope(user, grants, self._scope_log, refused)

    def entity_scope(self, context: Context) -> UserScope | None:
        """``hub.services.entity_scope``: the scope of ``context``'s user (see :meth:`scope_of`)."""
        user = self.manager.user(context.user_id)
        if user is None:  # the permission check refused the call already
            return None
        return self.scope_of(user, context)

    def check_service(self, context: Context, domain: str, service: str) -> None:
        """``hub.services.permission_check``: raise :class:`Unauthorized` naming role and service."""
        user = self.manager.user(context.user_id)
        name = f"{domain}.{service}"
        if user is None:
            raise Unauthorized(f"{name} was called for user id {context.user_id}, which no longer exists")
        if self.permissions.allows(user.role, name):
            return
        self.manager.audit.record(audit.SERVICE_DENIED, self._actor(context, user), service=name)
        raise Unauthorized(f"user {user.name} (role {user.role}) may not call {name}")

    def _audit_call(self, event: Event) -> None:
        context = event.context
        if context.user_id is None:
            return
        self.manager.audit.record(
            audit.SERVICE_CALL,
            self._actor(context, self.manager.user(context.user_id)),
            service=f"{event.data['domain']}.{event.data['service']}",
            data=event.data.get("service_data"),
        )


def get_access(hub: Hub) -> Access:
    """The hub's :class:`Access`; raises if the auth plugin is not set up."""
    access = hub.data.get(DATA_ACCESS)
    if access is None:
        raise HubError("auth is not set up on this hub (see the log for why), so nobody can be let in")
    return access
