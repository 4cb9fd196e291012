"""The portal's own pages, registered as a domain's are: home, the household's devices and
entries (each only where the site runs what it shows: no page stands empty), and the
resident's own settings, served by the dashboard's handlers in the portal's frame."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.access.const import DATA_ACCESS
from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.dashboard.login import change_password, logout, password_form, set_language
from xiaoqu.integrations.smart_home.const import DATA_SMART_HOME

from .devices import act, devices
from .entries import entries
from .home import home
from .live import stream
from .registry import PortalPage

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: Every resident's: their home, and their account's settings.
ALWAYS: Final = (
    PortalPage("", home, title=N_("Home"), order=0, icon="home"),
    PortalPage("password", password_form, household=False),
    PortalPage("password", change_password, method="POST", household=False),
    PortalPage("language", set_language, method="POST", household=False),
    PortalPage("logout", logout, method="POST", household=False),
)
#: Where the site runs smart_home: the household's devices, live.
DEVICES: Final = (
    PortalPage("devices", devices, title=N_("My devices"), order=10, icon="devices"),
    PortalPage("devices/act", act, method="POST"),
    PortalPage("devices/stream", stream),
)
#: Where the site runs access control: the household's entries.
ENTRIES: Final = (PortalPage("entries", entries, title=N_("Entries"), order=20, icon="entries"),)


def own_pages(hub: Hub) -> tuple[PortalPage, ...]:
    return (*ALWAYS, *(DEVICES if DATA_SMART_HOME in hub.data else ()), *(ENTRIES if DATA_ACCESS in hub.data else ()))
