"""Payments: orders paid through payment providers, each announced once as ``payment_received``.

    payments:
      default_provider: sim_pay     # needed only when several providers are registered

Providers are plugins (``plugins/sim_pay``, the simulated WeChat Pay, is the one to copy):
each registers a :class:`PaymentProvider` with ``get_payments(hub).register(provider)``.
:func:`get_payments` gives the hub's :class:`Payments`: ``create_order(order_id, amount_fen,
description, purpose=, reference=)`` answers an :class:`Order` with its ``pay_url`` and
``qr``; the provider's signed notify at ``POST /api/payments/<provider>/notify`` pays it once
and fires ``payment_received``. docs/payments.md is the guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime, wechatpay_v3
from .const import DOMAIN, EVENT_PAYMENT_FLAGGED, EVENT_PAYMENT_RECEIVED, ROLE_PERMISSIONS
from .errors import NotifyRefused, NotifyUnreadable, PaymentError
from .models import Flag, Order
from .notify import add_routes
from .payments import Payments
from .provider import Checkout, Notice, PaymentProvider
from .runtime import get_payments
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_PAYMENT_FLAGGED", "EVENT_PAYMENT_RECEIVED", "Checkout", "Flag", "Notice",
           "NotifyRefused", "NotifyUnreadable", "Order", "PaymentError", "PaymentProvider", "Payments",
           "get_payments", "wechatpay_v3"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    add_routes(app)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
