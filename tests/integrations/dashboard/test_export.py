"""The frame's export: a list's rows as CSV or .xlsx, no cell a formula, Chinese headings that
open right in Chinese Excel, a download never cached, audited, and refused to whoever may not
see the page."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from tests.integrations.access.test_dashboard_pages import estate_with_entries
from tests.integrations.dashboard.conftest import audit_acts, browser, dashboard_hub
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export

ATTACK = "=cmd|' /C calc'!A0"
HEADINGS = ("姓名", "房号", "电话")
ROWS = [(ATTACK, "1-1-0101", "138****0000"), ("王芳", "+1-2-0202", None), ("@SUM(A1)", 42, "\x01bell")]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Audit:
    """What the export asked the audit log to record."""

    def __init__(self) -> None:
        self.acts: list[tuple[str, dict[str, Any]]] = []

    def record(self, act: str, _context: object, **details: Any) -> None:
        self.acts.append((act, details))


async def download(fmt: str, audit: Audit) -> tuple[bytes, Any]:
    """The export of :data:`ROWS` as a page would answer it, through a real HTTP server."""

    async def handler(request: web.Request) -> web.Response:
        page = SimpleNamespace(query=request.query, request=request, context=None,
                               dashboard=SimpleNamespace(access=audit))
        asked = wants_export(page)  # type: ignore[arg-type]
        assert asked == fmt
        return export_response(page, "people", HEADINGS, iter(ROWS), asked)  # type: ignore[arg-type]

    app = web.Application()
    app.router.add_get("/dashboard/people", handler)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/dashboard/people", params={"building": "1", "format": fmt})
        assert response.status == 200
        return await response.read(), response


async def test_a_csv_export_defuses_formulas_and_opens_in_chinese_excel() -> None:
    audit = Audit()
    body, response = await download("csv", audit)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Chinese Excel looks for
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table == [list(HEADINGS), [f"'{ATTACK}", "1-1-0101", "138****0000"], ["王芳", "'+1-2-0202", ""],
                     ["'@SUM(A1)", "42", "\x01bell"]]
    assert audit.acts == [("dashboard_export", {"page": "/dashboard/people", "format": "csv", "rows": 3,
                                                "filters": {"building": "1"}})]


async def test_an_xlsx_export_holds_text_never_a_formula() -> None:
    body, response = await download("xlsx", Audit())
    assert response.headers["Content-Type"] == XLSX_TYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "people"
    cells = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [cell.value for cell in cells[0]] == list(HEADINGS)
    assert [cell.value for cell in cells[1]] == [ATTACK, "1-1-0101", "138****0000"]
    assert {cell.data_type for row in cells for cell in row if cell.value != 42} <= {"s", "inlineStr"}  # no "f"
    assert [cell.value for cell in cells[3]] == ["@SUM(A1)", 42, "bell"]  # a control character XML cannot hold goes


def test_only_csv_and_xlsx_are_exports() -> None:
    def page(query: dict[str, str]) -> Any:
        return SimpleNamespace(query=query)

    assert [wants_export(page({"format": fmt})) for fmt in ("csv", "xlsx", "pdf", "")] == ["csv", "xlsx", None, None]
    assert wants_export(page({})) is None


def test_export_links_keep_the_filters() -> None:
    page = SimpleNamespace(query={"door": "b1 east", "format": "csv"}, request=SimpleNamespace(path="/dashboard/access"))
    assert export_urls(page) == ("/dashboard/access?door=b1+east&format=csv",  # type: ignore[arg-type]
                                 "/dashboard/access?door=b1+east&format=xlsx")


@pytest.mark.parametrize(("name", "fmt"), [('a"b', "csv"), ("../etc", "csv"), ("", "csv"), ("ok", "pdf")])
def test_a_bad_name_or_format_is_the_codes_mistake(name: str, fmt: str) -> None:
    page = SimpleNamespace(query={}, request=SimpleNamespace(path="/x"))
    with pytest.raises(ValueError):
        export_response(page, name, ("a",), [], fmt)  # type: ignore[arg-type]


async def test_the_access_log_exports_as_xlsx_with_the_pages_rows(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as guard:
        await guard.sign_in("guard")
        status, page, _ = await guard.get("/dashboard/access", params={"door": "b1_east"})
        assert status == 200
        assert 'href="/dashboard/access?door=b1_east&amp;format=xlsx"' in page
        async with guard.session.get(guard.base + "/dashboard/access",
                                     params={"door": "b1_east", "format": "xlsx"}) as response:
            assert response.status == 200 and response.content_type == XLSX_TYPE
            assert response.headers["Content-Disposition"] == 'attachment; filename="access-log.xlsx"'
            body = await response.read()
        rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(body)).active.iter_rows()]
        assert rows[0] == ["时间", "门", "凭证", "人员", "住户", "结果", "原因", "规则"]
        assert [(row[1], row[5]) for row in rows[1:]] == [("b1_east", "拒绝"), ("b1_east", "通过")]
        exports = [act for act in await audit_acts(hub) if act["act"] == "dashboard_export"]
        assert [(act["by"], act["page"], act["format"], act["rows"], act["filters"]) for act in exports] == [
            ("guard", "/dashboard/access", "xlsx", 2, {"door": "b1_east"})]


async def test_the_audit_log_exports_for_an_admin_in_their_language(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as admin:
        await admin.sign_in("admin")
        status, text, response = await admin.get("/dashboard/audit", params={"act": "user_added", "format": "csv"})
        assert status == 200 and response.content_type == "text/csv"
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert table[0] == ["时间", "操作", "操作人", "来源", "IP", "详情"]
        assert len(table) == 5 and {row[1] for row in table[1:]} == {"user_added"}
        await admin.get("/dashboard/")  # the session's form token
        status, _, _ = await admin.post("/dashboard/language", {"language": "en", "next": "/dashboard/"})
        assert status == 303
        _, text, _ = await admin.get("/dashboard/audit", params={"format": "csv"})
        assert text.removeprefix("\ufeff").splitlines()[0] == "Time,Act,By,Source,IP,Details"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_an_export_is_refused_to_whoever_may_not_see_the_page(tmp_path: Path, fmt: str) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        status, text, response = await manager.get("/dashboard/audit", params={"format": fmt})
        assert status == 403 and "Content-Disposition" not in response.headers and "user_added" not in text
        acts = await audit_acts(hub)
        assert [act["by"] for act in acts if act["act"] == "dashboard_denied"] == ["manager"]
        assert not [act for act in acts if act["act"] in ("dashboard_export", "audit_read")]
