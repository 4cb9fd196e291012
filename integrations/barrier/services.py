"""The barrier services: one table, registered at set-up and declared to check-config.

They are entity services, so every barrier (the reference Modbus map, the device protocol, a
vendor's plugin) answers them the same way; each carries a ``reason``, which a person must
give to raise or lower an arm (their act is audited, docs/barrier.md).
"""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService

from .const import SERVICE_CLOSE, SERVICE_OPEN, SERVICE_STOP, BarrierEntityFeature
from .schema import SERVICE_FIELDS

SERVICES = (
    EntityService(SERVICE_OPEN, "open", SERVICE_FIELDS,
                  "Raise the barrier arm and wait until the gate confirms it; a person says why (reason)"),
    EntityService(SERVICE_CLOSE, "close", SERVICE_FIELDS,
                  "Lower the barrier arm (a controller refuses while a vehicle is under it); a person says why (reason)"),
    EntityService(SERVICE_STOP, "stop", SERVICE_FIELDS, "Stop the arm where it is",
                  required_features=BarrierEntityFeature.STOP),
)
