"""The access log on the dashboard: staff with ``access.log`` read it filtered and export it,
other roles are refused, and decisions reach the live stream."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.integrations.access.conftest import CARD, config, populate
from tests.integrations.dashboard.conftest import PASSWORD, audit_acts, browser, dashboard_hub
from xiaoqu.core.auth import Actor
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.integrations.access import get_access


@asynccontextmanager
async def estate_with_entries(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Hub]:
    """The estate on a dashboard hub, with 王芳's card granted at b1_east and refused at b2_east,
    and a stranger's card refused at b1_east."""
    async with dashboard_hub(tmp_path, config(), clock=clock) as hub:
        await populate(hub)
        access = get_access(hub)
        for door in ("b1_east", "b2_east"):
            access.register_door(door, "pedestrian")
        for value, door in ((CARD, "b1_east"), (CARD, "b2_east"), ("DEADBEEF", "b1_east")):
            access.check("card", value, door)
        yield hub


def rows(text: str) -> list[str]:
    """The log's rows of a page, each from its class (``access_granted`` or ``access_denied``) on."""
    return text.split('<tr class="event ')[1:]


async def test_a_manager_reads_the_log_filtered_by_door(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        status, text, _ = await manager.get("/dashboard/access", params={"door": "b1_east"})
        assert status == 200
        shown = rows(text)
        assert len(shown) == 2 and all("b1_east" in row for row in shown)
        assert shown[0].startswith("access_denied") and shown[1].startswith("access_granted")  # newest first
        assert CARD not in text and "04A2****" in text  # the card is masked
        calls = [act for act in await audit_acts(hub) if act["act"] == "service_call"]
        assert calls[-1]["by"] == "manager" and calls[-1]["service"] == "access.log"


async def test_a_full_page_links_to_older_entries(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/access", params={"limit": "2"})
        assert status == 200 and len(rows(text)) == 2
        assert "limit=2&amp;end=2026-03-02T08%3A00%3A00%2B08%3A00" in text


@pytest.mark.parametrize("role", ["resident", "maintenance"])
async def test_a_role_without_access_log_is_refused(tmp_path: Path, clock: ManualClock, role: str) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as someone:
        await hub.data["auth"].manager.add_user(role, role, PASSWORD, Actor("hub", "test"))
        await someone.sign_in(role)
        for path in ("/dashboard/access", "/dashboard/access?format=csv"):
            status, text, _ = await someone.get(path)
            assert status == 403 and "b1_east" not in text
        _, overview, _ = await someone.get("/dashboard/")
        assert "/dashboard/access" not in overview


async def test_the_csv_export_has_the_rows(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as clerk:
        await clerk.sign_in("finance")
        status, text, response = await clerk.get("/dashboard/access", params={"format": "csv"})
        assert status == 200 and response.content_type == "text/csv"
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert len(table[0]) == 8
        assert [(row[1], row[2], row[6].split(":")[0]) for row in table[1:]] == [
            ("b1_east", "DEAD****", "denied"), ("b2_east", "04A2****", "denied"), ("b1_east", "04A2****", "granted")]


async def test_the_overview_counts_todays_entries(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/")
        assert status == 200
        assert '<span class="count">1</span>' in text and '<span class="count bad">2</span>' in text


async def test_the_stream_delivers_an_access_granted_line(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        async with manager.session.get(manager.base + "/dashboard/events/stream?type=access_granted") as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            get_access(hub).check("card", CARD, "b1_east")
            lines = [await response.content.readline() for _ in range(2)]
        assert lines[0] == b"event: line\n" and b"access_granted" in lines[1] and b"b1_east" in lines[1]
