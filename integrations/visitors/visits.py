"""``Visitors``: every visit of the last ``keep_days`` in memory, and what happens to them.

A visit is registered by a guard (``pending``), answered by its host household or by staff
with a reason (``confirmed``: passes issued through access; ``refused``), and ends closed (the
visitor seen leaving, or staff closing it), refused, or ``expired`` (nobody answered before its
leave_by). A confirmed visit still open at its leave_by is an ``overstay``: ``visitor_overstay``
fires once, with the figures, and the visit stays open until the visitor leaves.

Each change is made under one lock, written to ``visitors.db`` (durable when it returns), then
announced: the event, a record of the step in the recorder (kind ``visitors``, masked), the
household told over MQTT, and the audit log for what a person did. The visitor's name and phone
are sealed with residents' key; events, records, answers and log lines carry their masks only.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.masking import mask_plate
from xiaoqu.core.rowstore import RowStore
from xiaoqu.integrations.lpr.normalize import normalize_plate
from xiaoqu.integrations.residents.callers import Caller, audit, household_app

from .const import (
    AUDIT_ANSWER_REFUSED,
    AUDIT_ANSWERED,
    AUDIT_CLOSED,
    AUDIT_OVERRIDE,
    AUDIT_PASS_SHOWN,
    AUDIT_REGISTERED,
    AUDIT_REVEALED,
    CLOSED,
    CONFIRMED,
    EVENT_ANSWERED,
    EVENT_CLOSED,
    EVENT_ENTERED,
    EVENT_EXPIRED,
    EVENT_OVERSTAY,
    EVENT_REQUESTED,
    EXPIRED,
    OVERSTAY,
    PASS_KEPT_SECONDS,
    PENDING,
    RECORD_KIND,
    REFUSED,
    SWEEP_SECONDS,
    TABLE_VISITS,
)
from .models import Passes, Visit, VisitPlate, iso
from .passes import Issuer

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.access import Access
    from xiaoqu.integrations.residents import Residents

    from .household import HouseholdChannel

_LOGGER = logging.getLogger(__name__)
#: The statuses staff may answer for the host in: a pending visit, or one they confirm or revoke again.
_STAFF_MAY_ANSWER: Final = (PENDING, CONFIRMED, REFUSED)


class VisitError(ServiceValidationError):
    """Data that cannot make or change a visit; the sentence names the field and the figures."""


class VisitNotFound(ServiceValidationError):
    """No such visit — or another household's, which a resident is told the same way."""


class VisitConflict(HubError):
    """The visit is no longer in a state that allows the act (answered already, closed, expired)."""


