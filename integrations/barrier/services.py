"""The barrier services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService

from .const import BarrierEntityFeature

SERVICES = (
    EntityService("open", "open", description="Raise the barrier arm"),
    EntityService("close", "close", description="Lower the barrier arm (a controller may refuse while a vehicle is under it)"),
    EntityService("stop", "stop", description="Stop the arm where it is", required_features=BarrierEntityFeature.STOP),
)
