"""Who is acting on a ticket: a resident acts for their own household's tickets only; staff act on any.

A ticket's history names a resident by their person's name (the one the desk knows) and staff by
their user name (the account that made the step); the lookup itself is residents'
(:mod:`~xiaoqu.integrations.residents.callers`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.integrations.residents.callers import Caller
from xiaoqu.integrations.residents.callers import caller_of as community_caller

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


def caller_of(hub: Hub, context: Context) -> Caller:
    """The caller of a tickets service: a resident (by person name) with their household, or staff."""
    return community_caller(hub, context, refusal="they have no tickets", residents_by_person=True)
