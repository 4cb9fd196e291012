"""Names of the calendar plugin, and its key in ``hub.data``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.calendar.site_calendar import SiteCalendar

DOMAIN: Final = "calendar"

#: The site calendar; read it through ``get_calendar(hub)``, which builds it when missing.
DATA_CALENDAR: Final[HubKey[SiteCalendar]] = HubKey(DOMAIN)
