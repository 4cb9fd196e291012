"""The residents' portal on a phone: a demo resident the office invites makes their account at
/portal/join, signs in, finds their home's smart plug among their devices, switches it, and
sees it switch — the simulator's plug answering over MQTT, the page kept live. Screenshots of
each portal page on a phone's screen."""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from xiaoqu.core.bus import Context, Event
from xiaoqu.integrations.access.const import EVENT_ACCESS_GRANTED
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.smart_home import get_smart_home

from .site import LIVE_TIMEOUT_MS, MANAGER, DemoSite, screenshot, sign_in
from .site import PASSWORD as STAFF_PASSWORD

#: An iPhone 12-15's screen, as Chrome's device toolbar has it.
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                         "has_touch": True}
USER = "resident-demo"
PASSWORD = "my-own-home-2026"


@pytest.fixture
def phone(browser: Browser, demo_site: DemoSite, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh phone-sized browser, in Chinese; a failed test leaves a screenshot of where it was."""
    context = browser.new_context(base_url=demo_site.base_url, locale="zh-CN", **PHONE)
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"failed-{request.node.name}")
    context.close()


async def _plug_home(site: DemoSite) -> tuple[str, str, str]:
    """A demo household with a smart plug that has joined the hub, a resident of it with no
    account yet, and the plug's entity."""
    assert site.hub is not None
    smart_home, residents = get_smart_home(site.hub), get_residents(site.hub)
    for household in sorted(smart_home.households):
        plugs = sorted(e for e in smart_home.entity_ids(household) if e.startswith("switch."))
        people = [p for p in residents.persons_of(household) if not p.erased and p.user is None]
        if plugs and people and site.hub.states.get(plugs[0]) is not None:
            return household, people[0].id, plugs[0]
    raise AssertionError("no demo household has a smart plug on the hub yet")


async def _invite(site: DemoSite, person: str) -> str:
    """The office's one-time code for ``person``, asked by the demo's manager."""
    assert site.hub is not None
    manager = site.hub.data["auth"].manager.user_by_name(MANAGER)
    answer = await site.hub.services.call("residents", "invite", {"person": person},
                                          context=Context(user_id=manager.id), return_response=True)
    assert isinstance(answer, dict)
    return str(answer["code"])


async def _state(site: DemoSite, entity_id: str) -> str:
    assert site.hub is not None
    state = site.hub.states.get(entity_id)
    return "" if state is None else state.state


def _shot(page: Page, name: str) -> None:
    """The whole page, scrolled to its end first: the tab bar stays at the foot of the screen,
    which is then the foot of the page too (a full-page picture keeps the screen's height)."""
    _fits_the_screen(page)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    screenshot(page, name)


def _fits_the_screen(page: Page) -> None:
    """Nothing wider than the phone: a mobile browser would otherwise zoom the page out to fit it."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"the page is {width} px wide: it scrolls sideways"


def test_an_invited_resident_joins_and_switches_their_plug_on_a_phone(phone: Page, demo_site: DemoSite) -> None:
    page = phone
    household, person, plug = demo_site.call(_wait_for_a_plug(demo_site))
    code = demo_site.call(_invite(demo_site, person))

    page.goto("/portal/join")
    _shot(page, "portal-join")
    page.locator("input[name=code]").fill(code.lower())
    page.locator("input[name=username]").fill(USER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=again]").fill(PASSWORD)
    page.locator("form button").tap()
    expect(page.get_by_role("status")).to_contain_text(USER)
    assert demo_site.call(_linked(demo_site, person)) == USER

    page.get_by_role("link", name="登录").tap()
    expect(page).to_have_url(re.compile(r"/dashboard/login\?next=/portal/$"))
    page.locator("input[name=username]").fill(USER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button").tap()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    building, unit, room = household.split("-")
    expect(page.locator("h1")).to_have_text(f"{building}号楼 {unit}单元 {room}室")
    _shot(page, "portal-home")

    page.locator("nav.tabs").get_by_role("link", name="我的设备").tap()
    expect(page).to_have_url(re.compile(r"/portal/devices$"))
    row = page.locator(f"#device-{plug.replace('.', '-')}")
    switch = row.get_by_role("switch")
    before = switch.get_attribute("aria-checked")
    page.wait_for_function("() => window.htmx !== undefined")
    switch.tap()
    expect(row.get_by_role("switch")).not_to_have_attribute("aria-checked", before or "")
    assert demo_site.call(_state(demo_site, plug)) == ("off" if before == "true" else "on")
    _shot(page, "portal-devices")

    entered = demo_site.watch(EVENT_ACCESS_GRANTED)
    demo_site.call(_swipe_at_a_gate(demo_site, person))
    _first(entered)
    page.locator("nav.tabs").get_by_role("link", name="出入记录").tap()
    expect(page.locator("h1")).to_have_text("出入记录")
    expect(page.locator("ul.entries li").first).to_contain_text("已通行")
    _shot(page, "portal-entries")

    response = page.goto("/dashboard/")  # the staff's pages are not hers: refused in her own frame
    assert response is not None and response.status == 403
    expect(page.locator("nav.tabs")).to_be_visible()


def test_staff_are_refused_the_portal(phone: Page, demo_site: DemoSite) -> None:
    sign_in(phone, MANAGER, STAFF_PASSWORD)
    expect(phone).to_have_url(re.compile(r"/dashboard/$"))
    response = phone.goto("/portal/devices")
    assert response is not None and response.status == 403
    expect(phone.get_by_role("alert")).to_contain_text("/dashboard/")


async def _swipe_at_a_gate(site: DemoSite, person: str) -> None:
    """The resident holds their card to a pedestrian gate's simulated reader, which asks the hub
    over MQTT as on any other walk home."""
    assert site.hub is not None
    found = get_residents(site.hub).person(person)
    assert found is not None and found.cards
    gate = next(reader for reader in site.hub.data["simulator"].readers if reader.reader.building is None)
    gate.present("card", found.cards[0], found.name)


def _first(events: list[Event]) -> Event:
    deadline = time.monotonic() + LIVE_TIMEOUT_MS / 1000
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events, "the gate's reader was not answered"
    return events[0]


async def _wait_for_a_plug(site: DemoSite) -> tuple[str, str, str]:
    """The simulator's plugs join as the demo starts: wait for one, as a person would."""
    async with asyncio.timeout(LIVE_TIMEOUT_MS / 1000):
        while True:
            try:
                return await _plug_home(site)
            except AssertionError:
                await asyncio.sleep(0.2)


async def _linked(site: DemoSite, person: str) -> str | None:
    assert site.hub is not None
    found = get_residents(site.hub).person(person)
    return None if found is None else found.user
