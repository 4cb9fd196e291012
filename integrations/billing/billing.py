"""The hub's billing: periods billed, payments applied, arrears, and staff's approved changes.

:class:`Billing` is the Python API other parts use (``get_billing(hub)``): ``run``, ``pay``,
``arrears``/``arrears_all``, ``bills_of``, ``late_fee``, ``waive``, ``extend``, ``vacancy``,
``correct``, ``refund``, ``reissue``, ``record_reading``. Money moves only through
:class:`~.books.Books`; every change is serialised by one lock, so two cashiers cannot settle
the same bill twice. docs/billing.md is the guide.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from bisect import insort
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.ledger import LedgerRefused, Transaction
from xiaoqu.core.money import yuan

from .arrears import Arrears, accruing, arrears_of
from .bank import BankCollection
from .books import Allocation, Books
from .const import (
    AREA,
    AUDIT_CORRECTED,
    AUDIT_EXTENDED,
    AUDIT_PAID,
    AUDIT_REFUNDED,
    AUDIT_REISSUED,
    AUDIT_RUN,
    AUDIT_VACANCY,
    AUDIT_WAIVED,
    DUE,
    EVENT_ARREARS_CLEARED,
    EVENT_PAYMENT_APPLIED,
    LATE,
    LATE_FEE,
    LATE_FEE_FIRST,
    NOTICE_REF,
    PRINCIPAL,
    PURPOSE,
    USAGE,
)
from .fee_notices import FeeNotices
from .fees import FeeItem, Line, discount, parse_period, period_text
from .latefee import LateFee, LateFeeRule
from .models import Bill, Receipt
from .store import BillingStore

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.residents import Residents

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Vacancy:
    """A vacant-unit discount (空置房): ``percent`` off ``items`` of ``household``'s bills from
    period ``start`` to ``end`` (inclusive), approved by ``approver`` for ``reason``."""

    act: str
    household: str
    start: str
    end: str
    percent: Decimal
    items: tuple[str, ...]
    approver: str
    reason: str

    def covers(self, period: str, item: str) -> bool:
        return self.start <= period <= self.end and item in self.items


def allocate(amount: int, owing: Iterable[tuple[str, int, int]], order: str) -> list[Allocation]:
    """``amount`` over ``(bill, late fee, principal)`` in the order given (oldest first); within a
    bill the late fee before the principal (``late_fee_first``) or after it."""
    left, found = amount, []
    for bill, late, principal in owing:
        parts = ((LATE_FEE, late), (PRINCIPAL, principal)) if order == LATE_FEE_FIRST else (
            (PRINCIPAL, principal), (LATE_FEE, late))
        for part, owed in parts:
            take = min(left, owed)
            if take:
                found.append((bill, part, take))
                left -= take
        if not left:
            break
    return found


class Billing:
    def __init__(self, hub: Hub, config: Mapping[str, Any], residents: Residents, books: Books,
                 store: BillingStore) -> None:
        self.hub = hub
        self.residents = residents
        self.books = books
        self.store = store
        self.rounding: str = config["rounding"]
        self.allocation: str = config["allocation"]
        self.rule = LateFeeRule.from_config(config["late_fee"])
        self.items = {conf["id"]: FeeItem.from_config(conf, self.rounding) for conf in config["items"]}
        self.bills: dict[str, Bill] = {}
        self.by_household: dict[str, list[Bill]] = defaultdict(list)  # by (due, id)
        self.open: dict[str, list[Bill]] = {}  # bills still owing, by household
        self.receipts: dict[str, Receipt] = {}
        self.by_payment: dict[str, Receipt] = {}  # the first receipt of each payment id
        self.vacancies: dict[str, list[Vacancy]] = defaultdict(list)
        self.readings: dict[str, Fraction] = {}
        #: Each approved change's first answer by its request id (the dashboard form's): a repeat
        #: of the form is answered, not applied again.
        self.requests: dict[str, dict[str, Any]] = {}
        self._receipt_seq: dict[int, int] = {}
        self._lock = asyncio.Lock()
        self.bank = BankCollection(self)

    # --- loading -------------------------------------------------------------------------------

    def load(self, tables: Mapping[str, list[tuple[str, dict[str, Any]]]]) -> None:
        """Start-up's one read of ``billing.db`` (three years of 10,000 households: 360,000 bills):
        the bills still owing found in one pass over the ledger's balances, not bill by bill."""
        for key, doc in tables["bills"]:
            self._add_bill(Bill.from_doc(key, doc))
        owing = {account.split(":", 1)[1] for account, balance in self.books.ledger.balances().items()
                 if balance and account.startswith((DUE, LATE))}
        for household, bills in self.by_household.items():
            bills.sort(key=_order)
            still = [bill for bill in bills if bill.id in owing]
            if still:
                self.open[household] = still
        for _key, doc in tables["receipts"]:
            self._add_receipt(Receipt.from_doc(doc))
        for key, doc in tables["acts"]:
            if doc.get("kind") == "vacancy":
                self.vacancies[doc["household"]].append(_vacancy(key, doc))
            if doc.get("request_id") is not None:
                self.requests[doc["request_id"]] = {"kind": doc["kind"], "answer": doc["answer"]}
        for key, doc in tables["readings"]:
            self.readings[key] = Fraction(Decimal(doc["quantity"]))
        self.bank.load(tables)

    async def make_good(self) -> int:
        """Bills and receipts the ledger holds but the store lost (a crash between the two
        writes): each rebuilt from its ledger posting, which holds everything the row did."""
        return await self._make_good_bills() + await self._make_good_receipts()

    async def _make_good_bills(self) -> int:
        lost = [account.removeprefix(DUE) for account in self.books.ledger.balances()
                if account.startswith(DUE) and account.removeprefix(DUE) not in self.bills]
        found = []
        for bill_id in lost:  # an account opened for a post that never committed has no posting
            posted = await self.books.ledger.transaction(f"bill:{bill_id}")
            if posted is not None:
                found.append(_posted_bill(posted))
        if found:
            await self._take_bills(found)
            _LOGGER.warning("Billing: %d bills written again from the ledger", len(found))
        return len(found)

    async def _make_good_receipts(self) -> int:
        latest = max((r.time for r in self.receipts.values()), default=None)
        lost = []
        async for posted in self.books.ledger.transactions(kind="billing_payment", start=latest):
            answer = posted.data.get("answer")
            if answer and answer["receipt_no"] not in self.receipts:
                receipt = _receipt(answer, posted.time)
                self._add_receipt(receipt)
                lost.append(receipt)
        if lost:
            await self.store.save_receipts(lost)
            _LOGGER.warning("Billing: %d receipts written again from the ledger", len(lost))
        return len(lost)

    def _add_bill(self, bill: Bill) -> None:
        self.bills[bill.id] = bill
        self.by_household[bill.household].append(bill)

    def _add_receipt(self, receipt: Receipt) -> None:
        self.receipts[receipt.receipt_no] = receipt
        if receipt.reissue_of is None:
            self.by_payment.setdefault(receipt.payment_id, receipt)
        year, seq = receipt.receipt_no[1:].split("-")
        self._receipt_seq[int(year)] = max(self._receipt_seq.get(int(year), 0), int(seq))

    def _refresh(self, household: str, changed: Iterable[Bill] = ()) -> None:
        """``household``'s bills still owing, after money moved: of those owing before and those
        ``changed`` (issued, owing again after a refund or a correction), never all its bills."""
        candidates = {b.id: b for b in self.open.get(household, ())}
        candidates.update((b.id, b) for b in changed)
        owing = sorted((b for b in candidates.values() if self.books.due(b.id) or self.books.late(b.id)), key=_order)
        if owing:
            self.open[household] = owing
        else:
            self.open.pop(household, None)

    # --- reading -------------------------------------------------------------------------------

    def today(self) -> date:
        return self.hub.clock.now().date()

    def late_fee(self, principal_fen: int, days: int) -> LateFee:
        """The site's late fee on ``principal_fen`` overdue ``days`` days (``billing.late_fee``)."""
        return self.rule.charge(principal_fen, days)

    def arrears(self, household: str, today: date | None = None) -> Arrears:
        return arrears_of(household, self.open.get(household, []), self.books, self.rule, today or self.today())

    def arrears_all(self, today: date | None = None) -> dict[str, Arrears]:
        """Every household that owes anything (or holds credit is not listed): one pass over the
        open bills in memory."""
        day = today or self.today()
        return {household: arrears_of(household, bills, self.books, self.rule, day)
                for household, bills in self.open.items()}

    def owed(self, household: str) -> int:
        """Principal and charged late fee still owed (no accruing late fee)."""
        return sum(self.books.due(b.id) + self.books.late(b.id) for b in self.open.get(household, ()))

    def bill(self, bill_id: str) -> Bill:
        bill = self.bills.get(bill_id)
        if bill is None:
            raise ServiceValidationError(f"there is no bill {bill_id}")
        return bill

    async def bills_of(self, household: str) -> list[dict[str, Any]]:
        """``household``'s bills, newest first, each with its lines, what it still owes and its signature."""
        found = []
        today = self.today()
        for bill in reversed(self.by_household.get(household, [])):
            posted = await self.books.ledger.transaction(f"bill:{bill.id}")
            principal = self.books.due(bill.id)
            found.append({
                "bill": bill.id, "period": bill.period, "due": bill.due.isoformat(),
                "extended_to": None if bill.extended_to is None else bill.extended_to.isoformat(),
                "total_fen": bill.total_fen, "lines": [] if posted is None else posted.data.get("lines", []),
                "outstanding_fen": principal, "late_fee_fen": self.books.late(bill.id)
                + accruing(self.rule, bill, principal, today).fen, "signed": bill.signed})
        return found

    def household_known(self, household: str) -> None:
        """Refuse a household residents does not know and billing never billed."""
        if self.residents.household(household) is None and household not in self.by_household:
            raise ServiceValidationError(f"there is no household {household}")

    # --- the period's run ----------------------------------------------------------------------

    def price(self, household: str, first: date) -> tuple[list[Line], date | None, str | None]:
        """The lines of ``household``'s bill for the period starting ``first``, its due date (the
        earliest of its items'), and why an item it should have could not be priced."""
        period = period_text(first)
        found = self.residents.household(household)
        area = None if found is None else found.area_centi_m2
        lines: list[Line] = []
        due: date | None = None
        problem = None
        for item in self.items.values():
            if not item.bills_in(first) or not item.applies_to(household):
                continue
            quantity = item.quantity_of(household, area, self.readings.get(f"{item.id}:{period}:{household}"))
            if quantity is None:
                if item.kind == AREA:
                    problem = f"no floor area on record for {item.name}"
                continue
            priced = item.line(first, quantity)
            if priced is None:
                continue
            lines.append(priced.line)
            due = priced.due if due is None else min(due, priced.due)
            lines.extend(discount(priced.line, v.percent, self.rounding, v.approver, v.reason)
                         for v in self.vacancies.get(household, ()) if v.covers(period, item.id))
        return lines, due, problem

    async def run(self, period: str, context: Context | None = None) -> dict[str, Any]:
        """Bill every household for ``period`` once: ``{"notices", "total_fen", ...}``; households
        already billed for it are counted in ``already_billed`` and get nothing new."""
        first = parse_period(period)
        async with self._lock:
            planned: list[tuple[Bill, list[Line]]] = []
            already, skipped = 0, {}
            for household in sorted(h.id for h in self.residents.households()):
                bill_id = Bill.id_of(period, household)
                if bill_id in self.bills:
                    already += 1
                    continue
                lines, due, problem = self.price(household, first)
                if problem is not None:
                    skipped[household] = problem
                total = sum(line.amount_fen for line in lines)
                if total > 0 and due is not None:
                    planned.append((Bill(bill_id, household, period, due, total), lines))
            fee_notices = FeeNotices.of(self, period, planned, context)  # the figures before the new bills
            posted = await self.books.issue([
                (bill.id, bill.household, lines, {"period": period, "due": bill.due.isoformat(),
                                                  "total_fen": bill.total_fen,
                                                  "lines": [line.as_doc() for line in lines]})
                for bill, lines in planned])
            # A posting that is not new is a bill the ledger took before a crash lost its row: the
            # ledger's first answer is the bill (what was priced then), taken back now.
            issued = [(bill, lines) if post.new else _posted_bill(post)
                      for (bill, lines), post in zip(planned, posted, strict=True)]
            await self._take_bills(issued)
        total = sum(bill.total_fen for bill, _lines in issued)
        _LOGGER.info("Billing run %s: %d bills, %s; %d households already billed; %d could not be priced",
                     period, len(issued), yuan(total), already, len(skipped))
        accepted = None if fee_notices is None else await fee_notices.send(issued)
        self._audit(AUDIT_RUN, context, period=period, notices=len(issued), total_fen=total,
                    notices_accepted=accepted)
        return {"period": period, "notices": len(issued), "total_fen": total, "already_billed": already,
                "skipped": skipped, "notices_accepted": accepted}

    async def _take_bills(self, issued: list[tuple[Bill, list[Line]]]) -> None:
        """Bills the ledger holds into memory and ``billing.db``, each paid by the credit its
        household holds (once: the credit's posting is per bill)."""
        for bill, _lines in issued:
            self.bills[bill.id] = bill
            insort(self.by_household[bill.household], bill, key=_order)
        await self._use_credit([bill for bill, _lines in issued])
        for bill, _lines in issued:
            self._refresh(bill.household, [bill])
        await self.store.save_bills(bill for bill, _lines in issued)

    async def _use_credit(self, bills: list[Bill]) -> None:
        """Credit a household holds pays its new bill first."""
        uses = [(bill, min(self.books.credit(bill.household), bill.total_fen)) for bill in bills]
        await asyncio.gather(*(self.books.use_credit(bill.id, bill.household, fen) for bill, fen in uses if fen > 0))

    async def on_acknowledged(self, event: Event) -> None:
        """``notice_acknowledged`` of a fee notice (ref ``billing:<bill>``): the household's signature."""
        ref = str(event.data.get("ref") or "")
        bill = self.bills.get(ref.removeprefix(NOTICE_REF)) if ref.startswith(NOTICE_REF) else None
        if bill is None or bill.signed is not None:
            return
        bill.signed = {"notice_id": event.data.get("notice_id"), "by": event.data.get("by"),
                       "at": datetime.fromtimestamp(event.time_fired, self.hub.clock.tz).isoformat()}
        await self.store.save_bills([bill])

    # --- payments ------------------------------------------------------------------------------

    async def pay(self, household: str, amount_fen: int, payment_id: str, method: str,
                  context: Context | None = None) -> dict[str, Any]:
        """Apply ``amount_fen`` to ``household``'s bills oldest first, the rest kept as credit;
        ``{"receipt_no", "allocated", "credit_fen", ...}``. A repeated ``payment_id`` returns the
        first answer (``repeat`` true) and moves nothing."""
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise ServiceValidationError(f"amount_fen must be a whole number of fen above 0, got {amount_fen!r}")
        async with self._lock:
            known = await self._payment(payment_id)
            if known is not None:
                return {**_answer(known), "repeat": True}
            self.household_known(household)
            today = self.today()
            owing = list(self.open.get(household, []))
            await self._charge_late(owing, today, f"pay:{payment_id}")
            before = self.owed(household)
            allocations = allocate(amount_fen, ((b.id, self.books.late(b.id), self.books.due(b.id)) for b in owing),
                                   self.allocation)
            credit = amount_fen - sum(fen for _bill, _part, fen in allocations)
            receipt_no = self._next_receipt(today.year)
            allocated: list[dict[str, Any]] = [{"bill": bill, "period": self.bills[bill].period, "part": part, "amount_fen": fen}
                         for bill, part, fen in allocations]
            answer: dict[str, Any] = {"receipt_no": receipt_no, "household": household, "payment_id": payment_id,
                      "amount_fen": amount_fen, "method": method, "allocated": allocated,
                      "credit_fen": self.books.credit(household) + credit}
            posted = await self.books.pay(payment_id, household, method, amount_fen, allocations, credit,
                                          {"answer": answer})
            answer = posted.data["answer"]  # the first answer, were the id ever posted before
            receipt = _receipt(answer, posted.time)
            self._add_receipt(receipt)
            self._refresh(household)
            await self.store.save_receipts([receipt])
            after = self.owed(household)
        _LOGGER.info("Billing: %s paid %s by %s (payment %s, receipt %s): %s; credit %s", household,
                     yuan(amount_fen), method, payment_id, receipt_no,
                     ", ".join(f"{a['bill']} {a['part']} {yuan(a['amount_fen'])}" for a in allocated) or "no bill",
                     yuan(answer["credit_fen"]))
        self._audit(AUDIT_PAID, context, household=household, amount_fen=amount_fen, payment_id=payment_id,
                    receipt_no=receipt_no, method=method)
        self.hub.bus.fire(EVENT_PAYMENT_APPLIED, {k: answer[k] for k in (
            "household", "receipt_no", "amount_fen", "allocated", "credit_fen", "method")}, context=context)
        if before > 0 and after == 0:
            self.hub.bus.fire(EVENT_ARREARS_CLEARED, {"household": household, "paid_fen": amount_fen,
                                                      "receipt_no": receipt_no}, context=context)
        return {**answer, "repeat": False}

    async def _payment(self, payment_id: str) -> Receipt | None:
        known = self.by_payment.get(payment_id)
        if known is not None:
            return known
        posted = await self.books.payment(payment_id)  # the store may have lost the receipt's row
        if posted is None:
            return None
        receipt = _receipt(posted.data["answer"], posted.time)
        self._add_receipt(receipt)
        await self.store.save_receipts([receipt])
        return receipt

    def _next_receipt(self, year: int) -> str:
        """``R<year>-<n>``: numbered from 1 each year, in the order payments are applied."""
        return f"R{year}-{self._receipt_seq.get(year, 0) + 1:06d}"

    async def on_payment_received(self, event: Event) -> None:
        """``payment_received`` of one of billing's orders (purpose ``billing``, reference the household)."""
        data = event.data
        if data.get("purpose") != PURPOSE:
            return
        try:
            await self.pay(str(data.get("reference")), data["amount_fen"], data["payment_id"],
                           data.get("method") or data.get("provider") or "online", event.context)
        except (ServiceValidationError, LedgerRefused) as err:
            _LOGGER.error("Billing: payment %s of order %s pays no household: %s", data.get("payment_id"),
                          data.get("order_id"), err)

    async def _charge_late(self, bills: list[Bill], today: date, occasion: str) -> None:
        """Charge each bill the late fee accrued to ``today`` (so it is on the books before money
        or a waiver moves its principal); accrual restarts from today on what is left."""
        changed = []
        for bill in bills:
            fee = accruing(self.rule, bill, self.books.due(bill.id), today)
            if fee.explanation:
                bill.accrued_to = today
                changed.append(bill)
            if fee.fen:
                posted = await self.books.charge_late(bill.id, occasion, fee.fen, {"why": fee.explanation})
                if posted.new:
                    bill.late_charged_fen += fee.fen
        if changed:
            await self.store.save_bills(changed)

    # --- staff's approved changes --------------------------------------------------------------

    def _act_id(self, prefix: str, request_id: str | None) -> str:
        """An act's id: made from its ``request_id`` when it has one, so a repeat posts (and
        finds) the same ledger id; else the day and a random part."""
        if request_id is not None:
            return f"{prefix}-{request_id}"
        return f"{prefix}-{self.today():%Y%m%d}-{secrets.token_hex(4)}"

    def _repeat(self, request_id: str | None, kind: str) -> dict[str, Any] | None:
        """The first answer to ``request_id`` (``repeat`` true), or None when it is new; a
        request id once used for another kind of act is refused."""
        known = None if request_id is None else self.requests.get(request_id)
        if known is None:
            return None
        if known["kind"] != kind:
            raise ServiceValidationError(f"request_id {request_id} was used for a change of kind {known['kind']}, not {kind}")
        return {**known["answer"], "repeat": True}

    async def _posted_act(self, posting: str, request_id: str | None) -> dict[str, Any] | None:
        """The answer of an act whose ledger posting committed but whose row a crash lost (only
        an act with a request id can be asked again by the same id); its row is written now."""
        if request_id is None:
            return None
        posted = await self.books.ledger.transaction(posting)
        if posted is None:
            return None
        doc = {k: v for k, v in posted.data.items() if k not in ("answer",)}
        await self._record(posting.split(":", 1)[1], doc, posted.data["answer"], request_id)
        return {**posted.data["answer"], "repeat": True}

    async def _record(self, act: str, doc: dict[str, Any], answer: dict[str, Any], request_id: str | None,
                      bills: Iterable[Bill] = (), receipts: Iterable[Receipt] = ()) -> None:
        """The act's row (with its answer and request id) and the rows it changed, in one write."""
        row = {**doc, "answer": answer, "request_id": request_id}
        await self.store.save_act(act, row, bills=bills, receipts=receipts)
        if request_id is not None:
            self.requests[request_id] = {"kind": doc["kind"], "answer": answer}

    async def waive(self, bill_id: str, part: str, amount_fen: int | None, approver: str, reason: str,
                    context: Context | None = None, request_id: str | None = None) -> dict[str, Any]:
        """Let ``bill_id``'s late fee or principal off (all of it, or ``amount_fen``), approved, audited."""
        bill = self.bill(bill_id)
        async with self._lock:
            act = self._act_id("W", request_id)
            known = self._repeat(request_id, "waiver") or await self._posted_act(f"waive:{act}", request_id)
            if known is not None:
                return known
            await self._charge_late([bill], self.today(), f"waive:{act}")
            owed = self.books.late(bill.id) if part == LATE_FEE else self.books.due(bill.id)
            if owed == 0:
                raise ServiceValidationError(f"bill {bill_id} owes no {part.replace('_', ' ')} to waive")
            fen = owed if amount_fen is None else amount_fen
            if fen > owed:
                raise ServiceValidationError(f"bill {bill_id} owes {yuan(owed)} of {part.replace('_', ' ')}; "
                                             f"{yuan(fen)} cannot be waived")
            doc = {"kind": "waiver", "bill": bill_id, "household": bill.household, "part": part, "amount_fen": fen,
                   "approver": approver, "reason": reason, "time": self.hub.clock.time()}
            answer = {"act": act, "bill": bill_id, "part": part, "waived_fen": fen,
                      "outstanding_fen": self.books.due(bill_id) - (fen if part == PRINCIPAL else 0),
                      "late_fee_charged_fen": self.books.late(bill_id) - (fen if part == LATE_FEE else 0)}
            await self.books.waive(act, bill_id, part, fen, {**doc, "answer": answer})
            await self._record(act, doc, answer, request_id)
            self._refresh(bill.household)
        self._audit(AUDIT_WAIVED, context, **doc)
        return {**answer, "repeat": False}

    async def extend(self, bill_id: str, until: date, approver: str, reason: str,
                     context: Context | None = None, request_id: str | None = None) -> dict[str, Any]:
        """Move ``bill_id``'s due date to ``until``: late fee counts from it (what was charged stays)."""
        bill = self.bill(bill_id)
        async with self._lock:
            known = self._repeat(request_id, "extension")
            if known is not None:
                return known
            if until <= bill.effective_due:
                raise ServiceValidationError(f"until ({until}) must be after the bill's due date {bill.effective_due}")
            act = self._act_id("E", request_id)
            doc = {"kind": "extension", "bill": bill_id, "household": bill.household, "from": str(bill.effective_due),
                   "until": until.isoformat(), "approver": approver, "reason": reason, "time": self.hub.clock.time()}
            answer = {"act": act, "bill": bill_id, "due": until.isoformat()}
            bill.extended_to = until
            await self._record(act, doc, answer, request_id, bills=[bill])
        self._audit(AUDIT_EXTENDED, context, **doc)
        return {**answer, "repeat": False}

    async def vacancy(self, household: str, start: str, end: str, percent: Decimal, items: list[str] | None,
                      approver: str, reason: str, context: Context | None = None,
                      request_id: str | None = None) -> dict[str, Any]:
        """A vacant-unit discount on the bills of periods ``start`` to ``end`` not yet issued
        (``items``: the area items by default); an issued bill is changed by a waiver instead."""
        self.household_known(household)
        if end < start:
            raise ServiceValidationError(f"to ({end}) is before from ({start})")
        chosen = tuple(items) if items else tuple(i.id for i in self.items.values() if i.kind == AREA)
        unknown = [item for item in chosen if item not in self.items]
        if unknown or not chosen:
            raise ServiceValidationError(f"no fee item {', '.join(unknown) or 'by area'} (the items: "
                                         f"{', '.join(self.items) or 'none'})")
        async with self._lock:
            known = self._repeat(request_id, "vacancy")
            if known is not None:
                return known
            act = self._act_id("V", request_id)
            doc = {"kind": "vacancy", "household": household, "from": start, "to": end, "percent": str(percent),
                   "items": list(chosen), "approver": approver, "reason": reason, "time": self.hub.clock.time()}
            answer = {"act": act, **{k: doc[k] for k in ("household", "from", "to", "percent", "items")}}
            await self._record(act, doc, answer, request_id)
            self.vacancies[household].append(_vacancy(act, doc))
        self._audit(AUDIT_VACANCY, context, **doc)
        return {**answer, "repeat": False}

    async def correct(self, bill_id: str, item: str, amount_fen: int, approver: str, reason: str,
                      context: Context | None = None, request_id: str | None = None) -> dict[str, Any]:
        """A correction of ``bill_id``: ``amount_fen`` more (or, negative, less) of ``item``, as
        a new entry; the bill as issued stays on the books."""
        bill = self.bill(bill_id)
        if item not in self.items:
            raise ServiceValidationError(f"no fee item {item} (the items: {', '.join(self.items)})")
        async with self._lock:
            act = self._act_id("C", request_id)
            known = self._repeat(request_id, "correction") or await self._posted_act(f"correct:{act}", request_id)
            if known is not None:
                return known
            await self._charge_late([bill], self.today(), f"correct:{act}")
            if -amount_fen > self.books.due(bill_id):
                raise ServiceValidationError(f"bill {bill_id} owes {yuan(self.books.due(bill_id))}; it cannot be "
                                             f"reduced by {yuan(-amount_fen)} (refund a payment first)")
            doc = {"kind": "correction", "bill": bill_id, "household": bill.household, "item": item,
                   "amount_fen": amount_fen, "approver": approver, "reason": reason, "time": self.hub.clock.time()}
            answer = {"act": act, "bill": bill_id, "amount_fen": amount_fen,
                      "outstanding_fen": self.books.due(bill_id) + amount_fen}
            await self.books.correct(act, bill_id, item, amount_fen, {**doc, "answer": answer})
            await self._record(act, doc, answer, request_id)
            self._refresh(bill.household, [bill])
        self._audit(AUDIT_CORRECTED, context, **doc)
        return {**answer, "repeat": False}

    async def refund(self, payment_id: str, approver: str, reason: str,
                     context: Context | None = None, request_id: str | None = None) -> dict[str, Any]:
        """Reverse a payment: its money back, its bills owing again; its receipt stays, marked refunded."""
        async with self._lock:
            known = self._repeat(request_id, "refund")
            if known is not None:
                return known
            receipt = await self._payment(payment_id)
            if receipt is None:
                raise ServiceValidationError(f"there is no payment {payment_id}")
            if receipt.refunded is not None:
                raise ServiceValidationError(f"payment {payment_id} is already reversed (refunded: "
                                             f"{receipt.refunded['reason']})")
            kept = receipt.amount_fen - sum(a["amount_fen"] for a in receipt.allocated)
            if kept > self.books.credit(receipt.household):
                raise ServiceValidationError(
                    f"payment {payment_id} left {yuan(kept)} of credit, and {receipt.household} holds only "
                    f"{yuan(self.books.credit(receipt.household))} now: the credit paid a later bill; correct that "
                    f"bill first")
            doc = {"kind": "refund", "payment_id": payment_id, "receipt_no": receipt.receipt_no,
                   "household": receipt.household, "amount_fen": receipt.amount_fen, "approver": approver,
                   "reason": reason, "time": self.hub.clock.time()}
            try:
                await self.books.refund(payment_id, doc)
            except LedgerRefused as err:
                raise ServiceValidationError(str(err)) from None
            receipt.refunded = {k: doc[k] for k in ("approver", "reason", "time")}
            answer = {"payment_id": payment_id, "receipt_no": receipt.receipt_no, "refunded_fen": receipt.amount_fen}
            await self._record(f"refund:{payment_id}", doc, answer, request_id, receipts=[receipt])
            self._refresh(receipt.household, [self.bills[a["bill"]] for a in receipt.allocated
                                              if a["bill"] in self.bills])
        self._audit(AUDIT_REFUNDED, context, **doc)
        return {**answer, "repeat": False}

    async def reissue(self, receipt_no: str, approver: str, reason: str,
                      context: Context | None = None, request_id: str | None = None) -> dict[str, Any]:
        """A new receipt for a payment (a lost paper, a misprint): a new number naming the
        original; the original stays valid and names the new one. No money moves."""
        async with self._lock:
            known = self._repeat(request_id, "reissue")
            if known is not None:
                return known
            original = self.receipts.get(receipt_no)
            if original is None:
                raise ServiceValidationError(f"there is no receipt {receipt_no}")
            new_no = self._next_receipt(self.today().year)
            copy = Receipt(new_no, original.household, original.payment_id, original.amount_fen, original.method,
                           original.allocated, original.credit_fen, self.hub.clock.time(), reissue_of=receipt_no)
            original.reissued_as.append(new_no)
            self._add_receipt(copy)
            doc = {"kind": "reissue", "receipt_no": receipt_no, "new_receipt_no": new_no, "approver": approver,
                   "reason": reason, "time": self.hub.clock.time()}
            answer = {"receipt_no": new_no, "reissue_of": receipt_no, "payment_id": original.payment_id}
            await self._record(self._act_id("RI", request_id), doc, answer, request_id, receipts=[original, copy])
        self._audit(AUDIT_REISSUED, context, receipt_no=receipt_no, new_receipt_no=new_no, approver=approver,
                    reason=reason)
        return {**answer, "repeat": False}

    async def record_reading(self, household: str, item: str, period: str, quantity: str) -> dict[str, Any]:
        """A usage item's quantity for ``household`` in ``period`` (a meter's reading, services counted)."""
        self.household_known(household)
        fee = self.items.get(item)
        if fee is None or fee.kind != USAGE:
            raise ServiceValidationError(f"{item} is not a usage item (usage items: "
                                         f"{', '.join(i.id for i in self.items.values() if i.kind == USAGE) or 'none'})")
        if Bill.id_of(period, household) in self.bills:
            raise ServiceValidationError(f"{household} is already billed for {period}; correct the bill instead")
        key = f"{item}:{period}:{household}"
        await self.store.save_reading(key, {"quantity": quantity})
        self.readings[key] = Fraction(Decimal(quantity))
        return {"household": household, "item": item, "period": period, "quantity": quantity}

    def _audit(self, act: str, context: Context | None, **details: Any) -> None:
        try:
            auth = get_auth(self.hub)
        except HubError:
            return  # no auth on this hub: nobody to audit for
        auth.record(act, context, **details)


