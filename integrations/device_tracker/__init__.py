"""Device trackers: the ``device_tracker`` entity domain (where a person's phone or a tag is).

It owns the base class (``entity.DeviceTrackerEntity``): ``home``, ``not_home`` or a place
name, with the source and the coordinates as attributes. It only reports, so its services
table is empty. MQTT trackers subclass the base class.
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
