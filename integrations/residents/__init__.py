"""Who the community is: households, residents and staff, vehicles, consents.

    residents:
      encryption_key: !secret residents_key     # or a list: the first seals, all open

Other integrations list ``"residents"`` in their manifest and call :func:`get_residents`;
who calls a service (a resident held to their household, or staff) is :func:`caller_of`;
card numbers in any form a reader sends are read by :mod:`.cardnumber`. docs/residents.md
is the staff's guide (the sheet's columns, importing, privacy).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, runtime
from .callers import Caller, NoHousehold, caller_of, household_app
from .cardnumber import CardNumberError, CardRead, low24_key, parse_card
from .const import DOMAIN, ROLE_PERMISSIONS
from .dashboard_pages import register_pages
from .models import Assessment, Consent, Household, Person, ResidentsChange, Training, Vehicle
from .registry import Residents, ResidentsError
from .runtime import get_residents
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    import argparse

    from xiaoqu.core.hub import Hub

__all__ = [
    "DOMAIN",
    "Assessment",
    "Caller",
    "CardNumberError",
    "CardRead",
    "Consent",
    "Household",
    "NoHousehold",
    "Person",
    "Residents",
    "ResidentsChange",
    "ResidentsError",
    "Training",
    "Vehicle",
    "caller_of",
    "get_residents",
    "household_app",
    "low24_key",
    "parse_card",
]


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
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    cli.register(subparsers)
