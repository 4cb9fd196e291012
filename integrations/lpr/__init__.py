"""Licence-plate cameras: reads from the device protocol and the makers' HTTP pushes, made
into one ``plate_read`` per car (docs/lpr.md).

    lpr:
      min_confidence: 0.8
      fold_seconds: 5
      cameras:
        - {id: cam-1, name: 正门入口, lane: main-1, direction: in}
        - {id: cam-3, name: 北门出口, direction: out, format: vzenith, secret: !secret cam3_secret}

:func:`normalize_plate` is pure (no hub). :func:`get_lpr` gives the hub's :class:`Lpr`:
``set_reply(read_id, GateReply(open=True, ...))`` answers an HTTP camera on its own
request, ``correct(...)`` is the staff's correction.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import routes, runtime
from .const import (
    DOMAIN,
    EVENT_PLATE_READ,
    EVENT_PLATE_READ_UNCERTAIN,
    EVENT_PLATE_UNREADABLE,
    ROLE_PERMISSIONS,
)
from .lpr import Lpr
from .models import GateReply
from .normalize import Plate, normalize_plate
from .runtime import get_lpr
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_PLATE_READ", "EVENT_PLATE_READ_UNCERTAIN", "EVENT_PLATE_UNREADABLE", "GateReply", "Lpr",
           "Plate", "get_lpr", "normalize_plate"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)


@hookimpl
def xiaoqu_stop(hub: Hub) -> None:
    runtime.tear_down(hub)


@hookimpl
def xiaoqu_http_routes(app: web.Application) -> None:
    routes.add_routes(app)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
