"""Who is acting on a visit: a resident answers for their own household's visits only; staff (guards,
managers) act on any visit and, answering for the host, give their reason.

Records and events name both by their person's name — the name the host and the guard know them
by — falling back to the user name; the lookup itself is residents' (:mod:`~xiaoqu.integrations.residents.callers`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.integrations.residents.callers import Caller
from xiaoqu.integrations.residents.callers import caller_of as community_caller

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


def caller_of(hub: Hub, context: Context) -> Caller:
    """The caller of a visitors service: a resident with their household, or staff, by person name."""
    return community_caller(hub, context, refusal="they answer for no visit",
                            residents_by_person=True, staff_by_person=True)
