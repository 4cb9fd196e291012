"""The cover services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import vol

from .const import ATTR_POSITION, ATTR_TILT_POSITION, CoverEntityFeature

_PERCENT = vol.All(vol.Coerce(int), vol.Range(min=0, max=100))

SERVICES = (
    EntityService("open_cover", "open_cover", {}, "Open", CoverEntityFeature.OPEN),
    EntityService("close_cover", "close_cover", {}, "Close", CoverEntityFeature.CLOSE),
    EntityService("stop_cover", "stop_cover", {}, "Stop where it is", CoverEntityFeature.STOP),
    EntityService("set_cover_position", "set_cover_position", {vol.Required(ATTR_POSITION): _PERCENT},
                  "Move to a position, 0 closed to 100 open", CoverEntityFeature.SET_POSITION),
    EntityService("set_cover_tilt_position", "set_cover_tilt_position", {vol.Required(ATTR_TILT_POSITION): _PERCENT},
                  "Tilt to a position, 0 to 100", CoverEntityFeature.SET_TILT_POSITION),
)
