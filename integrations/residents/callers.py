"""Who is calling a service, as the community knows them: a resident held to their household, or staff.

A service call's context names a hub user. A user of a scoped role (a resident) answers for the
household their person lives in *now*, as residents says, never one the request names; a resident
whose person was unlinked or erased, or who lives nowhere, answers for nobody. Any other user is
staff and acts on any household. A call with no user (an automation, another integration, the hub
itself) acts as staff, named by its source. A household's app over MQTT is the household itself:
the topic it published on is the proof (the broker gives the household's account that prefix alone).

Residents owns persons, households and the user↔person link, so this one lookup lives here; each
integration passes its own words for the refusal and says whether records name people by their
person's name (what a host knows them by) or by their user name (kept out of personal data).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError

from .runtime import get_residents

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.hub import Hub

#: How a caller acts: a resident of the household (API or portal), the household's app over MQTT, staff.
BY_RESIDENT: Final = "resident"
BY_HOUSEHOLD_APP: Final = "mqtt"
BY_STAFF: Final = "staff"

#: Who a call with neither a user nor a source is.
THE_HUB: Final = "the hub"


@dataclass(frozen=True, slots=True)
class Caller:
    """``name`` as records show who acted; ``how`` one of resident, mqtt, staff; ``household`` the
    only household a resident or an app may act for (None for staff)."""

    name: str
    how: str
    context: Context
    household: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.how == BY_STAFF


class NoHousehold(HubError):
    """A resident whose person was unlinked or erased, or who lives nowhere: they answer for nobody."""


def user_of(hub: Hub, context: Context) -> User | None:
    """The hub user a call's context names; None for no user or one since removed (auth absent too)."""
    if context.user_id is None:
        return None
    try:
        return get_auth(hub).manager.user(context.user_id)
    except HubError:
        return None


def caller_of(hub: Hub, context: Context | None, *, refusal: str = "they answer for nobody",
              residents_by_person: bool = False, staff_by_person: bool = False) -> Caller:
    """The caller of a service: a resident with their household, or staff.

    ``refusal`` ends the :class:`NoHousehold` message for a resident who lives nowhere (e.g.
    "they answer for no visit"). A resident is named by their person's name when
    ``residents_by_person``, staff (linked to a person who is not erased) when ``staff_by_person``;
    otherwise both by their user name.
    """
    context = context or Context(source=THE_HUB)
    user = user_of(hub, context)
    if user is None:
        return Caller(context.source or THE_HUB, BY_STAFF, context)
    person = get_residents(hub).person_for_user(user.name)
    if user.role in SCOPED_ROLES:
        if person is None or person.erased or person.household is None:
            raise NoHousehold(f"user {user.name} is linked to no household; {refusal}")
        named = person.name or user.name if residents_by_person else user.name
        return Caller(named, BY_RESIDENT, context, person.household)
    if staff_by_person and person is not None and person.name and not person.erased:
        return Caller(person.name, BY_STAFF, context)
    return Caller(user.name, BY_STAFF, context)


def household_app(household: str) -> Caller:
    """A household's app acting over MQTT on its own prefix."""
    return Caller(f"household {household} (app)", BY_HOUSEHOLD_APP, Context(source="mqtt"), household)


def audit(hub: Hub, act: str, caller: Caller, **details: Any) -> None:
    """Write ``act`` to the audit log as ``caller``'s (the app's acts as the hub's, with its topic's household)."""
    try:
        auth = get_auth(hub)
    except HubError:
        return  # no auth on this hub: nobody to audit for
    auth.record(act, caller.context, who=caller.name, how=caller.how, **details)
