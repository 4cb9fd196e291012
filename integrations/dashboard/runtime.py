"""The running dashboard: sessions, languages and live streams of one hub."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access

from .const import DATA_DASHBOARD, LANGUAGES, SITE_LANGUAGES
from .i18n import catalogue, environments
from .preferences import Preferences
from .registry import Registry, registry
from .sessions import Sessions
from .stream import Streams

if TYPE_CHECKING:
    import jinja2
    from babel.support import NullTranslations

    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


class Dashboard:
    def __init__(self, hub: Hub, config: dict[str, Any], preferences: Preferences) -> None:
        self.hub = hub
        self.access = get_access(hub)
        self.preferences = preferences
        self.sessions = Sessions(hub.clock.time, config["session_lifetime"].total_seconds(),
                                 config["idle_timeout"].total_seconds(), self.access.manager.user)
        self.registry: Registry = registry(hub)
        self.streams = Streams(hub, self)
        self.catalogues: dict[str, NullTranslations] = {}
        self.environments: dict[str, jinja2.Environment] = {}

    def start(self) -> None:
        """Build the languages' environments from every package registered by now (the hub
        starts serving after every plugin was set up) and start following the feeds."""
        self.catalogues = {language: catalogue(self.registry.packages, language) for language in LANGUAGES}
        self.environments = environments(self.registry.packages, self.catalogues, self.hub.clock.tz)
        self.streams.start()

    async def stop(self) -> None:
        await self.streams.stop()


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    default = SITE_LANGUAGES.get(hub.config.language, LANGUAGES[0])
    dashboard = Dashboard(hub, config, await Preferences.open(hub.storage, default))
    hub.data[DATA_DASHBOARD] = dashboard


async def stop(hub: Hub) -> None:
    dashboard = hub.data.pop(DATA_DASHBOARD, None)
    if dashboard is not None:
        await dashboard.stop()
