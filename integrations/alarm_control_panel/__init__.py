"""Alarm control panels: the ``alarm_control_panel`` entity domain.

It owns the base class (``entity.AlarmControlPanelEntity``), the panel states and the
services (``alarm_control_panel.alarm_disarm``, and behind features ``alarm_arm_home``,
``alarm_arm_away``, ``alarm_arm_night``, ``alarm_arm_vacation``,
``alarm_arm_custom_bypass``, ``alarm_trigger``); MQTT panels subclass the base class.
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
