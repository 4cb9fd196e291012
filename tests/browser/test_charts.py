"""The frame on the demo: traffic charts drawn by the vendored ECharts (and only where there is a
chart), the grouped bar on a desk screen and behind the menu on a phone, and the exports."""
from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from .site import screenshot

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
#: What a drawn chart has that an empty box has not.
DRAWN = "[data-chart][data-drawn] canvas"


def scripts(page: Page) -> list[str]:
    return page.evaluate("[...document.scripts].map(script => script.src).filter(Boolean)")


def test_the_overview_and_the_access_log_draw_todays_traffic(signed_in: Page) -> None:
    page = signed_in
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator(f"#overview-traffic{DRAWN}".replace("[data-chart]", ""))).to_be_visible()
    assert any("echarts-" in src for src in scripts(page))
    screenshot(page, "overview-chart")
    page.goto("/dashboard/access")
    expect(page.locator(f"#access-traffic{DRAWN}".replace("[data-chart]", ""))).to_be_visible()
    series = page.evaluate("echarts.getInstanceByDom(document.getElementById('access-traffic')).getOption().series"
                           ".map(s => [s.name, s.stack, s.data.length])")
    assert series == [["通过", "total", 24], ["拒绝", "total", 24]]
    screenshot(page, "access-log")
    assert errors == []


def test_a_page_without_a_chart_does_not_load_echarts(signed_in: Page) -> None:
    signed_in.goto("/dashboard/doors")
    expect(signed_in.locator("main table")).to_be_visible()
    signed_in.wait_for_load_state("networkidle")
    assert not any("echarts-" in src for src in scripts(signed_in))
    assert signed_in.evaluate("typeof window.echarts") == "undefined"


def test_a_chart_follows_its_box_on_a_tablet_turned(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(TABLET)
    page.goto("/dashboard/access")
    chart = page.locator("#access-traffic canvas")
    expect(chart).to_be_visible()
    upright = chart.bounding_box()
    page.set_viewport_size({"width": TABLET["height"], "height": TABLET["width"]})
    # a function, not an expression: Playwright evals an expression, which the page's CSP refuses
    page.wait_for_function("() => document.querySelector('#access-traffic canvas').getBoundingClientRect().width > "
                           f"{upright['width'] + 100 if upright else 0}")
    screenshot(page, "access-log-tablet")


def test_the_bar_groups_pages_and_folds_on_a_phone(signed_in: Page) -> None:
    page = signed_in
    logs = page.locator("header details.group", has_text="日志")
    logs.locator("summary").click()
    expect(logs.get_by_role("link", name="通行记录")).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes the group
    expect(logs.get_by_role("link", name="通行记录")).to_be_hidden()
    page.set_viewport_size(PHONE)
    page.goto("/dashboard/access")
    toggle = page.locator("header .menu-toggle")
    expect(page.locator("header nav")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("header nav").get_by_role("link", name="概览")).to_be_visible()
    logs.locator("summary").click()
    expect(logs.get_by_role("link", name="通行记录")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    screenshot(page, "menu-phone")
    toggle.click()
    expect(page.locator("header nav")).to_be_hidden()
    screenshot(page, "access-log-phone")


def test_the_access_log_downloads_as_csv_and_xlsx(signed_in: Page) -> None:
    page = signed_in
    page.goto("/dashboard/access")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    assert csv_download.value.suggested_filename == "access-log.csv"
    path = csv_download.value.path()
    table = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert table[0][:2] == ["时间", "门"]
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    assert xlsx_download.value.suggested_filename == "access-log.xlsx"
    assert xlsx_download.value.path().read_bytes()[:2] == b"PK"
