"""Residents and attendance in the browser on the demo: the manager finds a household among the
simulator's, opens it (personal data masked; one value revealed in place, audited as theirs),
imports a small sheet through the form and reads what it did, and reads today's attendance and
the office's month."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from xiaoqu.core.auth.audit import KIND as AUDIT_KIND
from xiaoqu.core.hub import Hub
from xiaoqu.integrations.residents import get_residents

from .site import MANAGER, DemoSite, screenshot

#: A household the demo does not have (its buildings are 1 to 3), for the sheet the manager imports.
NEW_HOUSEHOLD = "9-1-0101"
SHEET = ("房号,楼栋,单元,面积,姓名,身份,电话\n"
         "0101,9,1,88.5,陈静,业主,13900001111\n"
         "0101,9,1,,刘洋,房东,\n")


def the_hub(site: DemoSite) -> Hub:
    assert site.hub is not None
    return site.hub


async def _faced_household(hub: Hub) -> tuple[str, str]:
    """The demo's fullest household with a car (most members first), and the name of a member whose
    face id is on record: the page a person would want to see shown."""
    residents = get_residents(hub)
    households = sorted((h.id for h in residents.households() if residents.vehicles_of(h.id)),
                        key=lambda h: (-len(residents.persons_of(h)), h))
    for household in households:
        faced = [p for p in residents.persons_of(household) if p.face_id is not None and not p.erased]
        if faced:
            return household, faced[0].name
    raise AssertionError("no demo household with a car has a face id on record")


async def _member_names(hub: Hub, household: str) -> list[str]:
    return sorted(person.name for person in get_residents(hub).persons_of(household))


def test_a_manager_opens_a_household_and_reveals_a_face_id(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    household, name = demo_site.call(_faced_household(the_hub(demo_site)))
    page.goto("/dashboard/residents")
    expect(page.locator("table.list tbody tr").first).to_be_visible()
    screenshot(page, "residents-households")
    page.locator("input[name=q]").fill(name)
    page.locator("form.filters button").click()
    page.get_by_role("link", name=household, exact=True).click()
    expect(page.locator("h1")).to_contain_text(household)
    row = page.locator("tr", has_text=name)
    expect(row.locator("code", has_text=re.compile(r"^F\*{4}"))).to_be_visible()
    screenshot(page, "residents-household")
    row.locator("form.reveal button").first.click()
    expect(row.locator("code.revealed")).to_be_visible()
    reads = [r for r in demo_site.records(AUDIT_KIND) if r["act"] == "personal_data_read"]
    assert [(r["by"], r["source"], r["field"]) for r in reads][-1:] == [(MANAGER, "dashboard", "face_id")]


def test_a_manager_imports_a_small_sheet_through_the_form(signed_in: Page, demo_site: DemoSite,
                                                          tmp_path: Path) -> None:
    page = signed_in
    sheet = tmp_path / "新住户.csv"
    sheet.write_text(SHEET, encoding="utf-8-sig")
    page.goto("/dashboard/residents")
    page.get_by_role("link", name="导入表格").click()
    page.locator("input[name=sheet]").set_input_files(sheet)
    page.locator("form[enctype] button").click()
    result = page.locator("#result")
    expect(result).to_contain_text("新住户.csv:3: 身份: expected owner, tenant, family")
    screenshot(page, "residents-import")
    assert demo_site.call(_member_names(the_hub(demo_site), NEW_HOUSEHOLD)) == ["陈静"]
    page.goto("/dashboard/residents/persons?role=staff")
    expect(page.locator("table.list tbody tr")).to_have_count(7)  # the demo's seven staff
    screenshot(page, "residents-persons")


def test_the_attendance_day_sheet_and_the_office_month(signed_in: Page) -> None:
    page = signed_in
    page.goto("/dashboard/attendance")
    expect(page.locator("table.list tbody tr", has_text="P0001")).to_have_count(7)
    # drawn, or on a day nobody works (a Sunday for the office, the guards' day off) said so
    expect(page.locator("#by-team .chart[data-drawn], #by-team p.muted")).to_be_visible()
    screenshot(page, "attendance-day")
    page.goto("/dashboard/attendance/month?team=office")
    expect(page.locator("table.list tbody tr").first).to_be_visible()
    screenshot(page, "attendance-month")
