"""The base class of every barrier gate, whoever drives it (Modbus, MQTT, a vendor's plugin)."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import ATTR_FAULT, ATTR_VEHICLE_PRESENT, DOMAIN, BarrierState


class BarrierEntity(Entity):
    """A barrier gate's arm.

    A subclass sets ``_attr_barrier_state`` (or overrides :attr:`barrier_state`) from what
    its controller reports, with ``_attr_vehicle_present`` and ``_attr_fault`` where it
    knows them, and implements :meth:`open` and :meth:`close` (and :meth:`stop`, declaring
    ``BarrierEntityFeature.STOP`` in ``_attr_supported_features``); each may be ``async def``.
    """

    domain = DOMAIN

    _attr_barrier_state: BarrierState | None = None
    _attr_vehicle_present: bool | None = None
    _attr_fault: str | None = None

    @property
    def barrier_state(self) -> BarrierState | None:
        return self._attr_barrier_state

    @property
    def vehicle_present(self) -> bool | None:
        return self._attr_vehicle_present

    @property
    def fault(self) -> str | None:
        return self._attr_fault

    @property
    def state(self) -> str | None:
        return self.barrier_state

    def domain_attributes(self) -> dict[str, Any]:
        return {ATTR_VEHICLE_PRESENT: self.vehicle_present, ATTR_FAULT: self.fault}

    def open(self) -> Awaitable[None] | None:
        """Raise the arm."""
        raise ServiceNotSupported(self, "open")

    def close(self) -> Awaitable[None] | None:
        """Lower the arm (a controller may refuse while a vehicle is under it)."""
        raise ServiceNotSupported(self, "close")

    def stop(self) -> Awaitable[None] | None:
        """Stop the arm where it is (``BarrierEntityFeature.STOP``)."""
        raise ServiceNotSupported(self, "stop")
