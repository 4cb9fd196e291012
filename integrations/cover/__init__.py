"""Covers: the ``cover`` entity domain (blinds, vents, garage doors).

It owns the base class (``entity.CoverEntity``), the states, the position attributes and
the services (``cover.open_cover``, ``cover.close_cover``, ``cover.stop_cover``,
``cover.set_cover_position``, ``cover.set_cover_tilt_position``), each offered by a cover
that declares its feature; MQTT covers subclass the base class.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core import hookimpl
from xiaoqu.core.entity_domain import register_services, service_names

from .const import DOMAIN
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@hookimpl
def xiaoqu_setup(hub: Hub) -> None:
    register_services(hub, DOMAIN, SERVICES)


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)
