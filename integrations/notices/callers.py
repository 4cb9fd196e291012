"""Who is sending or signing a notice: a resident signs for their own household only; staff send
and sign for any, with a reason. Each is named by their user name, never a person's name: the
name goes into events and signatures. The lookup itself is residents'
(:mod:`~xiaoqu.integrations.residents.callers`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.integrations.residents.callers import Caller
from xiaoqu.integrations.residents.callers import caller_of as community_caller

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub


def caller_of(hub: Hub, context: Context | None) -> Caller:
    """The caller of a notices service (None: the hub itself), named by user name."""
    return community_caller(hub, context, refusal="they sign for no notice")
