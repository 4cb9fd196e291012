"""The merchant's side of the simulated WeChat Pay: a WeChat Pay v3 provider like any other.

Its notifies are verified by :class:`~xiaoqu.integrations.payments.wechatpay_v3.WechatPayV3Provider`
(the platform certificate by serial, the five-minute window, AES-256-GCM with the APIv3 key)
exactly as a real WeChat Pay plugin's are; only placing an order is simulated.
"""
from __future__ import annotations

from xiaoqu.integrations.payments import Checkout, Order
from xiaoqu.integrations.payments.wechatpay_v3 import WechatPayV3Provider

from .const import DOMAIN
from .platform import Platform


class SimPayProvider(WechatPayV3Provider):
    """Orders placed at the simulated platform, paid by its simulated payer."""

    name = DOMAIN

    def __init__(self, platform: Platform) -> None:
        keys = platform.keys
        super().__init__(mchid=platform.mchid, appid=platform.appid, apiv3_key=keys.apiv3_key,
                         certificates={keys.serial: keys.public_key})
        self.platform = platform

    async def checkout(self, order: Order) -> Checkout:
        return self.platform.place(order)
