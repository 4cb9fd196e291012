"""Fixtures shared by every test: a bare hub on a manual clock, a hub built from a config; and how
``make test`` spreads the suite over pytest-xdist's workers (``--dist loadgroup``)."""
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


#: Folders whose every test is bound by real time: the fault tests measure recovery (a broker
#: back, a hub restarted) against limits that a loaded machine would miss.
SERIAL_FOLDERS = ("tests/faults/",)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by the markers added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the fault tests ``serial`` (``make test`` runs them alone, after the parallel pass),
    and keep together on one xdist worker the tests that share a fixture wider than a test (a
    module's or a package's: the browser suite's one demo hub and Chromium, a built wheel), so
    it is made once, as in a serial run; every other test is scheduled on its own."""
    for item in items:
        if item.nodeid.startswith(SERIAL_FOLDERS):
            item.add_marker(pytest.mark.serial)
        if item.get_closest_marker("xdist_group") is None and (scope := _shared_fixture_scope(item)):
            item.add_marker(pytest.mark.xdist_group(scope))


def _shared_fixture_scope(item: pytest.Item) -> str | None:
    """The widest folder or module (its node id) whose own non-function fixture ``item`` uses;
    plugins' fixtures (no node id: an event loop policy, tmp_path_factory) are shared by all."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    scopes = [d.baseid for defs in info.name2fixturedefs.values() for d in defs
              if d.scope != "function" and d.baseid]
    return min(scopes, key=len) if scopes else None
