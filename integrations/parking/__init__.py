"""Parking: lots, lanes and the cars in them; every gate decided, charged and explained.

    parking:
      lots:
        - id: main
          name: 地面停车场
          capacity: 120
          temporary_spaces: 30
          fixed_spaces: [{space: A-001, household: 1-1-0101, plates: [粤B12345]}]
          tariff: {free_minutes: 15, price_fen: 300, daily_cap_fen: 3000}
      lanes:
        - {id: main-1, lot: main, direction: in, camera: cam-1, barrier: barrier.main_gate_lane_1, display: led-1}
        - {id: main-2, lot: main, direction: out, camera: cam-2, barrier: barrier.main_gate_lane_2, display: led-2}
      passes: [{plate: 粤B66666, lot: main, until: 2026-12-31}]

A ``plate_read`` (lpr) at an entry lane is decided through access (restrictions, arrears,
blacklist) and the lot's spaces; at an exit lane the car's session is found (fuzzily for a
misread), priced by the lot's tariff (``tariff.py``) and the arm raised only when it is paid
or free; payments come through the payments integration's orders or ``parking.pay``.
:func:`get_parking` gives the hub's :class:`Parking`. docs/parking.md is the guide.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, reports, runtime
from .const import DOMAIN, ROLE_PERMISSIONS
from .dashboard_pages import register_pages
from .models import Lane, Lot, Session
from .parking import Parking
from .runtime import get_parking
from .schema import CONFIG_SCHEMA
from .services import SERVICES
from .tariff import TARIFF_SCHEMA, Fee, Tariff

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "TARIFF_SCHEMA", "Fee", "Lane", "Lot", "Parking", "Session", "Tariff", "get_parking"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    reports.configure(hub, config)
    cli.offer(hub)
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
