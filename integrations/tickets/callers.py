"""Who is acting on a ticket, and the audit of what they did.

A service call's context names a hub user: a resident (role ``resident``) acts for the household
their person lives in *now*, as residents says, never one the request names; staff act on any
ticket. The household's app over MQTT is the household itself: the topic it published on is the
proof (the broker gives the household's account that prefix alone). A call with no user (an
automation, the hub itself) acts as staff, named by its source.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.residents import get_residents

from .const import BY_HOUSEHOLD_APP, BY_RESIDENT, BY_STAFF

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@dataclass(frozen=True, slots=True)
class Caller:
    """``name`` as the history shows who acted; ``how`` staff, resident or mqtt; ``household``
    the only household a resident or an app may act for (None for staff)."""

    name: str
    how: str
    context: Context
    household: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.how == BY_STAFF


class NoHousehold(HubError):
    """A resident whose person lives nowhere (unlinked, erased): they act for no ticket."""


def caller_of(hub: Hub, context: Context) -> Caller:
    user = None
    if context.user_id is not None:
        try:
            user = get_auth(hub).manager.user(context.user_id)
        except HubError:
            user = None
    if user is None:
        return Caller(context.source or "the hub", BY_STAFF, context)
    person = get_residents(hub).person_for_user(user.name)
    if user.role in SCOPED_ROLES:
        if person is None or person.erased or person.household is None:
            raise NoHousehold(f"user {user.name} is linked to no household; they have no tickets")
        return Caller(person.name or user.name, BY_RESIDENT, context, person.household)
    return Caller(user.name, BY_STAFF, context)


def household_app(household: str) -> Caller:
    """A household's app on its own MQTT prefix."""
    return Caller(f"household {household} (app)", BY_HOUSEHOLD_APP, Context(source="mqtt"), household)


def audit(hub: Hub, act: str, caller: Caller, **details: Any) -> None:
    try:
        auth = get_auth(hub)
    except HubError:
        return  # no auth on this hub: nobody to audit for
    auth.record(act, caller.context, who=caller.name, how=caller.how, **details)
