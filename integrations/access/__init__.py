"""Access control: who may open which door, when, and why.

    access:
      keep_days: 90                       # the access log (the one-card rules: three months)
      schedules:
        residents: {name: 住户, workdays: ["06:00-23:30"], weekends: ["06:00-23:59"]}
      groups:
        - id: b1_residents
          name: 1号楼住户
          doors: [b1_*, gate_south]
          schedule: residents
          members: {buildings: [1], kinds: [resident]}

Every entry goes through :meth:`Access.check` (``get_access(hub).check(type, value, door)``);
the ``door`` integration registers its doors with :meth:`Access.register_door`. Controllers
that decide alone use :meth:`Access.listen`, :meth:`Access.whitelist` and
:meth:`Access.record_offline`. docs/access.md is the staff's and integrators' guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .access import Access, AccessInputError
from .const import DOMAIN, EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED
from .dashboard_pages import register_pages
from .models import Decision, Door, Holder, PlateStanding
from .runtime import get_access
from .schema import CONFIG_SCHEMA
from .services import ROLE_PERMISSIONS, SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "DOMAIN",
    "EVENT_ACCESS_DENIED",
    "EVENT_ACCESS_GRANTED",
    "Access",
    "AccessInputError",
    "Decision",
    "Door",
    "Holder",
    "PlateStanding",
    "get_access",
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
