"""Attendance on the dashboard: the day sheet with the rule behind each status and a chart per
team, the month per team and per person, downloads for managers only (the rows ``xiaoqu
attendance export`` writes), bad filters answered 400, other roles kept out as docs say."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.integrations.attendance.conftest import GUARD_CARD, OFFICE_CARD, Site, at, site
from tests.integrations.dashboard.conftest import PASSWORD, ROLES, audit_acts, browser
from xiaoqu.core.auth import Actor


@asynccontextmanager
async def punched(tmp_path: Path) -> AsyncIterator[Site]:
    """Monday 12 October 2026: 王芳 (office) in late at 08:47 and out at 17:40; 李强 (guards, on
    the rotation's night shift) in at 19:55; the day seen at 20:30."""
    async with site(tmp_path, at(2026, 10, 12, 0, 0), dashboard={}) as s:
        for role in (*ROLES, "maintenance"):
            await s.hub.data["auth"].manager.add_user(role, role, PASSWORD, Actor("hub", "test"))
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 47))
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 17, 40))
        await s.punch(GUARD_CARD, at(2026, 10, 12, 19, 55), "gate_guard")
        s.clock.set(at(2026, 10, 12, 20, 30))
        yield s


def tables(text: str) -> list[list[str]]:
    """Each table body's rows."""
    return [body.split("</tbody>")[0].split("<tr>")[1:] for body in text.split("<tbody>")[1:]]


def rows_of(text: str) -> list[str]:
    return tables(text)[0]


def chart_of(text: str) -> dict:
    found = re.search(r"data-chart='([^']*)'", text)
    assert found is not None
    return json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))


async def test_the_day_sheet_shows_each_status_with_its_rule(tmp_path: Path) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/attendance", params={"date": "2026-10-12"})
        assert status == 200
        office = next(row for row in rows_of(text) if "王芳" in row)
        assert "08:47" in office and "17:40" in office and "白班" in office
        assert "late 12 min: first punch 08:47, shift 白班 starts 08:30, grace 5" in office
        assert 'class="badge warn status late"' in office
        chart = chart_of(text)
        assert chart["xAxis"]["data"] == ["行政部", "保安A组"]
        by_name = {series["name"]: series["data"] for series in chart["series"]}
        assert by_name["迟到"] == [1, 0] and by_name["到岗"] == [0, 1]  # late, present


async def test_today_is_the_default_and_a_team_filters(tmp_path: Path) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as manager:
        await manager.sign_in("manager")
        _, text, _ = await manager.get("/dashboard/attendance", params={"team": "guards"})
        assert 'value="2026-10-12"' in text
        assert [("李强" in row) for row in rows_of(text)] == [True]


@pytest.mark.parametrize(("query", "says"), [
    ({"date": "12/10/2026"}, "date: expected a date like 2026-10-01"),
    ({"team": "cooks"}, "team: no team cooks"),
    ({"date": "0001-01-01"}, "2000"),
    ({"date": "9999-12-31"}, "2999"),
])
async def test_a_bad_filter_is_answered_400(tmp_path: Path, query: dict[str, str], says: str) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/attendance", params=query)
        assert status == 400 and says in text


@pytest.mark.parametrize("query", [{"month": "0001-01"}, {"month": "9999-12"}, {"month": "2026-13"},
                                   {"person": "P999999"}, {"person": "x" * 500}])
async def test_a_bad_month_filter_is_answered_400(tmp_path: Path, query: dict[str, str]) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as manager:
        await manager.sign_in("manager")
        for path in ("/dashboard/attendance/month", "/dashboard/attendance/month/export"):
            status, _, _ = await manager.get(path, params=query)
            assert status == 400


