"""The pages under their Content-Security-Policy in Chromium, on the demo: no inline script
runs, and everything the frame and the portal do still works — the bar's menu on a phone, the
language switched by its list, charts drawn by the vendored ECharts, events and devices kept
live over server-sent events, a recharge's button sent once — with not one refusal in the
browser's console."""
from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from xiaoqu.core.auth import Actor
from xiaoqu.integrations.access.const import EVENT_ACCESS_GRANTED
from xiaoqu.integrations.residents import get_residents

from .site import LIVE_TIMEOUT_MS, PASSWORD, DemoSite, sign_in
from .test_overview import PHONE
from .test_portal import _wait_for_a_plug

#: Users of this file's own: switching the language is kept per user, and the demo's manager
#: reads Chinese in the other files' tests.
STAFF, RESIDENT = "manager-csp", "resident-csp"


def refusals(page: Page) -> list[str]:
    """What the page's policy refuses from now on, as Chromium's console reports it."""
    found: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", seen)
    return found


async def _add_staff(site: DemoSite) -> None:
    assert site.hub is not None
    await site.hub.data["auth"].manager.add_user(STAFF, "manager", PASSWORD, Actor("hub", "test"))


def test_the_dashboard_works_under_its_policy(page: Page, demo_site: DemoSite) -> None:
    demo_site.call(_add_staff(demo_site))
    refused = refusals(page)
    sign_in(page, STAFF, PASSWORD)
    expect(page.locator("#overview-traffic canvas")).to_be_visible()  # ECharts, fetched by charts.js

    page.goto(f"/dashboard/events?type={EVENT_ACCESS_GRANTED}")
    rows = page.locator(f"table.events tbody tr.{EVENT_ACCESS_GRANTED}")
    expect(rows).not_to_have_count(rows.count(), timeout=LIVE_TIMEOUT_MS)  # a swipe, over the stream

    page.set_viewport_size(PHONE)
    toggle = page.locator("header .menu-toggle")
    expect(page.locator("header nav")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.locator("header select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/dashboard/cards?status=active")
    page.locator("main table a[href^='/dashboard/cards/']").first.click()
    recharge = page.locator("form[action$='/recharge']")
    recharge.locator("input[name=amount]").fill("0.01")
    recharge.locator("button").click()
    expect(page.locator("main h1")).to_have_text("Recharged")
    assert refused == []


async def _resident_with_a_plug(site: DemoSite) -> str:
    """A demo resident of a household with a smart plug, signing in as :data:`RESIDENT`; the plug."""
    assert site.hub is not None
    _household, person, plug = await _wait_for_a_plug(site)
    await site.hub.data["auth"].manager.add_user(RESIDENT, "resident", PASSWORD, Actor("hub", "test"))
    await get_residents(site.hub).link_user(person, RESIDENT)
    return plug


def test_the_portal_works_under_its_policy(page: Page, demo_site: DemoSite) -> None:
    plug = demo_site.call(_resident_with_a_plug(demo_site))
    refused = refusals(page)
    sign_in(page, RESIDENT, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.goto("/portal/devices")
    page.wait_for_function("() => window.htmx !== undefined")
    row = page.locator(f"#device-{plug.replace('.', '-')}")
    before = row.get_by_role("switch").get_attribute("aria-checked")
    row.get_by_role("switch").click()  # htmx posts it; the stream swaps the row in
    expect(row.get_by_role("switch")).not_to_have_attribute("aria-checked", before or "")
    assert refused == []
