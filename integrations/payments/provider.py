"""What a payment provider is to the hub: the interface every provider plugin implements.

A provider is a plugin (``plugins/sim_pay`` is the example to copy; a WeChat Pay or Alipay
plugin is the same shape): it lists ``payments`` in its manifest's ``dependencies`` and, in
its ``xiaoqu_setup``, registers an instance of a :class:`PaymentProvider` subclass with
``get_payments(hub).register(provider)``. Payments then:

- asks :meth:`PaymentProvider.checkout` for the pay URL and the QR payload of each new order
  (the provider's "create order" call: Native pay's ``code_url``, Alipay's ``qr_code``);
- serves the provider's notify callback at ``POST /api/payments/<name>/notify`` and hands
  the raw headers and body to :meth:`PaymentProvider.read_notify`, which verifies the
  provider's signature and turns the notify into a provider-neutral :class:`Notice`;
- answers with :meth:`PaymentProvider.acknowledge` or :meth:`PaymentProvider.refuse`, in the
  form the provider expects (WeChat Pay v3: 204, or 4xx/5xx with ``{"code": "FAIL"}``;
  Alipay: the seven bytes ``success``).

Everything else — idempotency, the amount check, the ledger, the event — is payments' own,
so no provider can get it wrong.
"""
from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from aiohttp import web

from .errors import NotifyRefused, NotifyUnreadable

if TYPE_CHECKING:
    from .models import Order

__all__ = ["Checkout", "Notice", "NotifyRefused", "NotifyUnreadable", "PaymentProvider"]

#: A provider's name is its URL segment and the ``provider`` of its orders and events.
PROVIDER_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class Checkout:
    """How the payer pays an order: a page to open (``pay_url``) and what the QR code holds
    (``qr``: WeChat's ``weixin://wxpay/bizpayurl?pr=…``, Alipay's ``https://qr.alipay.com/…``)."""

    pay_url: str
    qr: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A verified notify, in payments' words.

    ``paid`` is true only for a completed payment (WeChat ``trade_state`` SUCCESS, Alipay
    TRADE_SUCCESS/TRADE_FINISHED); any other notify (closed, refunded, still paying) is
    acknowledged and changes nothing. ``payment_id`` is the provider's transaction id (the
    idempotency key of the money), ``order_id`` ours (``out_trade_no``).
    """

    notify_id: str
    order_id: str
    payment_id: str
    amount_fen: int
    paid: bool
    state: str
    method: str


class PaymentProvider(abc.ABC):
    """A payment provider; see the module docstring. Subclasses set :attr:`name` and :attr:`method`."""

    #: The URL segment (``/api/payments/<name>/notify``) and the orders' ``provider``.
    name: str
    #: The payment method events and reports name (``wechat``, ``alipay``).
    method: str

    @abc.abstractmethod
    async def checkout(self, order: Order) -> Checkout:
        """Create ``order`` at the provider; how the payer pays it. Raise to refuse the order."""

    @abc.abstractmethod
    def read_notify(self, headers: Mapping[str, str], body: bytes, now: float) -> Notice | None:
        """The notify in ``body`` as a :class:`Notice`, or None for one that is no payment
        (a refund's, a contract's) to be acknowledged and ignored.

        Raise :class:`NotifyRefused` unless the provider's signature over exactly these bytes
        is good and fresh at ``now`` (Unix seconds, the hub's clock), and
        :class:`NotifyUnreadable` for a correctly signed notify that cannot be read (a wrong
        decryption key: the provider should retry once staff fixed it).
        """

    def acknowledge(self) -> web.StreamResponse:
        """The answer that tells the provider the notify was taken (it stops retrying)."""
        return web.Response(status=HTTPStatus.NO_CONTENT)

    def refuse(self, status: int, message: str) -> web.StreamResponse:
        """The answer to a notify that was not taken (the provider retries on its schedule)."""
        return web.json_response({"code": "FAIL", "message": message}, status=status)