async def test_the_month_per_team_and_per_person(tmp_path: Path) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/attendance/month", params={"month": "2026-10", "team": "office"})
        assert status == 200
        [row] = rows_of(text)
        assert "王芳" in row and f"person={s.people['王芳']}" in row
        status, text, _ = await guard.get("/dashboard/attendance/month",
                                          params={"month": "2026-10", "person": s.people["王芳"]})
        days = tables(text)[1]
        assert status == 200 and len(days) == 31
        assert any("2026-10-12" in day and "late 12 min" in day for day in days)
        assert any("2026-10-01" in day and "holiday" in day for day in days)  # National Day


async def test_a_manager_downloads_the_sheet_a_guard_may_not(tmp_path: Path) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as manager, browser(s.hub) as guard:
        await manager.sign_in("manager")
        await guard.sign_in("guard")
        _, page, _ = await manager.get("/dashboard/attendance", params={"date": "2026-10-12"})
        assert "/dashboard/attendance/export?date=2026-10-12&amp;format=csv" in page
        status, text, response = await manager.get("/dashboard/attendance/export",
                                                  params={"date": "2026-10-12", "team": "office", "format": "csv"})
        assert status == 200 and 'filename="attendance-2026-10-12.csv"' in response.headers["Content-Disposition"]
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert table[0][:3] == ["日期", "人员编号", "姓名"]  # the reader's language: the sheet's Chinese headers
        assert table[1][:6] == ["2026-10-12", s.people["王芳"], "王芳", "office", "白班", "late 12, open"]
        async with manager.session.get(manager.base + "/dashboard/attendance/month/export",
                                       params={"month": "2026-10", "team": "office", "format": "xlsx"}) as response:
            assert response.headers["Content-Disposition"] == 'attachment; filename="attendance-2026-10-office.xlsx"'
            book = load_workbook(io.BytesIO(await response.read()), read_only=True)
        lines = [[cell.value for cell in row] for row in book.active.iter_rows()]
        assert len(lines) == 1 + 31 + 1 and lines[-1][0] == "合计"  # each day of October, then 王芳's total
        _, page, _ = await guard.get("/dashboard/attendance")
        assert "/attendance/export" not in page
        status, text, _ = await guard.get("/dashboard/attendance/export", params={"format": "csv"})
        assert status == 403 and "王芳" not in text
        acts = await audit_acts(s.hub)
        assert [(a["by"], a["permission"]) for a in acts if a["act"] == "dashboard_denied"] == [
            ("guard", "attendance.export")]
        assert [(a["by"], a["format"]) for a in acts if a["act"] == "dashboard_export"] == [
            ("manager", "csv"), ("manager", "xlsx")]


@pytest.mark.parametrize("role", ["finance", "maintenance"])
async def test_roles_without_the_sheets_are_refused(tmp_path: Path, role: str) -> None:
    async with punched(tmp_path) as s, browser(s.hub) as someone:
        await someone.sign_in(role)
        for path in ("/dashboard/attendance", "/dashboard/attendance/month"):
            status, text, _ = await someone.get(path)
            assert status == 403 and "王芳" not in text
        _, overview, _ = await someone.get("/dashboard/")
        assert "/dashboard/attendance" not in overview


async def test_a_day_off_shows_the_punches_and_no_chart(tmp_path: Path) -> None:
    """Sunday 11 October 2026, the office's rest day: 王芳 came in from 10:00 to 12:05 anyway."""
    async with site(tmp_path, at(2026, 10, 11, 0, 0), dashboard={}) as s, browser(s.hub) as guard:
        await s.hub.data["auth"].manager.add_user("guard", "guard", PASSWORD, Actor("hub", "test"))
        await s.punch(OFFICE_CARD, at(2026, 10, 11, 10, 0))
        await s.punch(OFFICE_CARD, at(2026, 10, 11, 12, 5))
        s.clock.set(at(2026, 10, 11, 13, 0))
        await guard.sign_in("guard")
        _, text, _ = await guard.get("/dashboard/attendance", params={"team": "office"})
        [row] = rows_of(text)
        assert "10:00" in row and "12:05" in row and "rest day: 周末" in row
        assert "data-chart" not in text and "这一天没有人排班。" in text
