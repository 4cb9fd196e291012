"""Guard patrol: checkpoints, routes, schedules and patrollers; scans live or uploaded; rounds judged.

    patrol:
      checkpoints:
        - {id: cp-gate, name: 大门 Main gate, location: 东门岗亭, x: 50, y: 92}
      routes:
        - id: night
          name: 夜巡 Night round
          ordered: true
          tolerance_minutes: 5          # on time within ±5 min of the expected time
          early_limit_minutes: 15       # earlier than 5 and up to 15 min: early
          late_limit_minutes: 30        # later than 5 and up to 30 min: late; beyond: missed
          checkpoints:
            - {checkpoint: cp-gate, offset_minutes: 0}
            - {checkpoint: cp-b1, offset_minutes: 10, tolerance_minutes: 8}
      schedules:
        - {route: night, times: ["22:00", "02:00"]}
        - {route: night, every_hours: 2, from: "08:00", until: "18:00", weekdays: [sat, sun], days: rest_days}
      patrollers:
        - {person: S000006, wand: wand-1, routes: [night]}
      clock_skew_minutes: 5

Scans arrive on ``patrol/<wand>/scan`` and ``patrol/<wand>/upload`` (:mod:`.device`) or
through ``patrol.upload`` (:mod:`.intake`); each round is judged by :mod:`.evaluate` and its
events fire when its window closes (:mod:`.watch`). docs/patrol.md is the staff's guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import (
    DOMAIN,
    EVENT_CHECKPOINT_MISSED,
    EVENT_ROUND_COMPLETED,
    EVENT_ROUND_LATE,
    EVENT_UPLOADED,
    EVENT_WAND_CLOCK_OFF,
    ROLE_PERMISSIONS,
)
from .dashboard_pages import register_pages
from .patrol import Patrol, PatrolError
from .runtime import get_patrol
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_CHECKPOINT_MISSED", "EVENT_ROUND_COMPLETED", "EVENT_ROUND_LATE", "EVENT_UPLOADED",
           "EVENT_WAND_CLOCK_OFF", "Patrol", "PatrolError", "get_patrol"]


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
