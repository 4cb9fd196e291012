"""Payments: the providers, the orders, and taking a provider's notice of a payment once.

:func:`~xiaoqu.integrations.payments.get_payments` gives the hub's :class:`Payments`.
Another integration (parking's exit, a bill) makes an order with :meth:`Payments.create_order`
and listens for ``payment_received``; the provider's notify callback reaches
:meth:`Payments.take` through :mod:`.notify`.

**Once.** A notice is taken under one lock, in arrival order (WeChat Pay: "handle duplicate
notifies under a lock"). It pays its order only when the order exists, belongs to that
provider, is not paid yet and asks exactly the amount paid; the ledger posting ``order:<id>``
is then made (durable before the provider hears "taken"), the order row marked paid and
``payment_received`` fired. A repeat of the same transaction — a retry, a replay, two
notifies a second apart — finds the order already paid by it and changes nothing. Any other
payment (the wrong amount, an unknown or already-paid order) is money that came and paid
nothing: it goes to the provider's suspense account once per provider transaction, is kept
as a flag for staff, audited and fired as ``payment_flagged``.

**After a crash.** The event follows the ledger posting and the order row. Should the hub
stop between the posting and the row (a power cut can also undo the row's last commit,
never the ledger's), the order is found pending with its posting on the ledger at the next
start, marked paid, and ``payment_received`` fired then: once in a hub's life, at least once
across a power cut, which is why its listeners are idempotent by ``payment_id`` (as
``parking.pay`` is).
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.masking import masked
from xiaoqu.core.money import yuan
from xiaoqu.core.validation import humanize_error, vol

from .books import Books, unmatched_transaction
from .const import (
    AUDIT_FLAGGED,
    DOMAIN,
    EVENT_PAYMENT_FLAGGED,
    EVENT_PAYMENT_RECEIVED,
    PAID,
    PENDING,
)
from .errors import PaymentError
from .models import Flag, Order
from .orderbook import OrderBook
from .provider import PROVIDER_NAME, Notice, PaymentProvider
from .schema import ORDER_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: What :meth:`Payments.take` did with a notice.
TAKEN: Final = "paid"
REPEAT: Final = "repeat"
FLAGGED: Final = "flagged"
IGNORED: Final = "ignored"


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of a notice, and why, for the log and the answer."""

    outcome: str
    reason: str


