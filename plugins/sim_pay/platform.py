"""The simulated WeChat Pay platform: it takes orders, plays the payer and notifies the hub.

It does what the real platform does after a Native-pay order (统一下单): it answers a
``code_url`` for the QR code, and when the payer has paid it POSTs a ``TRANSACTION.SUCCESS``
notify to the merchant's ``notify_url`` — the transaction encrypted with the APIv3 key
(AES-256-GCM), the body signed with the platform key (RSA-SHA256 over
``timestamp\\nnonce\\nbody\\n``), the four ``Wechatpay-*`` headers — and delivers it again on
its retry schedule (compressed) until the merchant answers 200 or 204, over real HTTP.

The payer pays ``pay_after`` seconds after the order was made (a driver scanning the QR code
at the exit), or when ``sim_pay.pay`` says so, possibly the wrong amount or twice, so a demo
can show what payments does with those. Nothing here is trusted by payments: the notify is
verified exactly as a real one is.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from xiaoqu.core.clock import TimerHandle
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.integrations.payments import Checkout, Order, get_payments
from xiaoqu.integrations.payments.const import NOTIFY_PATH
from xiaoqu.integrations.payments.wechatpay_v3 import Sealed, seal_notify, signed_headers

from .const import DELIVERY_TIMEOUT, DOMAIN
from .keys import PlatformKeys

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: What the merchant answers when it took a notify (WeChat Pay: "status code wins").
TAKEN: Final = (HTTPStatus.OK, HTTPStatus.NO_CONTENT)
_BEIJING: Final = timezone(timedelta(hours=8))
_ANY_ADDRESS: Final = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class Delivery:
    """A payment and how its notify went: the last status the hub answered (None: no answer)."""

    order_id: str
    transaction_id: str
    amount_fen: int
    status: int | None
    attempts: int

    @property
    def taken(self) -> bool:
        return self.status in TAKEN


class Platform:
    """The simulated platform of one hub; see the module docstring."""

    def __init__(self, hub: Hub, keys: PlatformKeys, config: dict[str, Any]) -> None:
        self.hub = hub
        self.keys = keys
        self.mchid: str = config["mchid"]
        self.appid: str = config["appid"]
        self.pay_after: float | None = config["pay_after"]
        self.retries: list[float] = config["retry_seconds"]
        self._notify_url: str | None = config.get("notify_url")
        self._orders: dict[str, int] = {}  # out_trade_no -> total, as the order was placed
        self._timers: set[TimerHandle] = set()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # The merchant's side of the platform: placing an order.

    def place(self, order: Order) -> Checkout:
        """Native pay's unified order: the ``code_url`` for the QR code; the payer pays later."""
        self._orders[order.order_id] = order.amount_fen
        prepay = f"wx{datetime.fromtimestamp(self.hub.clock.time(), _BEIJING):%d%H%M%S}{secrets.token_hex(12)}"
        if self.pay_after is not None:
            self._schedule(order.order_id, self.pay_after)
        return Checkout(pay_url=f"https://sim-pay.invalid/pay/{prepay}",
                        qr=f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(9)}")

    def _schedule(self, order_id: str, delay: float) -> None:
        def fire() -> None:
            self._timers.discard(timer)
            self.hub.create_background_task(self.pay(order_id), name=f"{DOMAIN} pays {order_id}")

        timer = self.hub.clock.call_later(delay, fire)
        self._timers.add(timer)

    # The payer's side: paying, and the notify that follows.

    async def pay(self, order_id: str, amount_fen: int | None = None) -> Delivery:
        """The payer pays ``order_id`` (its amount unless told another); the notify is delivered
        until the hub takes it or the retries run out, signed afresh each time."""
        amount = amount_fen if amount_fen is not None else self._amount(order_id)
        now = datetime.fromtimestamp(self.hub.clock.time(), _BEIJING)
        transaction_id = f"4200{secrets.randbelow(10**6):06d}{now:%Y%m%d}{secrets.randbelow(10**10):010d}"
        body = self.seal(self.transaction(order_id, transaction_id, amount)).body
        status, attempts = None, 0
        for delay in (0.0, *self.retries):
            if delay:
                await self.hub.clock.sleep(delay)
            attempts += 1
            status = await self.deliver(body)
            if status in TAKEN:
                break
        delivery = Delivery(order_id, transaction_id, amount, status, attempts)
        log = _LOGGER.info if delivery.taken else _LOGGER.warning
        log("Simulated WeChat Pay: order %s paid %d fen (%s); the notify was %s after %d attempt(s)", order_id,
            amount, transaction_id, "taken" if delivery.taken else f"not taken (last answer {status})", attempts)
        return delivery

    async def deliver(self, body: bytes) -> int | None:
        """POST the notify ``body`` to the merchant once, signed now; its status, None without one."""
        headers = signed_headers(body, private_key=self.keys.private_key, serial=self.keys.serial,
                                 now=self.hub.clock.time())
        url, verify = self._url()
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT))
        try:
            async with self._session.post(url, data=body, headers=headers, ssl=verify) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Simulated WeChat Pay: the notify to %s failed: %s", url, err or type(err).__name__)
            return None

    def _url(self) -> tuple[str, bool]:
        """Where notifies go, and whether to verify its TLS certificate (not the hub's own)."""
        if self._notify_url is not None:
            return self._notify_url, True
        server = self.hub.data[DATA_SERVER]
        if server.port is None:
            raise ServiceValidationError("the hub's HTTP server is not listening; a notify has nowhere to go")
        host = server.config["server_host"][0]
        host = "127.0.0.1" if host in _ANY_ADDRESS else f"[{host}]" if ":" in host else host
        scheme = "https" if server.ssl_context is not None else "http"
        return f"{scheme}://{host}:{server.port}{NOTIFY_PATH.format(provider=DOMAIN)}", False

    def _amount(self, order_id: str) -> int:
        if order_id in self._orders:
            return self._orders[order_id]
        order = get_payments(self.hub).order(order_id)  # placed before a restart
        if order is None or order.provider != DOMAIN:
            raise ServiceValidationError(f"the simulated WeChat Pay has no order {order_id}")
        return order.amount_fen

    def transaction(self, order_id: str, transaction_id: str, amount: int) -> dict[str, Any]:
        """The decrypted resource of a ``TRANSACTION.SUCCESS`` notify, field by field as WeChat's."""
        return {
            "mchid": self.mchid, "appid": self.appid, "out_trade_no": order_id, "transaction_id": transaction_id,
            "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
            "attach": "", "success_time": datetime.fromtimestamp(self.hub.clock.time(), _BEIJING).isoformat(),
            "payer": {"openid": f"o{secrets.token_urlsafe(20)[:27]}"},
            "amount": {"total": amount, "payer_total": amount, "currency": "CNY", "payer_currency": "CNY"},
        }

    def seal(self, transaction: dict[str, Any]) -> Sealed:
        """The notify of ``transaction``, signed now."""
        return seal_notify(transaction, private_key=self.keys.private_key, serial=self.keys.serial,
                           apiv3_key=self.keys.apiv3_key, now=self.hub.clock.time())
