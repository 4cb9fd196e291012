"""What staff do at the car park: price a stay, set a lot's count after a walk round, raise a
lane's arm by hand. Each act says who and why, and the last two are audited."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.masking import mask_plate
from xiaoqu.integrations.barrier import get_barriers

from .const import AT_EXIT, AUDIT_GATE, AUDIT_OCCUPANCY, EVENT_OCCUPANCY, IN, LEFT, RULE_RELEASED
from .tariff import Fee, TariffError

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context

    from .models import Lane, Session
    from .parking import Parking

_LOGGER = logging.getLogger(__package__)


def who(parking: Parking, context: Context) -> str:
    """Who acted: the user's name, else the call's source."""
    user = get_auth(parking.hub).manager.user(context.user_id) if context.user_id else None
    return user.name if user is not None else context.source or "the hub"


def fee(parking: Parking, lot_id: str, entered: datetime, exited: datetime) -> Fee:
    """``parking.fee``: the lot's tariff for a stay (naive times are the site's)."""
    lot = parking.lot(lot_id)
    try:
        return lot.fee(*(t if t.tzinfo is not None else t.replace(tzinfo=parking.tz) for t in (entered, exited)))
    except TariffError as err:
        raise ServiceValidationError(str(err)) from None


def set_occupancy(parking: Parking, lot_id: str, occupied: int, temporary: int | None, reason: str,
                  context: Context) -> dict[str, Any]:
    """Staff's count of the cars in a lot, audited with the figures before and after."""
    lot = parking.lot(lot_id)
    count = parking.occupancy[lot.id]
    before = count.as_doc()
    parking.occupancy.set(lot.id, occupied, temporary)
    after = count.as_doc()
    get_auth(parking.hub).record(AUDIT_OCCUPANCY, context, lot=lot.id, before=before, after=after, reason=reason)
    parking.hub.bus.fire(EVENT_OCCUPANCY, {"lot": lot.id, "before": before, "after": after, "reason": reason},
                         context=context)
    _LOGGER.info("Parking %s: occupancy set from %s to %s by %s: %s", lot.id, before, after, who(parking, context),
                 reason)
    return {"lot": lot.id, **after, "free": count.free, "temporary_free": count.temporary_free, "before": before}


async def open_gate(parking: Parking, lane_id: str, reason: str, plate: str | None,
                    context: Context) -> dict[str, Any]:
    """A guard raises a lane's arm by hand: the car waiting there let in or out as released."""
    lane = parking.lanes.get(lane_id)
    if lane is None:
        raise ServiceValidationError(f"there is no lane {lane_id} (the lanes: {', '.join(sorted(parking.lanes))})")
    opened = await get_barriers(parking.hub).open(lane.barrier, reason=reason, context=context)
    by = who(parking, context)
    session = _release_in(parking, lane, plate, by, reason) if lane.direction == IN else \
        _release_out(parking, lane, plate, by, reason, context)
    details = {"lane": lane.id, "barrier": lane.barrier, "reason": reason,
               "session_id": session.id if session else None,
               "plate": mask_plate(session.plate) if session else None,
               "unpaid_fen": session.unpaid_fen if session and session.status == LEFT else 0}
    get_auth(parking.hub).record(AUDIT_GATE, context, **details)
    _LOGGER.info("Parking %s: opened by hand by %s: %s (session %s)", lane.id, by, reason, details["session_id"])
    return {**details, "state": opened.state.value}


def _release_in(parking: Parking, lane: Lane, plate: str | None, by: str, reason: str) -> Session | None:
    """The car refused last at ``lane`` (or ``plate``) let in by hand: a session, queued for the guard."""
    now = parking.hub.clock.time()
    pending = parking.refused.get(lane.id)
    if pending is not None and (plate not in (None, pending[0].plate) or now - pending[0].time > parking.repeat_seconds):
        pending = None
    if pending is None and plate is None:
        return None
    parking.refused.pop(lane.id, None)
    read = replace(pending[0], time=now) if pending is not None else parking.read_at(lane, plate or "", now)
    refusal = f" (refused: {pending[1].reason})" if pending is not None else ""
    found = parking.rules.who(parking.lots[lane.lot], read.plate, now)
    session = parking.open_session(read, found, RULE_RELEASED, f"let in by {by}: {reason}{refusal}; {found.reason}",
                                   now)
    session.released_by = by
    parking.attention(session, lane, f"let in by hand by {by}: {reason}{refusal}")
    return session


def _release_out(parking: Parking, lane: Lane, plate: str | None, by: str, reason: str,
                 context: Context) -> Session | None:
    """The car asked to pay at ``lane`` (or ``plate``'s) let out by hand, what it owes kept as unpaid."""
    waiting = [s for s in parking.sessions.find(lot=lane.lot, status=AT_EXIT, plate=plate) if s.exit_lane == lane.id]
    if not waiting:
        return None
    session = max(waiting, key=lambda s: s.quoted_at or 0)
    session.released_by = by
    parking.let_out(session, None, context, RULE_RELEASED, by_hand=f"let out by hand by {by} ({reason})")
    return session
