"""POS terminals in the canteen and the shop: ``pos/<id>/charge`` → ``pos/<id>/result``.

A charge goes through, in order, and the first that refuses answers with its reason and rule:

1. the terminal must be configured (``cards: pos: terminals``), else refused, counted and
   logged once a minute per terminal (its id is the sender's);
2. the charge's transaction id is ``pos:<terminal>:<request_id>``: a request already applied
   gets its first answer again, and one in flight waits for it;
3. the card: known, active (not lost, not retired), valid now, serving consumption;
4. the price: the list amount less the card class's discount (:mod:`.pricing`);
5. the limits: the meal period's and the day's for the card class (:mod:`.meals`), the
   amount reserved before the ledger decides;
6. the ledger posts card → ``sales:<terminal>``; its floor refuses an overdraw with the
   figures. The terminal hears "ok" only once the ledger committed.

Offline uploads (:mod:`.offline_charges`) take the same path from step 2 with their original
time, skip the limits (the meal was served), and are flagged instead of refused. Each
decision fires ``cards_charged`` or ``cards_declined`` (an upload's flag
``cards_offline_overdraw`` or ``cards_offline_flagged``).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.ledger import BelowFloor, Transaction, UnknownAccount
from xiaoqu.core.masking import mask_card
from xiaoqu.core.money import yuan
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.integrations.mqtt.device_protocol import device_time

from .const import ACTIVE, CHARGE, SALES_ACCOUNT
from .errors import CardError
from .meals import Spending, period_at
from .offline_charges import METHOD_WAIVE, OPEN, SETTLED, WAIVED, FlaggedCharge, FlaggedCharges
from .pos_config import CANTEEN
from .pricing import discounted

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations import mqtt
    from xiaoqu.integrations.mqtt.models import Rejections

    from .cards import Cards
    from .history import Who
    from .models import Card
    from .pos_config import PosConfig, Terminal

_LOGGER = logging.getLogger(__name__)

EVENT_CHARGED: Final = "cards_charged"
EVENT_DECLINED: Final = "cards_declined"
EVENT_OFFLINE_OVERDRAW: Final = "cards_offline_overdraw"
EVENT_OFFLINE_FLAGGED: Final = "cards_offline_flagged"

RULE_CHARGED: Final = "pos:charged"
RULE_TERMINAL: Final = "pos:terminal_not_configured"
RULE_UNKNOWN_CARD: Final = "pos:unknown_card"
#: + the card's status (pos:card_lost, pos:card_retired), or ``refused`` for an active card that
#: may not pay now (expired, not yet valid, not for consumption).
RULE_CARD: Final = "pos:card_"
RULE_LIMIT: Final = "pos:limit:"  # + the meal period or daily
RULE_BALANCE: Final = "pos:balance"
RULE_OFFLINE_FLAGGED: Final = "pos:offline_flagged"
NOT_CONFIGURED: Final = "not_configured"
#: pos_result.json's longest reason.
MAX_REASON: Final = 200
_MAX_UNKNOWN_LOGGED: Final = 1_000


@dataclass(frozen=True, slots=True)
class Sale:
    """One request to charge a card: at a terminal, for a list amount, at a moment."""

    terminal: Terminal
    request_id: str
    card: str  # as the terminal sent it
    amount_fen: int  # the list price
    at: float  # when it was sold: now, or an upload's original ts
    offline: bool = False

    @property
    def transaction_id(self) -> str:
        return f"pos:{self.terminal.id}:{self.request_id}"


class Declined(Exception):
    """A charge refused before the ledger: the sentence and its rule."""

    def __init__(self, reason: str, rule: str) -> None:
        super().__init__(reason)
        self.rule = rule


class Pos:
    """Every configured terminal's charges and uploads for one hub."""

    def __init__(self, hub: Hub, config: PosConfig, cards: Cards, flagged: FlaggedCharges,
                 rejections: Rejections) -> None:
        self.hub = hub
        self.config = config
        self.cards = cards
        self.ledger = cards.wallet.ledger
        self.flagged = flagged
        self.spending = Spending()
        self.unconfigured = 0
        self._rejections = rejections
        self._inflight: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self._log = RateLimitedLog(_LOGGER, hub.clock.time, max_keys=_MAX_UNKNOWN_LOGGED)

    async def start(self) -> None:
        """Open each terminal's sales account and count today's charges against the limits."""
        for terminal in self.config.terminals:
            await self.cards.wallet.external(SALES_ACCOUNT, terminal)
        today = self._day(self.hub.clock.time())
        midnight = datetime.combine(today, datetime.min.time(), self.hub.clock.tz).timestamp()
        async for transaction in self.ledger.transactions(CHARGE, start=midnight):
            data = transaction.data
            if "list_fen" in data:  # a POS charge (the kind is shared)
                self.spending.reserve(data["card"], self._day(transaction.time), data["period"], data["amount_fen"])

    # The device protocol's handlers.

    async def on_charge(self, message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
        """``pos/<id>/charge``: a sale now, or (``offline: true``) an upload of one."""
        terminal = self._terminal(message.device_id)
        if terminal is None:
            reply(self._unconfigured(message.device_id))
            return
        payload = message.payload
        if payload.get("offline") is True:
            sale = Sale(terminal, payload["request_id"], payload["card"], payload["amount"],
                        device_time(payload["ts"]), offline=True)
            reply((await self.upload([sale]))[0])
            return
        reply(await self.charge(Sale(terminal, payload["request_id"], payload["card"], payload["amount"],
                                     self.hub.clock.time())))

    async def on_upload(self, message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
        """``pos/<id>/upload``: the charges a terminal made offline, answered together."""
        terminal = self._terminal(message.device_id)
        if terminal is None:
            reply(self._unconfigured(message.device_id))
            return
        sales = [Sale(terminal, item["request_id"], item["card"], item["amount"], device_time(item["ts"]), offline=True)
                 for item in message.payload["charges"]]
        answers = await self.upload(sales)
        uploaded = [{"request_id": sale.request_id, **answer} for sale, answer in zip(sales, answers, strict=True)]
        reply({"ok": all(answer["ok"] for answer in answers), "accepted": True, "uploaded": uploaded})

    # Deciding.

    async def charge(self, sale: Sale) -> dict[str, Any]:
        """Decide ``sale`` now; the answer the terminal gets (pos_result.json's keys)."""
        return await self._once(sale, self._decide)

    async def upload(self, sales: list[Sale]) -> list[dict[str, Any]]:
        """Apply offline ``sales`` in the order they were made; their answers in the order given."""
        answers: dict[str, dict[str, Any]] = {}
        for sale in sorted(sales, key=lambda sale: (sale.at, sale.request_id)):
            answers[sale.transaction_id] = await self._once(sale, self._decide_offline)
        return [answers[sale.transaction_id] for sale in sales]

    async def _once(self, sale: Sale, decide: Callable[[Sale], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
        """One decision per transaction id at a time: a repeat in flight waits for the first."""
        key = sale.transaction_id
        task = self._inflight.get(key)
        if task is None:
            task = self._inflight[key] = self.hub.create_task(decide(sale), name=f"pos {key}")
            task.add_done_callback(lambda _task: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _decide(self, sale: Sale) -> dict[str, Any]:
        card: Card | None = None
        try:
            card = self._card(sale)
            price, percent = self._price(card, sale)
            period = self._period(sale)
            day = self._day(sale.at)
            over = self.spending.check(self.config.limits.get(card.card_class, {}), card.uid, day, period, price)
            if over is not None:
                raise Declined(f"declined: {over}", f"{RULE_LIMIT}{over.limit}")
        except Declined as declined:
            known = await self.ledger.transaction(sale.transaction_id)
            return self._charged(known) if known is not None else self._declined(sale, card, declined)
        self.spending.reserve(card.uid, day, period, price)
        try:
            answer, new = await self._post(sale, card, price, percent, period)
        except Declined as declined:
            self.spending.release(card.uid, day, period, price)
            return self._declined(sale, card, declined)
        except BaseException:
            self.spending.release(card.uid, day, period, price)
            raise
        if not new:
            self.spending.release(card.uid, day, period, price)
        return answer

    async def _decide_offline(self, sale: Sale) -> dict[str, Any]:
        """An upload: charged when the card can pay now, else flagged; never refused."""
        flagged = self.flagged.get(sale.transaction_id)
        if flagged is not None:
            return _flagged_answer(flagged)
        card: Card | None = None
        try:
            card = self._card(sale)
            price, percent = self._price(card, sale)
            period = self._period(sale)
            answer, new = await self._post(sale, card, price, percent, period)
        except Declined as declined:
            known = await self.ledger.transaction(sale.transaction_id)
            if known is not None:
                return self._charged(known)
            return await self._flag(sale, card, declined)
        if new:
            self.spending.reserve(card.uid, self._day(sale.at), period, price)
        return answer

    def _card(self, sale: Sale) -> Card:
        """The sale's card if it may pay at a POS; else :class:`Declined` saying why."""
        try:
            card = self.cards.card(sale.card)
        except CardError:
            raise Declined(f"declined: card {mask_card(sale.card)} is not a card of this estate", RULE_UNKNOWN_CARD) from None
        refusal = self.cards.refusal(card, sale.at)
        if refusal is not None:
            raise Declined(f"declined: {refusal}", RULE_CARD + (card.status if card.status != ACTIVE else "refused"))
        return card

    def _price(self, card: Card, sale: Sale) -> tuple[int, int]:
        """What the card pays and the discount percent behind it."""
        percent = self.config.discounts.get(card.card_class, 0) if sale.terminal.discount else 0
        return discounted(sale.amount_fen, percent), percent

    def _period(self, sale: Sale) -> str | None:
        """The meal period a canteen sale falls in; a shop's sales count to the day only."""
        if sale.terminal.kind != CANTEEN:
            return None
        return period_at(self.config.periods, datetime.fromtimestamp(sale.at, self.hub.clock.tz))

    def _day(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.hub.clock.tz).date()

    async def _post(self, sale: Sale, card: Card, price: int, percent: int, period: str | None) -> tuple[dict[str, Any], bool]:
        """Card → sales in the ledger: the answer and whether this call applied it. Answered
        only once committed; an overdraw is :class:`Declined` with the figures."""
        data = {"terminal": sale.terminal.id, "request_id": sale.request_id, "card": card.uid, "holder": card.holder,
                "list_fen": sale.amount_fen, "amount_fen": price, "discount_percent": percent, "period": period,
                "card_class": card.card_class, "offline": sale.offline}
        legs = [(card.account, -price), (f"{SALES_ACCOUNT}{sale.terminal.id}", price)]
        try:
            posted = await self.ledger.post(sale.transaction_id, CHARGE, legs, data=data, time=sale.at)
        except (BelowFloor, UnknownAccount):  # a sheet card never recharged has no account yet: ¥0.00
            balance = self._balance(card)
            raise Declined(f"declined: balance {yuan(balance)}, {yuan(price)} asked", RULE_BALANCE) from None
        answer = self._charged(posted)
        if posted.new:
            self.cards.balance_moved(card, answer["balance_fen"] + price, answer["balance_fen"])
            self.hub.bus.fire(EVENT_CHARGED, {**_event(answer, sale, card), "holder": card.holder,
                                              "list_fen": sale.amount_fen, "period": period})
        return answer, posted.new

    def _balance(self, card: Card) -> int:
        return self.cards.wallet.balance(card.uid)

    def _charged(self, posted: Transaction) -> dict[str, Any]:
        """The answer to a charge the ledger holds: the same for its first post and every repeat."""
        data = posted.data
        balance = posted.balances[f"card:{data['card']}"]
        answer = {"ok": True, "balance_fen": balance, "balance": balance, "amount_fen": data["amount_fen"],
                  "transaction_id": posted.id, "reason": _charged_reason(data), "rule": RULE_CHARGED}
        if data.get("offline"):
            answer.update(offline=True, accepted=True)
        return answer

    def _declined(self, sale: Sale, card: Card | None, declined: Declined) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": False, "reason": str(declined)[:MAX_REASON], "rule": declined.rule,
                                  "transaction_id": sale.transaction_id}
        if card is not None and card.status == ACTIVE:
            answer["balance_fen"] = self._balance(card)
        self.hub.bus.fire(EVENT_DECLINED, _event(answer, sale, card))
        return answer

    async def _flag(self, sale: Sale, card: Card | None, declined: Declined) -> dict[str, Any]:
        price, _percent = self._price(card, sale) if card is not None else (sale.amount_fen, 0)
        reason = str(declined).removeprefix("declined: ")
        charge = FlaggedCharge(sale.transaction_id, sale.terminal.id, sale.request_id,
                               card.uid if card is not None else sale.card, price, sale.amount_fen, sale.at,
                               reason, declined.rule, self.hub.clock.time())
        await self.flagged.flag(charge)
        answer = _flagged_answer(charge)
        event = EVENT_OFFLINE_OVERDRAW if declined.rule == RULE_BALANCE else EVENT_OFFLINE_FLAGGED
        self.hub.bus.fire(event, {**_event(answer, sale, card), "amount_fen": price, "why": declined.rule,
                                  "holder": None if card is None else card.holder, "ts": sale.at})
        self._log.warning(("flagged", sale.terminal.id), "Offline charge %s flagged for the office: %s",
                          sale.transaction_id, reason)
        return answer

    def _unconfigured(self, device_id: str) -> dict[str, Any]:
        """Count and log (once a minute per terminal) a message from a terminal not configured."""
        self.unconfigured += 1
        self._rejections.add(f"pos/{device_id}", NOT_CONFIGURED)
        reason = f"POS terminal {device_id} is not configured"
        self._log.warning(("pos", device_id), "%s (add it to cards: pos: terminals: in config.yaml)", reason)
        return {"ok": False, "reason": reason, "rule": RULE_TERMINAL}

    def _terminal(self, device_id: str) -> Terminal | None:
        return self.config.terminals.get(device_id)

    # The office's side of the flagged uploads.

    def unsettled(self, uid: str) -> str | None:
        """Why card ``uid`` cannot be returned yet: its open flagged offline charges, or None."""
        open_charges = self.flagged.unsettled(uid)
        if not open_charges:
            return None
        owed = sum(charge.amount_fen for charge in open_charges)
        return (f"card {mask_card(uid)} has {len(open_charges)} unsettled offline charge(s), {yuan(owed)} in all "
                f"({', '.join(charge.transaction_id for charge in open_charges[:3])}); settle them first")

    async def settle(self, transaction_id: str, method: str, note: str | None, who: Who) -> dict[str, Any]:
        """Close a flagged offline charge: ``card`` charges it to the card now (after a
        recharge), ``waive`` lets it go with a reason; in the card's history either way.
        :class:`CardError` saying why not."""
        charge = self.flagged.get(transaction_id)
        if charge is None or charge.status != OPEN:
            state = "no flagged offline charge" if charge is None else f"already {charge.status}"
            raise CardError(f"{transaction_id}: {state}")
        now = self.hub.clock.time()
        answer: dict[str, Any] = {"transaction_id": transaction_id, "card": charge.card, "amount_fen": charge.amount_fen}
        if method == METHOD_WAIVE:
            if not note:
                raise CardError(f"{transaction_id}: waiving a charge needs a reason")
            await self.flagged.close_charge(charge, WAIVED, now, who.by, note)
            answer["status"] = WAIVED
        else:
            answer.update(status=SETTLED, balance_fen=await self._charge_flagged(charge))
            await self.flagged.close_charge(charge, SETTLED, now, who.by, note)
        self.cards.history.act(charge.card, f"offline_{answer['status']}", who, transaction_id=transaction_id,
                               amount_fen=charge.amount_fen, reason=note)
        return answer

    async def _charge_flagged(self, charge: FlaggedCharge) -> int:
        """Post a flagged charge to its card now, at the time of the sale; the balance after."""
        card = self.cards.registry.get(charge.card)
        if card is None:
            raise CardError(f"{charge.transaction_id}: card {mask_card(charge.card)} is not a card of this estate; waive it")
        legs = [(card.account, -charge.amount_fen), (f"{SALES_ACCOUNT}{charge.terminal}", charge.amount_fen)]
        data = {"terminal": charge.terminal, "request_id": charge.request_id, "card": card.uid, "holder": card.holder,
                "list_fen": charge.list_fen, "amount_fen": charge.amount_fen, "discount_percent": 0, "period": None,
                "card_class": card.card_class, "offline": True}
        try:
            posted = await self.ledger.post(charge.transaction_id, CHARGE, legs, data=data, time=charge.ts)
        except (BelowFloor, UnknownAccount):
            raise CardError(f"{charge.transaction_id}: card {mask_card(card.uid)} has {yuan(self._balance(card))}, "
                            f"{yuan(charge.amount_fen)} owed; recharge it first") from None
        return posted.balances[card.account]

def _event(answer: dict[str, Any], sale: Sale, card: Card | None) -> dict[str, Any]:
    return {"terminal": sale.terminal.id, "request_id": sale.request_id,
            "card": mask_card(card.uid if card is not None else sale.card), **answer}


def _flagged_answer(charge: FlaggedCharge) -> dict[str, Any]:
    """An upload the hub holds for the office: accepted (do not send it again), not charged."""
    return {"ok": False, "accepted": True, "offline": True, "transaction_id": charge.transaction_id,
            "reason": f"flagged for the office: {charge.reason}"[:MAX_REASON], "rule": RULE_OFFLINE_FLAGGED}


def _charged_reason(data: dict[str, Any]) -> str:
    """``charged ¥24.00 (lunch; staff 20% off ¥30.00)``."""
    notes = [data["period"]] if data.get("period") else []
    if data.get("discount_percent"):
        notes.append(f"{data['card_class']} {data['discount_percent']}% off {yuan(data['list_fen'])}")
    if data.get("offline"):
        notes.append("offline")
    return f"charged {yuan(data['amount_fen'])}" + (f" ({'; '.join(notes)})" if notes else "")
