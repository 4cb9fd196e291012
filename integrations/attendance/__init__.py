"""Staff attendance: punches at card terminals, shifts on the site calendar, daily and monthly sheets.

    attendance:
      terminals: [office_in, gate_guard]          # readers (or their doors) that count as clocking
      shifts:
        day: {name: 白班, start: "08:30", end: "17:30", grace_minutes: 5, early_leave_grace: 5}
        night: {name: 夜班, start: "20:00", end: "08:00"}      # ends the next morning
      rotations:
        security_a: {pattern: [day, day, night, night, off, off], start: 2026-03-01}
      teams:
        - {id: office, name: 办公室, department: 行政部, shift: day, supervisor: P000001}
        - {id: guards_a, name: 保安A组, persons: [P000010, P000011], rotation: security_a,
           holidays: work, supervisor: P000012}

Punches come from access's decisions at the terminals (:mod:`.punches`); each day is judged by
:mod:`.evaluate` with the rule and figures behind it; ``attendance_absent`` fires at shift
start plus grace for a member with no punch (:mod:`.absent`). docs/attendance.md is the staff's guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, runtime
from .attendance import Attendance, AttendanceError
from .const import DOMAIN, EVENT_ABSENT, ROLE_PERMISSIONS
from .dashboard_pages import register_pages
from .runtime import get_attendance
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    import argparse

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_ABSENT", "Attendance", "AttendanceError", "get_attendance"]


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
