"""The live event stream: a card swiped at a simulated reader shows up without a reload."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from xiaoqu.integrations.access.const import EVENT_ACCESS_GRANTED

from .site import LIVE_TIMEOUT_MS, DemoSite, screenshot

#: Set on the page once it loaded; gone if the browser loaded it again.
MARK = "window.__loadedOnce"


def test_a_simulated_swipe_appears_live_without_a_reload(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    swipes = demo_site.watch(EVENT_ACCESS_GRANTED)  # before the page: any row it gets later is one of these
    page.goto(f"/dashboard/events?type={EVENT_ACCESS_GRANTED}")
    page.evaluate(f"{MARK} = true")
    rows = page.locator(f"table.events tbody tr.{EVENT_ACCESS_GRANTED}")
    before = rows.count()
    expect(rows).not_to_have_count(before, timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate(MARK) is True
    newest = rows.first.locator("td").nth(2).inner_text()
    assert newest in {swipe.data["door"] for swipe in swipes}
    screenshot(page, "events")
