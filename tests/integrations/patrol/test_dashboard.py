"""Patrol on the dashboard: today's rounds with each verdict and why, the site map as server-drawn
SVG (no script, under the page's CSP) coloured by the day's worst status, the missed report with
its download for managers only, bad filters answered 400, other roles kept out."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.integrations.dashboard.conftest import PASSWORD, ROLES, browser
from tests.integrations.patrol.conftest import Site, at, site
from xiaoqu.core.auth import Actor


@asynccontextmanager
async def walked(tmp_path: Path) -> AsyncIterator[Site]:
    """2 March 2026, seen at 23:59: the 08:00 day round on time, the 20:00 night round without 2号楼."""
    async with site(tmp_path, at(23, 59), dashboard={}) as s:
        for role in (*ROLES, "maintenance"):
            await s.hub.data["auth"].manager.add_user(role, role, PASSWORD, Actor("hub", "test"))
        scans = [("cp-gate", 8, 1), ("cp-b1", 8, 14), ("cp-gate", 20, 0), ("cp-b1", 20, 10), ("cp-pump", 20, 30)]
        await s.call("upload", {"wand": "wand-1", "scans": [
            {"checkpoint": c, "ts": at(h, m).isoformat(), "scan_id": f"{h}{m}{c}"} for c, h, m in scans]})
        yield s


async def test_the_rounds_and_the_site_map_of_a_day(tmp_path: Path) -> None:
    async with walked(tmp_path) as s, browser(s.hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/patrol", params={"date": "2026-03-02"})
        assert status == 200
        assert text.count('class="card round"') == 5  # day 08:00, 12:00, 16:00; night 20:00, 22:00
        assert 'class="badge bad status incomplete"' in text and "漏检" in text
        assert "no scan from 20:05 to 20:50" in text

        status, svg_page, response = await guard.get("/dashboard/patrol/map", params={"date": "2026-03-02"})
        assert status == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
        svg = svg_page.split('<svg class="site-map"')[1].split("</svg>")[0]
        assert "<script" not in svg_page.split("</header>")[-1].split("<footer")[0] and "on" + "load=" not in svg
        points = re.findall(r'<g class="checkpoint (\w+)">\s*<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" '
                            r'fill="(#\w+)".*?<title>([^<]*)</title>', svg, flags=re.S)
        # Every checkpoint missed a round (the 22:00 night round was never walked): red, each where it stands,
        # and its tooltip counts the day's verdicts.
        assert [(status, x, y, colour) for status, x, y, colour, _ in points] == [
            ("missed", "50", "92", "#cf222e"), ("missed", "20", "40", "#cf222e"), ("missed", "50", "30", "#cf222e"),
            ("missed", "80", "60", "#cf222e")]
        assert points[3][4] == "水泵房 (cp-pump), 地下一层: 正常 1, 漏检 1"

        status, _, _ = await guard.get("/dashboard/patrol", params={"date": "2026-02-30"})
        assert status == 400


async def test_the_missed_report_and_its_download_for_managers_only(tmp_path: Path) -> None:
    async with walked(tmp_path) as s, browser(s.hub) as manager, browser(s.hub) as guard, \
            browser(s.hub) as finance:
        await manager.sign_in("manager")
        await guard.sign_in("guard")
        await finance.sign_in("finance")
        params = {"start": "2026-03-02", "end": "2026-03-02", "route": "night"}
        status, text, _ = await guard.get("/dashboard/patrol/missed", params=params)
        assert status == 200 and "2号楼" in text and "/export?" not in text  # no download for a guard
        status, _, _ = await guard.get("/dashboard/patrol/missed/export", params={**params, "format": "csv"})
        assert status == 403
        _, page, _ = await manager.get("/dashboard/patrol/missed", params=params)
        assert "/dashboard/patrol/missed/export?" in page
        status, body, response = await manager.get("/dashboard/patrol/missed/export", params={**params, "format": "csv"})
        assert status == 200
        assert 'filename="patrol-missed-2026-03-02-2026-03-02.csv"' in response.headers["Content-Disposition"]
        table = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
        assert table[0][:4] == ["日期", "路线", "巡更轮次", "巡更点"]
        assert [(row[1], row[3]) for row in table[1:]] == [("night", "cp-b2"), ("night", "cp-gate"), ("night", "cp-b1"),
                                                          ("night", "cp-b2"), ("night", "cp-pump")]
        status, _, _ = await finance.get("/dashboard/patrol/missed", params=params)
        assert status == 403
        status, _, _ = await manager.get("/dashboard/patrol/missed", params={"start": "2026-03-02", "end": "2026-03-01"})
        assert status == 400
