"""Fixtures shared by every test: a bare hub on a manual clock, a hub built from a config; and how
``make test`` spreads the suite over pytest-xdist's workers (``--dist loadfile``)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
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


#: Tests bound by real time, run alone after the parallel pass: the fault tests measure recovery
#: (a broker back, a hub restarted) against limits a loaded machine would miss; the browser tests
#: watch the demo community live (cars through the gates within seconds); the billing year walks
#: 365 days of a whole demo within the per-test timeout; the access day counts one record per
#: presentation, which a loaded machine's retries can double.
SERIAL_FOLDERS = ("tests/faults/", "tests/browser/", "tests/e2e/test_billing_year.py", "tests/e2e/test_access.py")
#: Folders run on one xdist worker as a whole: their package-scoped fixtures (the browser suite's
#: one demo hub and one Chromium) are made once, as in a serial run.
WHOLE_FOLDERS = ("tests/browser/",)


#: Folders of long tests (seconds to minutes each: whole demo communities, a year of billing,
#: the browser), collected first so that xdist hands them out first and the short ones fill in
#: around them, instead of one starting last and running alone at the end.
LONG_FIRST = ("tests/e2e/", "tests/browser/", "tests/packaging/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))  # stable: the rest keep their order


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark :data:`SERIAL_FOLDERS`' tests ``serial``: ``make test`` runs them alone, after the parallel pass."""
    if item.nodeid.startswith(SERIAL_FOLDERS):
        item.add_marker(pytest.mark.serial)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (each file's tests on one worker, so a module's fixtures are made once),
    with each of :data:`WHOLE_FOLDERS` one unit. (xdist's ``loadgroup`` cannot be used: it renames
    the tests' node ids, which pytest 9 no longer lets a plugin do.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]  # xdist ships no py.typed

    class SuiteScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((folder for folder in WHOLE_FOLDERS if nodeid.startswith(folder)),
                        None) or super()._split_scope(nodeid)

    return SuiteScheduling(config, log)
