"""Fixtures shared by every test: a bare hub on a manual clock, a hub built from a config."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub, HubConfig

SITE_TZ = ZoneInfo("Asia/Shanghai")
#: A Monday morning in the site's time zone: where every manual clock starts.
START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=SITE_TZ)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START, SITE_TZ)


@pytest.fixture
async def hub(tmp_path, clock) -> AsyncIterator[Hub]:
    """A started hub with the core only (no plugins, no stores): for bus/state/service tests."""
    hub = Hub(HubConfig(config_dir=tmp_path), clock=clock)
    await hub.start()
    yield hub
    await hub.stop()


pytest_plugins = ["plugin_factory"]
