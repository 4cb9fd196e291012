"""Residents on the dashboard: households and persons listed, filtered, paged and exported; a
household masked for everyone, unmasked one value at a time by those who may (audited as theirs);
the office's sheet imported through the form as the signed-in manager, bad rows named, oversized
files refused; guards and finance kept to what docs/dashboard.md says."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from openpyxl import load_workbook

from tests.integrations.dashboard.conftest import Browser, audit_acts, browser, dashboard_hub
from tests.integrations.residents.sample import CONFIG, ID_NUMBER
from xiaoqu.core.hub import Hub
from xiaoqu.integrations.residents import dashboard_pages, get_residents

PHONE = "13812345678"
#: 王芳's household, and 60 more in building 2 so its list takes two pages.
HOME = "1-2-0601"


@asynccontextmanager
async def estate(tmp_path: Path) -> AsyncIterator[Hub]:
    async with dashboard_hub(tmp_path, CONFIG) as hub:
        residents = get_residents(hub)
        await residents.add_household(HOME, area_m2="89.5")
        owner = await residents.add_person(household=HOME, role="owner", name="王芳", phone=PHONE,
                                           id_number=ID_NUMBER, cards="04A2B3C4")
        await residents.add_person(household=HOME, role="family", name="王小明")
        await residents.add_vehicle("沪A12345", HOME, owner.id)
        await residents.record_consent(owner.id, "phone", "门禁通知", "前台李")
        await residents.add_person(kind="staff", name="赵敏", department="保安部", position="班长")
        for floor in range(1, 31):
            for room in ("01", "02"):
                await residents.add_household(f"2-1-{floor:02d}{room}", area_m2="100")
        yield hub


async def sign_in(client: Browser, role: str) -> None:
    """Signed in, with the session's form token (the overview's) ready for a POST."""
    await client.sign_in(role)
    await client.get("/dashboard/")


def rows_of(text: str) -> list[str]:
    return text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


async def upload(client: Browser, name: str, body: bytes, **fields: str) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("csrf_token", client.csrf)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("sheet", io.BytesIO(body), filename=name, content_type="text/csv")
    async with client.session.post(client.base + "/dashboard/residents/import", data=form,
                                   allow_redirects=False) as response:
        return response.status, await response.text()


def sheet(*rows: list[str]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([["房号", "楼栋", "单元", "面积", "姓名", "身份", "电话", "卡号"], *rows])
    return text.getvalue().encode("utf-8-sig")


async def test_households_are_listed_filtered_and_paged(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        status, text, _ = await manager.get("/dashboard/residents", params={"building": "1"})
        assert status == 200
        [row] = rows_of(text)
        assert f'href="/dashboard/residents/households/{HOME}"' in row
        assert ">89.50<" in row and ">2<" in row and "沪A12345" in row  # area, members, the car
        _, text, _ = await manager.get("/dashboard/residents", params={"q": "王小明"})
        assert len(rows_of(text)) == 1 and HOME in text
        _, text, _ = await manager.get("/dashboard/residents", params={"building": "2"})
        shown = rows_of(text)
        assert len(shown) == 50 and "2-1-0101" in shown[0] and "2-1-0102" in shown[1]
        assert "offset=50" in text and "第 1–50 条，共 60 条" in text
        _, text, _ = await manager.get("/dashboard/residents", params={"building": "2", "offset": "50"})
        assert len(rows_of(text)) == 10 and "2-1-3002" in rows_of(text)[-1]


async def test_the_list_exports_as_csv_and_xlsx(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as guard:
        await sign_in(guard, "guard")
        status, text, response = await guard.get("/dashboard/residents", params={"building": "1", "format": "csv"})
        assert status == 200 and response.content_type == "text/csv"
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert table[1] == [HOME, "1", "2", "0601", "89.50", "2", "沪A12345"]
        async with guard.session.get(guard.base + "/dashboard/residents?building=2&format=xlsx") as response:
            book = load_workbook(io.BytesIO(await response.read()), read_only=True)
        assert len(list(book.active.iter_rows())) == 61  # the heading and every household, not one page
        exports = [act for act in await audit_acts(hub) if act["act"] == "dashboard_export"]
        assert [(act["by"], act["format"]) for act in exports] == [("guard", "csv"), ("guard", "xlsx")]


async def test_a_download_too_large_names_the_way_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard_pages, "MAX_EXPORT", 10)
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        status, text, _ = await manager.get("/dashboard/residents", params={"building": "2", "format": "xlsx"})
        assert status == 400 and "60" in text
        status, _, _ = await manager.get("/dashboard/residents", params={"building": "1", "format": "csv"})
        assert status == 200
        assert [act["rows"] for act in await audit_acts(hub) if act["act"] == "dashboard_export"] == [1]


async def test_a_household_is_masked_and_a_guard_may_not_reveal(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as guard:
        person = get_residents(hub).person_named(HOME, "王芳")
        assert person is not None
        await sign_in(guard, "guard")
        status, text, _ = await guard.get(f"/dashboard/residents/households/{HOME}")
        assert status == 200
        assert "138****5678" in text and "04A2****" in text and "门禁通知" in text and "沪A12345" in text
        assert PHONE not in text and ID_NUMBER not in text and "04A2B3C4" not in text
        assert "/residents/reveal" not in text
        status, text, _ = await guard.post("/dashboard/residents/reveal", {"person": person.id, "field": "phone"})
        assert status == 403 and PHONE not in text
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert [(act["by"], act["permission"]) for act in denied] == [("guard", "residents.reveal")]
        assert not [act for act in await audit_acts(hub) if act["act"] == "personal_data_read"]


async def test_a_manager_reveals_one_value_audited_as_theirs(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        person = get_residents(hub).person_named(HOME, "王芳")
        assert person is not None
        await sign_in(manager, "manager")
        _, text, _ = await manager.get(f"/dashboard/residents/households/{HOME}")
        assert PHONE not in text and 'name="field" value="phone"' in text
        async with manager.session.post(manager.base + "/dashboard/residents/reveal",
                                        data={"person": person.id, "field": "phone"},
                                        headers={"HX-Request": "true", "X-CSRF-Token": manager.csrf}) as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
            assert (await response.text()).strip() == f'<code class="revealed">{PHONE}</code>'
        status, text, _ = await manager.post("/dashboard/residents/reveal", {"person": person.id, "field": "id_number"})
        assert status == 200 and ID_NUMBER in text and f"/dashboard/residents/households/{HOME}" in text
        reads = [act for act in await audit_acts(hub) if act["act"] == "personal_data_read"]
        assert [(act["by"], act["source"], act["field"]) for act in reads] == [
            ("manager", "dashboard", "phone"), ("manager", "dashboard", "id_number")]


async def test_a_reveal_of_nothing_is_refused(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        status, _, _ = await manager.post("/dashboard/residents/reveal", {"person": "P000001", "field": "password"})
        assert status == 400
        status, _, _ = await manager.post("/dashboard/residents/reveal", {"person": "P999999", "field": "phone"})
        assert status in (400, 409)


async def test_persons_are_filtered_by_role_department_and_text(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        _, text, _ = await manager.get("/dashboard/residents/persons", params={"role": "staff"})
        [row] = rows_of(text)
        assert "赵敏" in row and "保安部" in row and "班长" in row
        _, text, _ = await manager.get("/dashboard/residents/persons", params={"role": "owner", "q": "王"})
        [row] = rows_of(text)
        assert "王芳" in row and "138****5678" in row and "04A2****" in row and PHONE not in row
        _, text, _ = await manager.get("/dashboard/residents/persons", params={"department": "保安部"})
        assert len(rows_of(text)) == 1
        status, _, _ = await manager.get("/dashboard/residents/persons", params={"role": "boss"})
        assert status == 400
        status, text, _ = await manager.get("/dashboard/residents/persons", params={"role": "family", "format": "csv"})
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert [row[1:3] for row in table[1:]] == [["王小明", "家属"]]


async def test_the_office_sheet_downloads_for_managers_only(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager, browser(hub) as guard:
        await sign_in(manager, "manager")
        await sign_in(guard, "guard")
        status, text, _ = await manager.get("/dashboard/residents/sheet", params={"format": "csv"})
        assert status == 200
        table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert table[0][:3] == ["人员编号", "房号", "楼栋"]  # the sheet's own headers: it imports back as it is
        assert any("138****5678" in row for row in table) and PHONE not in text
        exported = [act for act in await audit_acts(hub) if act["act"] == "residents_exported"]
        assert [(act["by"], act["source"], act["rows"], act["unmasked"]) for act in exported] == [
            ("manager", "dashboard", len(table) - 1, False)]
        assert not list((hub.config.data_dir / "uploads").iterdir())  # type: ignore[operator]
        status, text, _ = await guard.get("/dashboard/residents/sheet", params={"format": "csv"})
        assert status == 403 and "王芳" not in text
        _, households, _ = await guard.get("/dashboard/residents")
        assert "/residents/sheet" not in households and "/residents/import" not in households


async def test_a_sheet_imported_through_the_form_names_its_bad_rows(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        status, text, _ = await manager.get("/dashboard/residents/import")
        assert status == 200 and 'enctype="multipart/form-data"' in text
        body = sheet(["0701", "1", "2", "95", "陈静", "业主", "13900001111", ""],
                     ["0702", "1", "2", "", "刘洋", "房东", "", ""],
                     ["0601", "1", "2", "", "王小明", "家属", "", "04A2B3C5"])
        status, text = await upload(manager, "住户名单.csv", body)
        assert status == 200
        assert "住户名单.csv:3: 身份: expected owner, tenant, family" in text
        residents = get_residents(hub)
        assert residents.person_named("1-2-0701", "陈静") is not None and residents.household("1-2-0702") is None
        assert residents.person_named(HOME, "王小明").cards == ("04A2B3C5",)  # type: ignore[union-attr]
        imported = [act for act in await audit_acts(hub) if act["act"] == "residents_imported"]
        assert [(act["by"], act["source"], act["errors"]) for act in imported] == [("manager", "dashboard", 1)]
        assert not list((hub.config.data_dir / "uploads").iterdir())  # type: ignore[operator]


async def test_all_or_nothing_imports_nothing_when_a_row_is_bad(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        body = sheet(["0701", "1", "2", "95", "陈静", "业主", "", ""], ["0702", "1", "2", "", "刘洋", "房东", "", ""])
        status, text = await upload(manager, "list.csv", body, all_or_nothing="on")
        assert status == 400 and "list.csv:3: 身份" in text
        assert get_residents(hub).household("1-2-0701") is None



@pytest.mark.parametrize(("name", "body", "status", "says"), [
    ("big.csv", b"x" * 15_000_000, 413, "15.0 MB"),
    ("list.txt", sheet(["0701", "1", "2", "", "", "", "", ""]), 400, ".csv 或 .xlsx"),
    ("empty.csv", b"", 400, "empty.csv 是空文件"),
    ("broken.xlsx", b"PK\x03\x04 not really", 400, "broken.xlsx"),
])
async def test_an_upload_the_import_cannot_take_is_refused_and_changes_nothing(
        tmp_path: Path, name: str, body: bytes, status: int, says: str) -> None:
    async with estate(tmp_path) as hub, browser(hub) as manager:
        await sign_in(manager, "manager")
        before = sorted(household.id for household in get_residents(hub).households())
        answer, text = await upload(manager, name, body)
        assert (answer, says in text) == (status, True)
        assert "uploads" not in text and str(tmp_path) not in text
        assert sorted(household.id for household in get_residents(hub).households()) == before
        assert not [act for act in await audit_acts(hub) if act["act"] == "residents_imported"]


@pytest.mark.parametrize("role", ["guard", "finance"])
async def test_an_import_by_another_role_is_refused_and_audited(tmp_path: Path, role: str) -> None:
    async with estate(tmp_path) as hub, browser(hub) as someone:
        await sign_in(someone, role)
        status, _, _ = await someone.get("/dashboard/residents/import")
        assert status == 403
        answer, _ = await upload(someone, "list.csv", sheet(["0701", "1", "2", "95", "陈静", "业主", "", ""]))
        assert answer == 403 and get_residents(hub).household("1-2-0701") is None
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert [(act["by"], act["page"]) for act in denied] == [(role, "residents/import")] * 2


async def test_finance_sees_no_residents_pages(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as clerk:
        await sign_in(clerk, "finance")
        for path in ("/dashboard/residents", f"/dashboard/residents/households/{HOME}", "/dashboard/residents/persons"):
            status, text, _ = await clerk.get(path)
            assert status == 403 and "王芳" not in text
        _, overview, _ = await clerk.get("/dashboard/")
        assert "/dashboard/residents" not in overview


async def test_an_unknown_household_and_overlong_filters_are_answered(tmp_path: Path) -> None:
    async with estate(tmp_path) as hub, browser(hub) as guard:
        await sign_in(guard, "guard")
        status, _, _ = await guard.get("/dashboard/residents/households/9-9-9999")
        assert status == 404
        status, text, _ = await guard.get("/dashboard/residents", params={"q": "x" * 500})
        assert status == 400 and "64" in text
