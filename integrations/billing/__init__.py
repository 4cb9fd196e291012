"""Billing: property fees billed per period, paid, owed and explained.

    billing:
      late_fee: {percent_per_day: "0.3", grace_days: 0}
      items:
        - {id: property_fee, name: 物业费, kind: area, rate_fen: 250, due_day: 15}

:func:`get_billing` gives the hub's :class:`Billing`; templates get ``arrears(household)``
(fen owed: outstanding principal and late fee) and ``arrears_months(household)``.
docs/billing.md is the guide.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, escalation, helpers, runtime
from .arrears import Arrears
from .billing import Billing
from .const import DOMAIN, EVENT_ARREARS_CLEARED, EVENT_PAYMENT_APPLIED, ROLE_PERMISSIONS
from .dashboard_pages import register_pages
from .fees import FeeItem, Line
from .latefee import LateFee, LateFeeRule
from .models import Bill, Receipt
from .runtime import get_billing
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_ARREARS_CLEARED", "EVENT_PAYMENT_APPLIED", "Arrears", "Bill", "Billing", "FeeItem",
           "LateFee", "LateFeeRule", "Line", "Receipt", "get_billing"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, [*SERVICES, *escalation.SERVICES])


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    billing = await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, [*SERVICES, *escalation.SERVICES])
    cli.offer(hub)
    await escalation.set_up(hub, billing, config.get("escalation"))
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await escalation.tear_down(hub)
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return escalation.role_permissions(ROLE_PERMISSIONS)


@hookimpl
def xiaoqu_template_helpers(hub: Hub) -> dict[str, Callable[..., Any]]:
    return {**helpers.template_helpers(hub), **escalation.template_helpers(hub)}


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    cli.register(subparsers)
