"""Events: the ``event`` entity domain.

It owns the base class (``entity.EventEntity``): something that happens rather than a value
that holds (a button pressed, a doorbell rung), so its state is when it last happened and
its attributes say what happened. It has no services. MQTT event entities subclass the
base class.
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
