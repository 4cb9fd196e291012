"""Who is calling a billing service: a resident is held to their own household; staff approve by name.

A resident (a user of a scoped role) reads the arrears and bills of the household their person
lives in *now*, as residents says; naming another household is refused. An approval (a
waiver, an extension, a vacancy discount, a correction, a refund) names its approver: the
``approver`` the call gives, else the calling user, else the call's source.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.errors import HubError, Unauthorized
from xiaoqu.integrations.residents import get_residents

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


def _user(hub: Hub, context: Context) -> User | None:
    if context.user_id is None:
        return None
    try:
        return get_auth(hub).manager.user(context.user_id)
    except HubError:
        return None


def check_household(hub: Hub, context: Context, household: str) -> None:
    """Refuse a resident asking about a household that is not theirs."""
    user = _user(hub, context)
    if user is None or user.role not in SCOPED_ROLES:
        return
    person = get_residents(hub).person_for_user(user.name)
    if person is None or person.erased or person.household is None:
        raise Unauthorized(f"user {user.name} is linked to no household")
    if person.household != household:
        raise Unauthorized(f"a resident reads their own household's bills only ({person.household})")


def approver(hub: Hub, context: Context, named: str | None) -> str:
    if named:
        return named
    user = _user(hub, context)
    return user.name if user is not None else context.source or "the hub"
