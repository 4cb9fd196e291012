"""Who is sending or signing: a resident (for their own household only — the one their person
lives in now, as residents says, never the one a request names), the household's app over MQTT
(for the household whose prefix it published on: the broker gives that prefix to the household's
account alone), or staff; each by their user name (never a person's name: it goes into events
and records). A call with no user (an automation, billing, the hub) acts as staff."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.residents import get_residents

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

BY_RESIDENT = "resident"
BY_STAFF = "staff"
BY_HOUSEHOLD_APP = "mqtt"


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    how: str
    context: Context
    household: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.how == BY_STAFF


class NoHousehold(HubError):
    """A resident whose person lives nowhere (unlinked, erased): they sign for nobody."""


def caller_of(hub: Hub, context: Context | None) -> Caller:
    context = context or Context(source="the hub")
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
            raise NoHousehold(f"user {user.name} is linked to no household; they sign for no notice")
        return Caller(user.name, BY_RESIDENT, context, person.household)
    return Caller(user.name, BY_STAFF, context)


def household_app(household: str) -> Caller:
    """A household's app signing over MQTT on its own prefix."""
    return Caller(f"household {household} (app)", BY_HOUSEHOLD_APP, Context(source="mqtt"), household)


def audit(hub: Hub, act: str, caller: Caller, **details: Any) -> None:
    try:
        auth = get_auth(hub)
    except HubError:
        return  # no auth on this hub: nobody to audit for
    auth.record(act, caller.context, who=caller.name, how=caller.how, **details)
