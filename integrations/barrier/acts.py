"""A gate moved by a person: who, and why, in the audit log and the logbook; and an arm raised
by hand at the gate, which the hub only sees happen.

A call whose context carries a user is a person's (a guard at the dashboard, a manager over
the API); automations, parking and the hub's own auto-close run without one. A person must
say why they raise or lower an arm — the refusal says so in one sentence — and their act is
written to the audit log (``barrier_open``, ``barrier_close``, ``barrier_stop`` with the
gate and the reason, as given) and to the logbook (the reason masked: the logbook is shown
more widely than the audit log, and a guard's reason may name a plate or a phone).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.history.services import EVENT_LOGBOOK_ENTRY
from xiaoqu.core.masking import masked

from .const import AUDIT_CLOSE, AUDIT_OPEN, AUDIT_STOP, DOMAIN, EVENT_BARRIER_RAISED_LOCALLY, NOBODY, Command

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

    from .const import BarrierState

_LOGGER = logging.getLogger(__name__)

_AUDIT = {Command.OPEN: AUDIT_OPEN, Command.CLOSE: AUDIT_CLOSE, Command.STOP: AUDIT_STOP}
_DONE = {Command.OPEN: "raised", Command.CLOSE: "lowered", Command.STOP: "stopped"}


def by_person(context: Context | None) -> bool:
    return context is not None and context.user_id is not None


def who(hub: Hub, context: Context | None) -> str:
    """Who asked, as the state and the logbook name them: the user's name, else the context's
    source (``automation``, ``parking``...), else ``hub``."""
    if context is None:
        return NOBODY
    if context.user_id is not None:
        user = get_auth(hub).manager.user(context.user_id)
        return user.name if user is not None else context.user_id
    return context.source or NOBODY


def require_reason(entity_id: str, command: Command, context: Context | None, reason: str | None) -> None:
    """Refuse a person's open or close without a reason (stop is never refused: it may be an
    emergency, and it is audited all the same)."""
    if command is not Command.STOP and by_person(context) and not (reason and reason.strip()):
        raise ServiceValidationError(
            f"{DOMAIN}.{command.value}: say why {entity_id} is {_DONE[command]} by hand (reason: ...); "
            "a person's act on a gate is recorded with who and why")


def record(hub: Hub, entity_id: str, name: str | None, command: Command, context: Context,
           reason: str | None) -> None:
    """Write a person's act to the audit log and the logbook."""
    get_auth(hub).record(_AUDIT[command], context, entity_id=entity_id, reason=reason)
    message = f"{_DONE[command]} by {who(hub, context)}" + (f": {masked(reason)}" if reason else "")
    hub.bus.fire(EVENT_LOGBOOK_ENTRY, {"name": name or entity_id, "message": message, "entity_id": entity_id,
                                       "domain": DOMAIN}, context=context)


def record_local_raise(hub: Hub, entity_id: str, name: str | None, state: BarrierState | None) -> None:
    """The arm rose with no command from the hub (``local_raise.py``): the event and a logbook line."""
    _LOGGER.info("%s: raised at the gate, with no command from the hub", entity_id)
    hub.bus.fire(EVENT_BARRIER_RAISED_LOCALLY, {"entity_id": entity_id, "name": name, "state": state})
    hub.bus.fire(EVENT_LOGBOOK_ENTRY, {"name": name or entity_id, "message": "raised at the gate, with no command "
                                       "from the hub", "entity_id": entity_id, "domain": DOMAIN})