def _answer(receipt: Receipt) -> dict[str, Any]:
    return {"receipt_no": receipt.receipt_no, "household": receipt.household, "payment_id": receipt.payment_id,
            "amount_fen": receipt.amount_fen, "method": receipt.method, "allocated": receipt.allocated,
            "credit_fen": receipt.credit_fen}


def _receipt(answer: Mapping[str, Any], when: float) -> Receipt:
    return Receipt(answer["receipt_no"], answer["household"], answer["payment_id"], answer["amount_fen"],
                   answer["method"], list(answer["allocated"]), answer["credit_fen"], when)


def _order(bill: Bill) -> tuple[date, str]:
    """A household's bills in the order payments settle them: oldest due date first."""
    return bill.due, bill.id


def _posted_bill(posted: Transaction) -> tuple[Bill, list[Line]]:
    """A bill and its lines from its ledger posting (``bill:<bill>``, whose data holds them)."""
    data = posted.data
    bill = Bill(posted.id.removeprefix("bill:"), data["household"], data["period"], date.fromisoformat(data["due"]),
                data["total_fen"])
    return bill, [Line(line["item"], line["name"], line["amount_fen"], line["why"]) for line in data["lines"]]


def _vacancy(act: str, doc: Mapping[str, Any]) -> Vacancy:
    return Vacancy(act, doc["household"], doc["from"], doc["to"], Decimal(doc["percent"]), tuple(doc["items"]),
                   doc["approver"], doc["reason"])
