"""Climate: the ``climate`` entity domain (thermostats, air conditioners).

It owns the base class (``entity.ClimateEntity``), the HVAC modes that are its states,
its attributes and the services (``climate.set_hvac_mode``, and behind features
``climate.set_temperature``, ``climate.set_preset_mode``, ``climate.set_fan_mode``); MQTT
thermostats subclass the base class.
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
