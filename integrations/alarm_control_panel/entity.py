"""The base class of every alarm control panel, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import DOMAIN, AlarmControlPanelState


class AlarmControlPanelEntity(Entity):
    """An alarm panel: the state is ``alarm_state``. A subclass implements
    :meth:`alarm_disarm` and the services of the features it declares, each taking ``code``."""

    domain = DOMAIN

    _attr_alarm_state: AlarmControlPanelState | None = None

    @property
    def alarm_state(self) -> AlarmControlPanelState | None:
        return self._attr_alarm_state

    @property
    def state(self) -> str | None:
        return self.alarm_state

    def alarm_disarm(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_disarm")

    def alarm_arm_home(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_arm_home")

    def alarm_arm_away(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_arm_away")

    def alarm_arm_night(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_arm_night")

    def alarm_arm_vacation(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_arm_vacation")

    def alarm_arm_custom_bypass(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_arm_custom_bypass")

    def alarm_trigger(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "alarm_trigger")
