"""The sun over the site: the ``sun.sun`` entity, and the ``sun`` trigger and condition.

Part of the core, set up on every hub, as Home Assistant's ``sun`` is in its default config.
It needs the site's place, in the core section::

    xiaoqu:
      latitude: 31.23
      longitude: 121.47
      elevation: 4            # metres; optional

Without it there is no ``sun.sun`` and an automation that uses the sun is refused with the
reason, not run at a guessed time. Staff use it as Home Assistant documents it::

    triggers:
      - trigger: sun
        event: sunset
        offset: "-00:30:00"       # half an hour before sunset: the paths' lights
    conditions:
      - condition: sun
        after: sunset
        before: sunrise           # from sunset to sunrise, across midnight
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xiaoqu.core import hookimpl
from xiaoqu.core.sun.astronomy import SiteSun
from xiaoqu.core.sun.automation import SunCondition, SunTrigger
from xiaoqu.core.sun.const import DATA_SUN, DOMAIN
from xiaoqu.core.sun.entity import SunEntity

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "SiteSun", "get_sun"]



def get_sun(hub: Hub) -> SiteSun | None:
    """The site's sun, or None when config.yaml does not say where the site is."""
    return hub.data.get(DATA_SUN)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: Any) -> None:
    site = hub.config
    if site.latitude is None or site.longitude is None:
        return
    sun = hub.data[DATA_SUN] = SiteSun(site.latitude, site.longitude, site.elevation, ZoneInfo(site.time_zone))
    await hub.entities.add(DOMAIN, [SunEntity(sun)])


@hookimpl
def xiaoqu_automation_triggers(hub: Hub) -> dict[str, Any]:
    return {"sun": SunTrigger(get_sun)}


@hookimpl
def xiaoqu_automation_conditions(hub: Hub) -> dict[str, Any]:
    return {"sun": SunCondition(get_sun)}
