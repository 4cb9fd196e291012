"""Who is calling a billing service: a resident is held to their own household; staff approve by name.

A resident (a user of a scoped role) reads the arrears and bills of the household their person
lives in *now*, as residents says (:mod:`~xiaoqu.integrations.residents.callers`); naming another
household, or living nowhere, is refused as unauthorized. An approval (a waiver, an extension, a
vacancy discount, a correction, a refund) names its approver: the ``approver`` the call gives,
else the calling user, else the call's source.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core.errors import Unauthorized
from xiaoqu.integrations.residents.callers import THE_HUB, NoHousehold, caller_of, user_of

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


def check_household(hub: Hub, context: Context, household: str) -> None:
    """Refuse a resident asking about a household that is not theirs."""
    try:
        caller = caller_of(hub, context, refusal="they read no household's bills")
    except NoHousehold as err:
        raise Unauthorized(str(err)) from err
    if caller.household is not None and caller.household != household:
        raise Unauthorized(f"a resident reads their own household's bills only ({caller.household})")


def approver(hub: Hub, context: Context, named: str | None) -> str:
    if named:
        return named
    user = user_of(hub, context)
    return user.name if user is not None else context.source or THE_HUB
