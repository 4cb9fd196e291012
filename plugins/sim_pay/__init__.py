"""Simulated WeChat Pay: a payment provider for demos and tests that follows WeChat Pay API v3.

    sim_pay:
      pay_after: 5            # seconds from an order to its payment (null: only on sim_pay.pay)
      retry_seconds: [1, 2, 5, 15, 30]

A plugin rather than a module of payments, on purpose: it is a provider exactly as a real
WeChat Pay or Alipay plugin is (it lists payments as a dependency and registers itself), so
the demo proves the plugin interface, and it is the one to copy. Its platform keys are made
in the data dir on the first start. docs/payments.md is the guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import DOMAIN, ROLE_PERMISSIONS
from .platform import Delivery, Platform
from .runtime import get_platform
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "Delivery", "Platform", "get_platform"]


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
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