def minutes(seconds: float) -> int:
    return max(0, int(seconds // 60))


def span(seconds: float) -> str:
    """A duration as people say it: ``12 h``, ``1 h 30 min``, ``45 min``."""
    hours, rest = divmod(minutes(seconds), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest or not hours else "") if part)


class Visitors:
    """The visits of one hub (``get_visitors(hub)``)."""

    def __init__(self, hub: Hub, config: Mapping[str, Any], residents: Residents, access: Access, rows: RowStore,
                 channel: HouseholdChannel) -> None:
        self.hub = hub
        self.tz = hub.clock.tz
        self.config = config
        self.purposes: Mapping[str, Mapping[str, Any]] = config["purposes"]
        self.exits = frozenset(config["exits"])
        self.residents = residents
        self.issuer = Issuer(access, residents, self.purposes, config["lanes"])
        self.rows = rows
        self.channel = channel
        self.visits: dict[str, Visit] = {}
        self._open_plates: dict[str, str] = {}  # plate -> the open visit that has it
        self._last_plates: dict[str, str] = {}  # plate -> its latest visit, open or not (plate_status)
        self._open_of: dict[str, dict[str, None]] = {}  # household -> its open visits (a decision looks there)
        self._timers: dict[str, TimerHandle] = {}
        self._sweeper: TimerHandle | None = None
        self._lock = asyncio.Lock()
        #: Stops following plate reads and access decisions (tracking.py), set when the hub starts.
        self.unlisten: Callable[[], None] | None = None

    # --- start and stop ----------------------------------------------------------------------

    async def load(self) -> None:
        for key, doc in await self.rows.load(TABLE_VISITS):
            self._put(Visit.from_doc(key, doc))

    def start(self) -> None:
        """Timers for the open visits; those whose leave_by passed while the hub was down now."""
        now = self.hub.clock.time()
        for visit in list(self.visits.values()):
            if visit.status in (PENDING, CONFIRMED):
                if visit.leave_by <= now:
                    self.hub.create_task(self._leave_by(visit.id), name=f"visitors: {visit.id} due")
                else:
                    self._schedule(visit)
        self.hub.create_task(self.sweep(), name="visitors: first sweep")

    def stop(self) -> None:
        if self.unlisten is not None:
            self.unlisten()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()

    # --- reads -------------------------------------------------------------------------------

    def purpose_name(self, purpose: str) -> str:
        return str(self.purposes.get(purpose, {}).get("name") or purpose)

    def response(self, visit: Visit) -> dict[str, Any]:
        return visit.as_response(self.tz, self.purpose_name(visit.purpose))

    def admitted_with_plate(self, plate: str) -> Visit | None:
        visit = self.visits.get(self._open_plates.get(plate, ""))
        return visit if visit is not None and visit.admitted else None

    def plate_status(self, plate: str) -> VisitPlate | None:
        """The latest visit registered with ``plate`` (normalised, as cameras read it) and its state,
        for a gate to tell a visitor's car from a stranger's; ``None`` when there is none, or it
        ended (refused, expired, closed) more than a day ago. A pending visit past its leave_by
        whose timer has not run yet is told ``expired``."""
        visit = self.visits.get(self._last_plates.get(plate, ""))
        if visit is None:
            return None
        now = self.hub.clock.time()
        status, ended = visit.status, visit.ended_at
        if status == PENDING and visit.leave_by <= now:
            status, ended = EXPIRED, visit.leave_by
        if ended is not None and ended <= now - PASS_KEPT_SECONDS:
            return None
        return VisitPlate(visit.id, visit.household, status, visit.leave_by, ended, visit.answered_by, visit.reason)

    def admitted_of(self, household: str | None) -> Iterable[Visit]:
        """The household's confirmed and overstaying visits: a few, however long the log."""
        found = (self.visits[visit_id] for visit_id in self._open_of.get(household or "", ()))
        return [visit for visit in found if visit.admitted]

    def visible(self, visit_id: str, caller: Caller, act: str) -> Visit:
        """The visit, if ``caller`` may act on it; a resident asking for another household's is told
        it is not found, exactly as for an id that does not exist, and the attempt is audited."""
        visit = self.visits.get(visit_id)
        if visit is not None and (caller.household is None or visit.household == caller.household):
            return visit
        if caller.household is not None:  # a household's attempt; staff mistyping an id is no attempt
            why = "no such visit" if visit is None else "another household's visit"
            audit(self.hub, AUDIT_ANSWER_REFUSED, caller, visit=visit_id, attempt=act, why=why,
                  household=caller.household)
            _LOGGER.warning("visitors: %s by %s refused: visit %s: %s", act, caller.name, visit_id, why)
        raise VisitNotFound(f"visit {visit_id} is not found")

    # --- register ----------------------------------------------------------------------------

    async def register(self, data: Mapping[str, Any], caller: Caller) -> Visit:
        """A visitor at the gate for ``host_household``: pending until the host answers."""
        now = self.hub.clock.time()
        purpose = data["purpose"]
        if purpose not in self.purposes:
            raise VisitError(f"purpose: expected one of {', '.join(self.purposes)}, not {purpose!r}")
        household = data["host_household"]
        if self.residents.household(household) is None:
            raise VisitError(f"host_household: no household {household}")
        leave_by = self._leave_by_checked(data["leave_by"], now, purpose)
        plate = self._plate_checked(data.get("plate"))
        async with self._lock:
            visit_id = self._new_id()
            visit = Visit(visit_id, household, self.residents.seal(data["name"]), self.residents.seal(data["phone"]),
                          purpose, leave_by, now, caller.name, plate)
            await self._save(visit)
            self._schedule(visit)
        self._announce(visit, EVENT_REQUESTED, "registered", caller, registered_by=caller.name)
        self.channel.request(household, {**self._shown(visit), "answer_topic": f"visitors/{visit.id}/answer"})
        audit(self.hub, AUDIT_REGISTERED, caller, visit=visit.id, household=household, purpose=purpose,
              plate=visit.plate_masked)
        return visit

    def _leave_by_checked(self, when: datetime, now: float, purpose: str) -> float:
        """``when`` (site time unless it carries an offset) as epoch seconds, if ahead and within the limit."""
        most: timedelta = self.purposes[purpose].get("max_stay") or self.config["max_stay"]
        leave_by = (when if when.tzinfo is not None else when.replace(tzinfo=self.tz)).timestamp()
        when = datetime.fromtimestamp(leave_by, self.tz)
        if leave_by <= now:
            raise VisitError(f"leave_by: {when:%Y-%m-%d %H:%M} has passed; give the time the visitor must leave by")
        if leave_by - now > most.total_seconds():
            where = f"purposes: {purpose}: max_stay" if self.purposes[purpose].get("max_stay") else "max_stay"
            raise VisitError(f"leave_by: {when:%Y-%m-%d %H:%M} is {span(leave_by - now)} away; a visit for "
                             f"{purpose} lasts at most {span(most.total_seconds())} (visitors: {where})")
        return leave_by

    def _plate_checked(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        plate = normalize_plate(raw)
        if not plate.valid:
            raise VisitError(f"plate: not a plate ({plate.reason})")
        other = self.visits.get(self._open_plates.get(plate.text, ""))
        if other is not None:
            raise VisitError(f"plate: {mask_plate(plate.text)} is on visit {other.id}, open until "
                             f"{datetime.fromtimestamp(other.leave_by, self.tz):%Y-%m-%d %H:%M}; close it first "
                             "(visitors.checkout)")
        return plate.text

    def _new_id(self) -> str:
        while (candidate := f"V{secrets.token_hex(4).upper()}") in self.visits:
            pass
        return candidate

    # --- the host's answer -------------------------------------------------------------------

    async def answer(self, visit_id: str, accept: bool, caller: Caller, reason: str | None = None
                     ) -> tuple[Visit, str | None]:
        """The host's (or staff's) answer; the visit and, when a QR pass was issued, its token."""
        async with self._lock:
            visit = self.visible(visit_id, caller, "answer")
            before = visit.status
            self._check_answer(visit, caller, reason)
            now = self.hub.clock.time()
            if visit.leave_by <= now and (accept or visit.status == PENDING):
                raise self._refused(visit, caller, f"visit {visit.id} ended at its leave_by, "
                                                   f"{datetime.fromtimestamp(visit.leave_by, self.tz):%H:%M}; "
                                                   "register the visitor again")
            if accept == (visit.status == CONFIRMED) and visit.status != PENDING:
                return visit, None  # what staff asked is what it is
            token = None
            answered: dict[str, Any] = {"answered_at": now, "answered_by": caller.name, "answered_how": caller.how,
                                        "reason": reason}
            if accept:
                await self.issuer.remove(visit.passes)  # a pass revoked before, now replaced
                passes, token = await self.issuer.issue(visit, caller.name)
                visit = visit.changed(status=CONFIRMED, passes=passes, closed_at=None, **answered)
            else:
                visit = visit.changed(status=REFUSED, passes=await self._ended(visit.passes, now), closed_at=now,
                                      **answered)
            await self._save(visit)
            self._schedule(visit)
        self._after_answer(visit, caller, before, token)
        return visit, token

    def _check_answer(self, visit: Visit, caller: Caller, reason: str | None) -> None:
        if caller.is_staff:
            if reason is None:
                raise VisitError("reason: staff answering for the host say why (the host confirmed by phone, "
                                 "came to the gate, asked to turn the visitor away)")
            if visit.status not in _STAFF_MAY_ANSWER:
                raise VisitConflict(f"visit {visit.id} is {visit.status}; register the visitor again")
        elif visit.status != PENDING:
            who = f" by {visit.answered_by}" if visit.answered_by else ""
            raise self._refused(visit, caller, f"visit {visit.id} was {visit.status}{who}; it takes no answer now")

    def _refused(self, visit: Visit, caller: Caller, why: str) -> VisitConflict:
        audit(self.hub, AUDIT_ANSWER_REFUSED, caller, visit=visit.id, attempt="answer", why=why, household=visit.household)
        return VisitConflict(why)

    def _after_answer(self, visit: Visit, caller: Caller, before: str, token: str | None) -> None:
        override = caller.is_staff
        details = {"accept": visit.status == CONFIRMED, "previous": before, "override": override,
                   "reason": visit.reason, "how": caller.how}
        self._announce(visit, EVENT_ANSWERED, "answered", caller, **details)
        if token is not None:
            self.channel.send_pass(visit.household, visit.id, {"visit_id": visit.id, "token": token,
                                                               "valid_until": iso(visit.passes.until, self.tz),
                                                               "doors": list(visit.passes.doors)})
        audit(self.hub, AUDIT_OVERRIDE if override else AUDIT_ANSWERED, caller, visit=visit.id,
              household=visit.household, accept=details["accept"], previous=before, reason=visit.reason)

    async def app_answer(self, household: str, visit_id: str, accept: bool, reason: str | None) -> None:
        """An answer from the household's app over MQTT, on its own prefix: taken as the
        household's, or refused — and the app told either way on the visit's status topic."""
        try:
            await self.answer(visit_id, accept, household_app(household), reason)
        except (VisitNotFound, VisitConflict, VisitError) as err:
            self.channel.status(household, visit_id, {"visit_id": visit_id, "taken": False, "why": str(err)})

    # --- arriving and leaving ----------------------------------------------------------------

    async def seen(self, visit_id: str, door: str, at: float, *, leaving: bool) -> None:
        """The visitor was seen at ``door`` at ``at`` (a reader granting their pass, a camera
        reading their plate): their arrival the first time, their leaving at an exit."""
        async with self._lock:
            visit = self.visits.get(visit_id)
            if visit is None or not visit.admitted or (not leaving and visit.entered_at is not None):
                return
            now = at
            if leaving:
                visit = await self._close(visit, now, f"seen leaving at {door}", exit=door)
            else:
                visit = visit.changed(entered_at=now, entered_at_door=door)
                await self._save(visit)
        if leaving:
            self._announce_closed(visit, None)
        else:
            self._announce(visit, EVENT_ENTERED, "entered", None, door=door)

    async def checkout(self, visit_id: str, caller: Caller, reason: str | None = None) -> Visit:
        """Staff close a visit: the visitor left unseen, or gave up waiting."""
        async with self._lock:
            visit = self.visible(visit_id, caller, "checkout")
            if not visit.open:
                raise VisitConflict(f"visit {visit.id} is {visit.status} already")
            by = caller.name + (f" ({reason})" if reason else "")
            visit = await self._close(visit, self.hub.clock.time(), by)
        self._announce_closed(visit, caller)
        audit(self.hub, AUDIT_CLOSED, caller, visit=visit.id, household=visit.household, reason=reason)
        return visit

    async def _close(self, visit: Visit, now: float, by: str, exit: str | None = None) -> Visit:
        closed = visit.changed(status=CLOSED, closed_at=now, closed_by=by, exit=exit,
                               passes=await self._ended(visit.passes, now))
        await self._save(closed)
        self._unschedule(closed.id)
        return closed

    async def _ended(self, passes: Passes, now: float) -> Passes:
        """The passes ended at ``now`` in access and on the record (if they ran longer)."""
        if not passes.keys or (passes.until is not None and passes.until <= now):
            return passes
        await self.issuer.end(passes, now)
        return dataclasses.replace(passes, until=now)

    def _announce_closed(self, visit: Visit, caller: Caller | None) -> None:
        assert visit.closed_at is not None
        over = minutes(visit.closed_at - visit.leave_by) if visit.overstay_at is not None else 0
        self._announce(visit, EVENT_CLOSED, "closed", caller, closed_by=visit.closed_by, exit=visit.exit,
                       minutes_over=over)

    # --- leave_by: unanswered visits expire, confirmed ones overstay ---------------------------

    def _schedule(self, visit: Visit) -> None:
        self._unschedule(visit.id)
        if visit.status in (PENDING, CONFIRMED):
            self._timers[visit.id] = self.hub.clock.call_at(visit.leave_by, lambda: self.hub.create_task(
                self._leave_by(visit.id), name=f"visitors: {visit.id} due"))

    def _unschedule(self, visit_id: str) -> None:
        handle = self._timers.pop(visit_id, None)
        if handle is not None:
            handle.cancel()

    async def _leave_by(self, visit_id: str) -> None:
        async with self._lock:
            self._timers.pop(visit_id, None)
            visit = self.visits.get(visit_id)
            now = self.hub.clock.time()
            if visit is None or visit.status not in (PENDING, CONFIRMED) or visit.leave_by > now:
                return
            if visit.status == PENDING:
                visit = visit.changed(status=EXPIRED, closed_at=visit.leave_by)
            else:
                visit = visit.changed(status=OVERSTAY, overstay_at=now)
            await self._save(visit)
        if visit.status == EXPIRED:
            self._announce(visit, EVENT_EXPIRED, "expired", None)
            return
        stayed_from = visit.entered_at if visit.entered_at is not None else visit.answered_at
        self._announce(visit, EVENT_OVERSTAY, "overstay", None, entered_at=iso(visit.entered_at, self.tz),
                       entered_at_door=visit.entered_at_door, at=iso(now, self.tz),
                       minutes_over=minutes(now - visit.leave_by),
                       stayed_minutes=minutes(now - (stayed_from or visit.registered_at)),
                       registered_by=visit.registered_by, answered_by=visit.answered_by)

    # --- showing what is sealed --------------------------------------------------------------

    def show_pass(self, visit_id: str, caller: Caller) -> dict[str, Any]:
        """The QR pass's token again, for the guard to show the visitor; audited."""
        visit = self.visible(visit_id, caller, "show pass")
        if not visit.admitted or visit.passes.token is None:
            raise VisitConflict(f"visit {visit.id} holds no QR pass now ({visit.status})")
        token = self.residents.unseal(visit.passes.token)
        audit(self.hub, AUDIT_PASS_SHOWN, caller, visit=visit.id, household=visit.household)
        return {"visit_id": visit.id, "token": token, "valid_until": iso(visit.passes.until, self.tz),
                "doors": list(visit.passes.doors)}

    def reveal(self, visit_id: str, field: str, caller: Caller) -> str:
        """The visitor's name or phone in clear; audited as ``caller``'s read."""
        visit = self.visible(visit_id, caller, "reveal")
        value = self.residents.unseal(visit.name if field == "name" else visit.phone)
        audit(self.hub, AUDIT_REVEALED, caller, visit=visit.id, field=field)
        return value

    # --- retention ---------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Remove passes a day after they ended, and visits ``keep_days`` after they ended; then
        again in an hour."""
        now = self.hub.clock.time()
        keep = float(self.config["keep_days"]) * 86_400
        async with self._lock:
            for visit in list(self.visits.values()):
                ended = visit.ended_at
                if ended is not None and ended <= now - keep:
                    await self._forget(visit)
                elif (visit.passes.keys and not visit.passes.removed and visit.passes.until is not None
                      and visit.passes.until <= now - PASS_KEPT_SECONDS):
                    await self.issuer.remove(visit.passes)
                    await self._save(visit.changed(passes=dataclasses.replace(visit.passes, removed=True)))
        self._sweeper = self.hub.clock.call_later(SWEEP_SECONDS, lambda: self.hub.create_task(
            self.sweep(), name="visitors: sweep"))

    async def _forget(self, visit: Visit) -> None:
        if visit.passes.keys and not visit.passes.removed:
            await self.issuer.remove(visit.passes)
        await self.rows.delete(TABLE_VISITS, visit.id)
        self._unindex(visit.id)
        self.visits.pop(visit.id, None)

    # --- keeping and telling -----------------------------------------------------------------

    async def _save(self, visit: Visit) -> None:
        await self.rows.put(TABLE_VISITS, visit.id, visit.as_doc())
        self._put(visit)

    def _put(self, visit: Visit) -> None:
        self._unindex(visit.id)
        self.visits[visit.id] = visit
        if visit.open:
            self._open_of.setdefault(visit.household, {})[visit.id] = None
            if visit.plate is not None:
                self._open_plates[visit.plate] = visit.id
        if visit.plate is not None:
            latest = self.visits.get(self._last_plates.get(visit.plate, ""))
            if latest is None or latest.registered_at <= visit.registered_at:
                self._last_plates[visit.plate] = visit.id

    def _unindex(self, visit_id: str) -> None:
        old = self.visits.get(visit_id)
        if old is None:
            return
        if old.plate is not None and self._open_plates.get(old.plate) == old.id:
            del self._open_plates[old.plate]
        if old.plate is not None and self._last_plates.get(old.plate) == old.id:
            del self._last_plates[old.plate]
        open_here = self._open_of.get(old.household)
        if open_here is not None:
            open_here.pop(old.id, None)
            if not open_here:
                del self._open_of[old.household]

    def _shown(self, visit: Visit) -> dict[str, Any]:
        """What events, records and the household see of a visit: masked."""
        return {"visit_id": visit.id, "household": visit.household, "status": visit.status,
                "name": visit.name.masked, "phone": visit.phone.masked, "plate": visit.plate_masked,
                "purpose": visit.purpose, "purpose_name": self.purpose_name(visit.purpose),
                "leave_by": iso(visit.leave_by, self.tz)}

    def _announce(self, visit: Visit, event: str, step: str, caller: Caller | None, **details: Any) -> None:
        """Fire ``event``, record the step, and tell the household the visit's status."""
        data = {**self._shown(visit), **details}
        context = caller.context if caller is not None else None
        self.hub.bus.fire(event, data, context=context)
        record = {"step": step, **data, "by": caller.name if caller is not None else None}
        try:
            self.hub.recorder.record(RECORD_KIND, record, subject=visit.id)
        except Exception as err:  # the step happened; losing its record must not undo it
            _LOGGER.error("visitors: could not record %s of %s: %s", step, visit.id, err)
        if step != "registered":
            self.channel.status(visit.household, visit.id, {"visit_id": visit.id, "status": visit.status,
                                                            "step": step, **details})
