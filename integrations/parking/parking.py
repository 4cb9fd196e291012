"""``Parking``: the lots, their lanes and the cars inside, and what happens at each gate.

A ``plate_read`` at a lane's camera is decided at once, in the event's own turn of the loop
(a camera that answers on its own request is waiting): the entry by :mod:`.admission`, the
exit by matching the session (:mod:`.matching`) and pricing it (:mod:`.quote`). A car let
through has its barrier commanded first, as soon as it is decided (the car waits on the gate,
not on what follows); then, in the same turn, memory is changed, so the next read at any lane
sees it, the display is told, the event fired and the log written; the session's row follows
(``parking.db``). A gate that cannot be told changes none of that: the decision and its
records stand, and the guard is asked to see to the car. Money goes through :mod:`.books` (a
ledger, once per payment id). docs/parking.md has the rules.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.masking import mask_plate
from xiaoqu.core.money import yuan
from xiaoqu.integrations.barrier import get_barriers
from xiaoqu.integrations.payments import PaymentError, get_payments

from . import matching
from .admission import Admission, EntryRules, Who
from .const import (
    AT_EXIT,
    AUDIT_PAY,
    DOMAIN,
    EVENT_ATTENTION,
    EVENT_CLONED,
    EVENT_ENTRY,
    EVENT_EXIT,
    EVENT_PAID,
    EVENT_PAYMENT_DUE,
    EVENT_REFUSED,
    EXACT,
    FUZZY,
    IN,
    LEFT,
    PASS,
    PURPOSE,
    RESIDENT,
    RULE_FREE,
    RULE_OFFLINE,
    RULE_PAID,
    TEMPORARY,
    UNMATCHED,
    VISITOR,
)
from .displays import GREEN, PAY_SECONDS, RED, YELLOW, Displays
from .models import Lane, Lot, MonthlyPass, Session
from .occupancy import Occupancy
from .quote import Quote, quote, unmatched
from .sessions import Sessions
from .tariff import duration

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.barrier.models import Opened

    from .books import Books

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Read:
    """A ``plate_read`` at one of the lanes, as the gate needs it."""

    lane: Lane
    plate: str
    read_id: str | None
    snapshot: str | None
    time: float
    offline: bool = False


class Parking:
    """See the module docstring; one per hub (``get_parking(hub)``)."""

    def __init__(self, hub: Hub, config: dict[str, Any], rules: EntryRules, sessions: Sessions, books: Books,
                 occupancy: Occupancy, displays: Displays, lots: dict[str, Lot], lanes: dict[str, Lane],
                 passes: dict[tuple[str, str], MonthlyPass]) -> None:
        self.hub = hub
        self.tz = hub.clock.tz
        self.rules = rules
        self.sessions = sessions
        self.books = books
        self.occupancy = occupancy
        self.displays = displays
        self.lots = lots
        self.lanes = lanes
        self.passes = passes
        self.by_camera = {lane.camera: lane for lane in lanes.values()}
        self.repeat_seconds: float = config["repeat_seconds"]
        #: The last refusal at each entry lane: a guard's release lets that car in.
        self.refused: dict[str, tuple[Read, Admission]] = {}
        #: Sessions whose order is being made (a second read waits for it).
        self._ordering: set[str] = set()

    # --- reads --------------------------------------------------------------------------------

    def on_plate_read(self, event: Event) -> None:
        """A ``plate_read`` (lpr): decide now if it is at one of the lanes."""
        data = event.data
        lane = self.by_camera.get(data.get("camera") or "")
        plate = data.get("plate")
        if lane is None or not plate:
            return
        offline = bool(data.get("offline"))
        when = self.hub.clock.time()
        if offline and data.get("camera_time"):
            when = datetime.fromisoformat(data["camera_time"]).timestamp()
        read = Read(lane, plate, data.get("read_id"), data.get("snapshot"), when, offline)
        context = Context(source=DOMAIN, parent_id=event.context.id)
        if lane.direction == IN:
            self.entry(read, context)
        else:
            self.exit(read, context)

    # --- entry --------------------------------------------------------------------------------

    def entry(self, read: Read, context: Context) -> Session | None:
        """Decide a car at an entry lane; the session it opens, if it is let in."""
        lane, plate, now = read.lane, read.plate, read.time
        lot = self.lots[lane.lot]
        inside = list(self.sessions.inside(lot.id, plate))
        if inside and inside[0].entry_lane == lane.id and now - (inside[0].entered_at or 0) < self.repeat_seconds:
            _LOGGER.debug("Parking %s: %s read again after being let in: nothing to do", lane.id, mask_plate(plate))
            return None
        admission = self.rules.decide(lane, lot, self.occupancy[lot.id], plate, now, context)
        if not admission.admit and read.offline:
            session = self.open_session(read, admission.who, admission.who.rule, admission.who.reason, now)
            self.attention(session, lane, f"entered while the hub was away (an offline read), which it would have "
                                           f"refused: {admission.reason}")
            return session
        if not admission.admit:
            self._refuse(read, admission)
            return None
        opening = self._command(read, lane, f"{admission.who.kind} {mask_plate(plate)}: {admission.rule}", context)
        session = self.open_session(read, admission.who, admission.rule, admission.reason, now)
        if inside:
            self._cloned(read, inside, session)
        count = self.occupancy[lot.id]
        line = f"余位 {count.free}"
        self._let_through(read, opening, admission.shown, [mask_plate(plate), admission.shown, line], session, lane)
        self._persist(session)
        self._fire(EVENT_ENTRY, session, lane, context, kind=session.kind, rule=admission.rule, reason=admission.reason,
                   notes=admission.notes, occupied=count.occupied, free=count.free)
        _LOGGER.info("Parking %s: %s let in as %s (%s): %s%s; %d of %d spaces free", lane.id, mask_plate(plate),
                     session.kind, admission.rule, admission.reason, "".join(f"; {n}" for n in admission.notes),
                     count.free, lot.capacity)
        return session

    def open_session(self, read: Read, who: Who, rule: str, reason: str, now: float) -> Session:
        lot = self.lots[read.lane.lot]
        charge_from = now if who.kind == TEMPORARY else who.charge_from_end
        session = Session(self.sessions.new_id(now), read.plate, lot.id, who.kind, entered_at=now,
                          entry_lane=read.lane.id, entry_read=read.read_id, entry_snapshot=read.snapshot, reason=reason,
                          rule=rule, household=who.household, space=who.space, charge_from=charge_from)
        self.sessions.add(session)
        self.occupancy.enter(lot.id, session.temporary_space)
        return session  # saved by the caller, after the gate is commanded (or with the guard's note)

    def _refuse(self, read: Read, admission: Admission) -> None:
        lane, shown = read.lane, admission.shown
        self.refused[lane.id] = (read, admission)
        self.displays.show(lane, [mask_plate(read.plate), shown], RED, voice=shown)
        self.displays.reply(read.read_id, open=False, text=shown)
        self.hub.bus.fire(EVENT_REFUSED, {
            "lot": lane.lot, "lane": lane.id, "plate_masked": mask_plate(read.plate), "kind": admission.who.kind,
            "rule": admission.rule, "reason": admission.reason, "shown": shown, "notes": admission.notes,
            "read_id": read.read_id, "snapshot": read.snapshot})
        _LOGGER.info("Parking %s: %s refused (%s): %s", lane.id, mask_plate(read.plate), admission.rule,
                     admission.reason)

    def _cloned(self, read: Read, inside: list[Session], new: Session) -> None:
        """The same plate entering while the lot holds it: a cloned plate, or an exit not read."""
        first = inside[-1]
        since = datetime.fromtimestamp(first.entered_at or read.time, self.tz)
        reason = (f"plate {mask_plate(read.plate)} entered at {read.lane.id} while inside since {since:%Y-%m-%d %H:%M} "
                  f"(session {first.id}): a cloned plate, or an exit that was not read")
        self.hub.bus.fire(EVENT_CLONED, {
            "lot": read.lane.lot, "lane": read.lane.id, "plate_masked": mask_plate(read.plate), "reason": reason,
            "sessions": [s.id for s in (*inside, new)], "snapshots": [s.entry_snapshot for s in (*inside, new)]})
        for session in (*inside, new):
            self.attention(session, read.lane, reason)

    # --- exit ---------------------------------------------------------------------------------

    def exit(self, read: Read, context: Context) -> Session | None:
        """Decide a car at an exit lane: its session matched, priced, let out or asked to pay."""
        lane, plate, now = read.lane, read.plate, read.time
        lot = self.lots[lane.lot]
        found = self.sessions.inside(lot.id, plate)
        session, how = (found[0], EXACT) if found else (None, None)
        matched_why = None
        if session is None:
            recent = self.sessions.recent_exits(lot.id, now - self.repeat_seconds)
            if recent and matching.match(plate, recent).plate is not None:
                _LOGGER.debug("Parking %s: %s read again after leaving: nothing to do", lane.id, mask_plate(plate))
                return None
            fuzzy = matching.match(plate, self.sessions.plates_near(lot.id, plate))
            if fuzzy.plate is not None:
                session, how, matched_why = self.sessions.inside(lot.id, fuzzy.plate)[0], FUZZY, fuzzy.reason
            else:
                session = self._no_entry(read, lot, fuzzy.reason)
        if session.status == AT_EXIT and session.exit_lane == lane.id and session.quoted_at is not None \
                and now - session.quoted_at < self.repeat_seconds and session.due_fen > 0:
            _LOGGER.debug("Parking %s: %s read again while asked to pay: shown again", lane.id, mask_plate(plate))
            self._ask(session, lane, context, new_order=False)
            return session
        if how is not None:
            session.matched = how
            session.read_as = plate if how == FUZZY else None
        session.status, session.exit_lane, session.exit_read = AT_EXIT, lane.id, read.read_id
        session.exit_snapshot = read.snapshot
        priced = self.quote(session, now)
        session.fee_fen, session.quoted_at, session.explanation = priced.fee_fen, now, priced.lines
        if matched_why is not None:
            session.explanation = [matched_why, *priced.lines]
        if session.due_fen == 0 or read.offline:
            rule = RULE_OFFLINE if session.due_fen else RULE_PAID if session.paid_fen else RULE_FREE
            self.let_out(session, read, context, rule)
        else:
            self.displays.reply(read.read_id, open=False, text=f"请缴费 {yuan(session.due_fen)}")
            self._ask(session, lane, context, new_order=True)
        self._persist(session)
        return session

    def quote(self, session: Session, now: float) -> Quote:
        return quote(session, self.lots[session.lot], now, self.tz, self.passes.get((session.plate, session.lot)))

    def _no_entry(self, read: Read, lot: Lot, why: str) -> Session:
        """An exit matched to no car inside: a session by the no-entry rule. A car with a space, a
        pass or a permission leaves free (its entry was missed: nothing to charge, nothing to
        check); any other is charged by the rule and queued for the guard."""
        now = read.time
        who = self.rules.who(lot, read.plate, now)
        free = who.kind in (RESIDENT, PASS) or who.kind == VISITOR and (who.charge_from_end or now + 1) > now
        session = Session(self.sessions.new_id(now), read.plate, lot.id, who.kind if free else TEMPORARY,
                          status=AT_EXIT, reason=who.reason, rule=UNMATCHED, household=who.household,
                          counted=False, matched=UNMATCHED)
        self.sessions.add(session)
        if free:
            session.fee_fen, session.explanation = 0, [why, who.reason, "no entry on record: leaves free"]
            return session
        priced = unmatched(lot, now, self.tz)
        session.fee_fen, session.explanation = priced.fee_fen, [why, *priced.lines]
        self.attention(session, read.lane, f"{why}; no entry on record: charged {yuan(priced.fee_fen)} by the "
                                            "no-entry rule")
        return session

    def _ask(self, session: Session, lane: Lane, context: Context, *, new_order: bool) -> None:
        """Show what is due and the order to pay it by (made unless one for that amount is
        open); ``new_order``: a new quote, announced as ``parking_payment_due``."""
        if session.id in self._ordering:
            return  # the order being made is shown when it is there
        self._ordering.add(session.id)
        self.hub.create_task(self._order(session, lane, context, new_order), name=f"parking: order for {session.id}")

    async def _order(self, session: Session, lane: Lane, context: Context, announce: bool) -> None:
        due, qr = session.due_fen, None
        payments = get_payments(self.hub)
        last = payments.order(session.order_id) if session.order_id else None
        reuse = last is not None and not last.paid and last.amount_fen == due
        order_id: str | None = session.order_id if reuse else f"{session.id}-{len(session.orders) + 1}"
        assert order_id is not None
        try:
            order = await payments.create_order(order_id, due, f"停车费 {mask_plate(session.plate)}",
                                                purpose=PURPOSE, reference=session.id)
        except (PaymentError, HubError) as err:
            order_id = None
            _LOGGER.warning("Parking %s: no order for %s's %s (%s): pay at the booth", lane.id,
                            mask_plate(session.plate), yuan(due), err)
        else:
            qr = order.qr
            if order_id not in session.orders:
                session.orders.append(order_id)
                self._persist(session)
        finally:
            self._ordering.discard(session.id)
        stay = self._stay(session)
        lines = [mask_plate(session.plate), *([f"停车 {stay}"] if stay else []), f"请缴费 {yuan(due)}"]
        if qr is None:
            lines.append("请到岗亭缴费")
        self.displays.show(lane, lines, YELLOW, voice=f"请缴费 {yuan(due)[1:]} 元", qr=qr, seconds=PAY_SECONDS)
        if announce:
            self._fire(EVENT_PAYMENT_DUE, session, lane, context, fee_fen=session.fee_fen, paid_fen=session.paid_fen,
                       due_fen=due, order_id=order_id, qr=qr, explanation=session.explanation)
            _LOGGER.info("Parking %s: %s owes %s (fee %s, paid %s): %s", lane.id, mask_plate(session.plate), yuan(due),
                         yuan(session.fee_fen or 0), yuan(session.paid_fen), "; ".join(session.explanation))

    @staticmethod
    def _stay(session: Session) -> str | None:
        if session.entered_at is None or session.quoted_at is None:
            return None
        return duration(timedelta(seconds=max(0.0, session.quoted_at - session.entered_at)))  # a clock set back

    def let_out(self, session: Session, read: Read | None, context: Context, rule: str, *,
                 by_hand: str | None = None) -> None:
        """Close ``session`` and raise its exit lane's arm: on an exit read that owes nothing (the
        arm stays for an offline read: the car is gone), on the payment that settles it, or after
        a guard raised it by hand (``by_hand``: why), whatever is still due kept as unpaid."""
        assert session.exit_lane is not None
        lane = self.lanes[session.exit_lane]
        session.status, session.exited_at = LEFT, read.time if read is not None else self.hub.clock.time()
        session.unpaid_fen = session.due_fen
        opening = None if by_hand is not None else \
            self._command(read, lane, f"{session.kind} {mask_plate(session.plate)} leaves: {rule}", context)
        if session.unpaid_fen and (by_hand or read is not None and read.offline):
            why = by_hand or "left while the hub was away (an offline read)"
            self.attention(session, lane, f"{why}: {yuan(session.unpaid_fen)} unpaid")
        self.sessions.closed(session)
        note = self.occupancy.leave(session.lot, session.temporary_space) if session.counted else None
        if note:
            _LOGGER.warning("Parking %s: %s", lane.id, note)
        if by_hand is None:
            fee = [f"停车费 {yuan(session.fee_fen)}"] if session.fee_fen else []
            self._let_through(read, opening, "一路顺风", [mask_plate(session.plate), "一路顺风", *fee], session, lane)
        self._fire(EVENT_EXIT, session, lane, context, kind=session.kind, rule=rule, fee_fen=session.fee_fen,
                   paid_fen=session.paid_fen, unpaid_fen=session.unpaid_fen, matched=session.matched,
                   explanation=session.explanation)
        _LOGGER.info("Parking %s: %s let out (%s): fee %s, paid %s; %s", lane.id, mask_plate(session.plate), rule,
                     yuan(session.fee_fen or 0), yuan(session.paid_fen), "; ".join(session.explanation))
        self._persist(session)

    # --- the gate's outputs -------------------------------------------------------------------

    def _command(self, read: Read | None, lane: Lane, reason: str, context: Context) -> Awaitable[Opened] | None:
        """Tell ``lane``'s barrier to raise its arm now, in the decision's own turn (its command
        goes out ahead of the records and messages that follow); what to await for the gate's
        confirmation, which raises if the gate could not be told. None for an offline read: it
        happened while the hub was away, and no gate opens on it."""
        if read is not None and read.offline:
            return None
        try:
            return get_barriers(self.hub).command_open(lane.barrier, reason=reason, context=context)
        except Exception as err:  # the decision and its records stand whatever the gate's driver did
            failed: asyncio.Future[Opened] = self.hub.loop.create_future()
            failed.set_exception(err)
            return failed

    def _let_through(self, read: Read | None, opening: Awaitable[Opened] | None, shown: str, lines: list[str],
                     session: Session, lane: Lane) -> None:
        """Show the decision, answer the camera on its own request (it may drive the arm by its
        relay), and follow the barrier's confirmation (commanded already, :meth:`_command`):
        only the barrier confirms the arm went up."""
        if opening is None:
            return
        self.displays.show(lane, lines, GREEN, voice=shown)
        if read is not None:
            self.displays.reply(read.read_id, open=True, text=shown)
        self.hub.create_task(self._raise(opening, lane, session), name=f"parking: open {lane.barrier}")

    async def _raise(self, opening: Awaitable[Opened], lane: Lane, session: Session) -> None:
        try:
            await opening
        except HubError as err:
            self.displays.show(lane, [mask_plate(session.plate), "请稍候 保安处理中"], RED)
            self.attention(session, lane, f"the gate did not open: {err}")

    def attention(self, session: Session, lane: Lane, reason: str) -> None:
        """Queue ``session`` for the guard with ``reason`` (kept on it; ``parking_attention``)."""
        session.attention.append(reason)
        self.hub.bus.fire(EVENT_ATTENTION, {"session_id": session.id, "lot": session.lot, "lane": lane.id,
                                            "plate_masked": mask_plate(session.plate), "reason": reason})
        _LOGGER.warning("Parking %s: %s needs the guard: %s", lane.id, mask_plate(session.plate), reason)
        self._persist(session)

    def _fire(self, event_type: str, session: Session, lane: Lane | None, context: Context | None, **data: Any) -> None:
        self.hub.bus.fire(event_type, {"session_id": session.id, "lot": session.lot, "lane": lane.id if lane else None,
                                       "plate_masked": mask_plate(session.plate), **data}, context=context)

    def _persist(self, session: Session) -> None:
        self.hub.create_task(self.sessions.save(session), name=f"parking: save {session.id}")

    # --- payments -----------------------------------------------------------------------------

    async def pay(self, *, amount_fen: int, payment_id: str, method: str, session_id: str | None = None,
                  plate: str | None = None, context: Context | None = None, order_id: str | None = None,
                  settled_ok: bool = False) -> dict[str, Any]:
        """Record a payment toward a session, once per ``payment_id`` (a repeat answers as the first
        did and changes nothing); let the car out if it is at an exit and now owes nothing.

        Staff cannot pay a session that left owing nothing (a slip); a provider's payment
        (``settled_ok``) is recorded whatever it pays, as the money has moved."""
        earlier = await self.books.posted(payment_id)
        if earlier is not None:
            return self._repeat(payment_id, earlier.data["session"])
        session = self.payable(session_id, plate)
        if not settled_ok and session.status == LEFT and session.due_fen == 0:
            raise ServiceValidationError(f"session {session.id} ({mask_plate(session.plate)}) left owing nothing")
        posted = await self.books.pay(payment_id, session.id, amount_fen, method,
                                      {"plate": mask_plate(session.plate), "lot": session.lot, "method": method,
                                       "order_id": order_id})
        if not posted.new:  # the same payment, taken by a call that was running beside this one
            return self._repeat(payment_id, posted.data["session"])
        now = self.hub.clock.time()
        session.paid_fen = self.books.paid(session.id)
        if session.status == LEFT:
            session.unpaid_fen = session.due_fen
        elif self.quote(session, now).fee_fen <= session.paid_fen:
            session.paid_through = now
        self._fire(EVENT_PAID, session, self.lanes.get(session.exit_lane or ""), context, payment_id=payment_id,
                   amount_fen=amount_fen, paid_fen=session.paid_fen, method=method, order_id=order_id)
        if context is not None and context.user_id is not None:
            get_auth(self.hub).record(AUDIT_PAY, context, session_id=session.id, plate=mask_plate(session.plate),
                                      amount_fen=amount_fen, payment_id=payment_id, method=method)
        _LOGGER.info("Parking: %s paid %s toward session %s (%s), %s in all", method, yuan(amount_fen), session.id,
                     mask_plate(session.plate), yuan(session.paid_fen))
        let_out = session.status == AT_EXIT and session.due_fen == 0
        if let_out:
            self.let_out(session, None, context or Context(source=DOMAIN), RULE_PAID)
        else:
            self._persist(session)
        return {"paid_fen": session.paid_fen, "session_id": session.id, "due_fen": session.due_fen, "repeat": False,
                "let_out": let_out}

    def _repeat(self, payment_id: str, session_id: str) -> dict[str, Any]:
        """The answer to a payment id taken before: the first payment's session as it stands now."""
        _LOGGER.info("Parking: payment %s was taken before (session %s): nothing changes", payment_id, session_id)
        session = self.sessions.by_id.get(session_id)
        return {"paid_fen": self.books.paid(session_id), "session_id": session_id,
                "due_fen": session.due_fen if session is not None else 0, "repeat": True, "let_out": False}

    def payable(self, session_id: str | None, plate: str | None) -> Session:
        """The session a payment is for: by id, else the plate's car inside (at an exit first)."""
        if session_id is not None:
            session = self.sessions.by_id.get(session_id)
            if session is None:
                raise ServiceValidationError(f"there is no parking session {session_id}")
            if plate is not None and plate != session.plate:
                raise ServiceValidationError(f"session {session_id} is not {mask_plate(plate)}'s: check the plate "
                                             "or the session")
            return session
        assert plate is not None
        found = [s for lot in self.lots for s in self.sessions.inside(lot, plate)]
        if not found:
            raise ServiceValidationError(f"no car {mask_plate(plate)} is inside; pay by session_id")
        waiting = [s for s in found if s.status == AT_EXIT]
        if len(waiting) == 1 or len(found) == 1:
            return (waiting or found)[0]
        raise ServiceValidationError(f"{mask_plate(plate)} has {len(found)} sessions open ("
                                     f"{', '.join(s.id for s in found)}): pay by session_id")

    async def on_payment_received(self, event: Event) -> None:
        """``payment_received`` of one of parking's orders: paid toward its session."""
        data = event.data
        if data.get("purpose") != PURPOSE:
            return
        try:
            await self.pay(session_id=data["reference"], amount_fen=data["amount_fen"], payment_id=data["payment_id"],
                           method=data.get("method") or data.get("provider") or "online", order_id=data.get("order_id"),
                           settled_ok=True)
        except ServiceValidationError as err:
            _LOGGER.error("Parking: payment %s of order %s pays no session: %s", data.get("payment_id"),
                          data.get("order_id"), err)

    # --- look-ups ------------------------------------------------------------------------------

    @staticmethod
    def read_at(lane: Lane, plate: str, now: float) -> Read:
        """A read no camera made (a guard names the car)."""
        return Read(lane, plate, None, None, now)

    def lot(self, lot_id: str) -> Lot:
        lot = self.lots.get(lot_id)
        if lot is None:
            raise ServiceValidationError(f"there is no lot {lot_id} (the lots: {', '.join(sorted(self.lots)) or 'none'})")
        return lot

    def find(self, *, limit: int, **filters: Any) -> Iterable[Session]:
        """Sessions newest first, filtered by the keys given (None: any)."""
        return islice(self.sessions.find(**{key: value for key, value in filters.items() if value is not None}), limit)