class Payments:
    """The providers registered, the order book and the ledger; see the module docstring."""

    def __init__(self, hub: Hub, book: OrderBook, books: Books, config: dict[str, Any]) -> None:
        self.hub = hub
        self.book = book
        self.books = books
        self.default_provider: str | None = config.get("default_provider")
        self.providers: dict[str, PaymentProvider] = {}
        self._lock = asyncio.Lock()
        self._creating: set[str] = set()

    # Providers.

    def register(self, provider: PaymentProvider) -> Callable[[], None]:
        """Add ``provider`` (its notify callback is served at once); returns what removes it."""
        name = getattr(provider, "name", None)
        if not isinstance(name, str) or not PROVIDER_NAME.match(name):
            raise PaymentError(f"a provider's name is a slug of 1 to 32 characters, not {name!r}")
        if name in self.providers:
            raise PaymentError(f"payment provider {name} is already registered")
        self.providers[name] = provider
        _LOGGER.info("Payment provider %s (%s) registered", name, provider.method)

        def unregister() -> None:
            if self.providers.get(name) is provider:
                del self.providers[name]

        return unregister

    def provider(self, name: str | None = None) -> PaymentProvider:
        """The provider ``name``, else the configured default, else the only one registered."""
        chosen = name or self.default_provider
        if chosen is None and len(self.providers) == 1:
            return next(iter(self.providers.values()))
        if chosen is None or chosen not in self.providers:
            known = ", ".join(sorted(self.providers)) or "none is registered"
            what = f"no payment provider {chosen}" if chosen else "which payment provider? Name one"
            raise PaymentError(f"{what} (providers: {known})")
        return self.providers[chosen]

    # Orders.

    async def create_order(self, order_id: str, amount_fen: int, description: str, *, purpose: str,
                           reference: str, provider: str | None = None) -> Order:
        """An order of ``amount_fen`` at the provider, with its pay URL and QR payload.

        The same ``order_id`` asked again with the same amount, purpose and reference answers
        the order already made (a caller's retry); with anything else it is refused
        (:class:`PaymentError`): make a new order for a new amount.
        """
        data = _checked({"order_id": order_id, "amount_fen": amount_fen, "description": description,
                         "purpose": purpose, "reference": reference, "provider": provider})
        known = self.book.order(data["order_id"])
        if known is not None:
            return _same_order(known, data)
        if data["order_id"] in self._creating:
            raise PaymentError(f"order {data['order_id']} is being made; ask again in a moment")
        chosen = self.provider(data.get("provider"))
        order = Order(data["order_id"], chosen.name, chosen.method, data["amount_fen"], data["description"],
                      data["purpose"], data["reference"], self.hub.clock.time())
        self._creating.add(order.order_id)
        try:
            checkout = await chosen.checkout(order)
            order.pay_url, order.qr = checkout.pay_url, checkout.qr
            await self.book.save(order)
        finally:
            self._creating.discard(order.order_id)
        _LOGGER.info("Order %s: %s for %s %s (%s) through %s", order.order_id, yuan(order.amount_fen),
                     order.purpose, order.reference, masked(order.description), order.provider)
        return order

    def order(self, order_id: str) -> Order | None:
        return self.book.order(order_id)

    @staticmethod
    def new_order_id() -> str:
        """An order id nobody can guess or collide with: ``XQ`` and 20 hex digits."""
        return f"XQ{secrets.token_hex(10)}"

    # Notices.

    async def take(self, provider: PaymentProvider, notice: Notice, context: Context,
                   ip: str | None = None) -> Taken:
        """Take a verified notice once (``ip``: where the notify came from, for the audit log);
        see the module docstring."""
        if not notice.paid:
            return Taken(IGNORED, f"{notice.state}: no payment")
        async with self._lock:
            order = self.book.order(notice.order_id)
            if order is not None and order.payment_id == notice.payment_id:
                return Taken(REPEAT, f"order {order.order_id} is already paid by this payment")
            if self.book.flag_of(unmatched_transaction(provider.name, notice.payment_id)) is not None:
                return Taken(REPEAT, f"payment {notice.payment_id} is already flagged")
            problem = _problem(provider, order, notice)
            if problem is None:
                assert order is not None
                return await self._settle(provider, order, notice, context, ip)
            return await self._flag(provider, order, notice, problem, context, ip)

    async def _settle(self, provider: PaymentProvider, order: Order, notice: Notice, context: Context,
                      ip: str | None) -> Taken:
        posted = await self.books.settle(order.order_id, order.provider, order.purpose, notice.amount_fen,
                                         {"order_id": order.order_id, "payment_id": notice.payment_id,
                                          "method": order.method, "reference": order.reference,
                                          "notify_id": notice.notify_id})
        paid_by = posted.data.get("payment_id")
        if not posted.new and paid_by != notice.payment_id:  # the row said pending: a crash lost it
            return await self._flag(provider, order, notice, f"order {order.order_id} is already paid by {paid_by}",
                                    context, ip)
        await self._mark_paid(order, str(paid_by), posted.time, context)
        return Taken(TAKEN, f"order {order.order_id} paid {yuan(notice.amount_fen)}")

    async def _mark_paid(self, order: Order, payment_id: str, when: float, context: Context) -> None:
        """Write the order paid, then announce it; the order in memory changes only once the row
        is written, so a write that fails leaves it pending for the provider's retry."""
        paid = replace(order, status=PAID, payment_id=payment_id, paid_at=when)
        await self.book.save(paid)
        _LOGGER.info("Order %s paid %s by %s (%s)", paid.order_id, yuan(paid.amount_fen), paid.provider, payment_id)
        self.hub.bus.fire(EVENT_PAYMENT_RECEIVED, {
            "order_id": paid.order_id, "payment_id": payment_id, "amount_fen": paid.amount_fen,
            "method": paid.method, "provider": paid.provider, "purpose": paid.purpose, "reference": paid.reference,
        }, context=context)

    async def _flag(self, provider: PaymentProvider, order: Order | None, notice: Notice, reason: str,
                    context: Context, ip: str | None) -> Taken:
        """Keep money that paid no order for staff: on the ledger's suspense account, as a flag."""
        key = unmatched_transaction(provider.name, notice.payment_id)
        if notice.amount_fen > 0:
            posted = await self.books.suspend(provider.name, notice.payment_id, notice.amount_fen,
                                              {"order_id": notice.order_id, "reason": reason,
                                               "notify_id": notice.notify_id})
            if not posted.new:
                return Taken(REPEAT, f"payment {notice.payment_id} is already flagged")
        flag = Flag(key, provider.name, notice.payment_id, notice.order_id, notice.amount_fen,
                    None if order is None else order.amount_fen, reason, self.hub.clock.time())
        await self.book.flag(flag)
        _LOGGER.warning("Payment %s of %s through %s flagged for staff: %s", notice.payment_id,
                        yuan(notice.amount_fen), provider.name, reason)
        get_access(self.hub).manager.audit.record(AUDIT_FLAGGED, Actor(context.source or DOMAIN, ip=ip),
                                                  **flag.as_doc())
        self.hub.bus.fire(EVENT_PAYMENT_FLAGGED, flag.as_doc(), context=context)
        return Taken(FLAGGED, reason)

    # Start-up.

    async def reconcile(self) -> int:
        """Mark paid (and announce) the pending orders whose payment the ledger holds: their
        row was lost to a crash between the posting and the row. Returns how many."""
        pending = {order.order_id: order for order in self.book.orders(status=PENDING)}
        if not pending:
            return 0
        found = 0
        since = min(order.created for order in pending.values())
        async for transaction in self.books.payments(since):
            order = pending.get(str(transaction.data.get("order_id")))
            if order is not None:
                del pending[order.order_id]
                await self._mark_paid(order, str(transaction.data.get("payment_id")), transaction.time,
                                      Context(source=DOMAIN))
                found += 1
        if found:
            _LOGGER.warning("%d orders paid before the hub stopped were marked paid now", found)
        return found


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    try:
        checked: dict[str, Any] = ORDER_SCHEMA(data)
    except vol.Invalid as err:
        raise PaymentError(f"order: {humanize_error(data, err)}") from None
    return checked


def _same_order(known: Order, data: dict[str, Any]) -> Order:
    """The order already made under this id, if it is the same order."""
    asked = (data["amount_fen"], data["purpose"], data["reference"])
    if asked != (known.amount_fen, known.purpose, known.reference):
        raise PaymentError(
            f"order {known.order_id} exists for {yuan(known.amount_fen)} ({known.purpose} {known.reference}); "
            f"a new amount or purpose needs a new order id"
        )
    return known


def _problem(provider: PaymentProvider, order: Order | None, notice: Notice) -> str | None:
    """Why a payment cannot pay its order, or None when it pays it."""
    if order is None:
        return f"there is no order {notice.order_id}"
    if order.provider != provider.name:
        return f"order {order.order_id} is to be paid through {order.provider}, not {provider.name}"
    if order.paid:
        return f"order {order.order_id} is already paid by {order.payment_id}"
    if notice.amount_fen != order.amount_fen:
        return (f"amount mismatch: paid {yuan(notice.amount_fen)}, order {order.order_id} is for "
                f"{yuan(order.amount_fen)}")
    return None
