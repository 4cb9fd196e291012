"""Lights: the ``light`` entity domain.

It owns the base class (``entity.LightEntity``), the attributes (brightness, colour,
effect) and the services (``light.turn_on`` with its options, ``light.turn_off``,
``light.toggle``); MQTT lights in all three discovery schemas subclass the base class.
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
