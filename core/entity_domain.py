"""What every entity-domain integration shares: its table of services.

An entity domain (``barrier``, ``lock``, ``switch``, ``sensor``...) has one owner, the
integration of that name, which defines the entity base class, its states and its
services; device integrations (MQTT, Modbus, a vendor's plugin) subclass the base class.
The owner lists its services once, as :class:`EntityService` rows. The same table is
registered when the owner is set up (:func:`register_services`) and declared to
``check-config`` (:func:`service_names`, for the ``xiaoqu_services`` hook), so what is
registered and what is declared cannot drift apart; the domains whose entities are switched
share :func:`toggle_services`. A domain's ``__init__.py`` is only::

    @hookimpl
    def xiaoqu_setup(hub):
        register_services(hub, DOMAIN, SERVICES)

    @hookimpl
    def xiaoqu_services():
        return service_names(DOMAIN, SERVICES)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.services import service_names

__all__ = ["EntityService", "register_services", "service_names", "toggle_services"]

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@dataclass(frozen=True, slots=True)
class EntityService:
    """``<domain>.<name>``: runs the entity method ``method`` on each entity a call targets.

    ``schema`` holds the service's own fields (the target fields are added for it);
    ``required_features`` makes it an optional service, refused for an entity that supports
    none of those features (see ``EntityManager.register_service``).
    """

    name: str
    method: str
    schema: Mapping[Any, Any] = field(default_factory=dict)
    description: str | None = None
    required_features: int = 0


def register_services(hub: Hub, domain: str, services: Iterable[EntityService]) -> None:
    """Register each of ``services`` as an entity service of ``domain``."""
    for service in services:
        hub.entities.register_service(
            domain, service.name, service.method, service.schema, service.description, service.required_features
        )


def toggle_services(
    turn_on: Mapping[Any, Any] | None = None, turn_off: Mapping[Any, Any] | None = None
) -> tuple[EntityService, ...]:
    """``turn_on``, ``turn_off`` and ``toggle``, the services of every domain whose entities
    are switched (``ToggleEntity``), with the options a domain's ``turn_on``/``turn_off`` take."""
    return (
        EntityService("turn_on", "turn_on", turn_on or {}, "Turn on"),
        EntityService("turn_off", "turn_off", turn_off or {}, "Turn off"),
        EntityService("toggle", "toggle", {}, "Turn off when on, on otherwise"),
    )
