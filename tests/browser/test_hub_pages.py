"""The hub's own pages on the demo: its entities and the history of one (a chart for the main
gate's barrier arm, a timeline for a door), its devices, its automations with a run in full,
and an automation switched off and on again by the signed-in manager."""
from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

from playwright.sync_api import Page, expect

from xiaoqu.core.automation.const import DATA_ENGINE
from xiaoqu.core.history.recording import KIND_STATE
from xiaoqu.core.hub import Hub

from .site import DemoSite, screenshot

#: A measurement the simulator moves whenever a car comes in: the main gate's barrier arm, in percent.
ARM = "sensor.main_gate_lane_1_arm_position"
#: An automation the simulator's cars run every few seconds: a plate read at the main gate's
#: entrance, checked with access (a step with a response), a condition on the decision, the barrier.
BUSY = "opening_balances"
#: One that waits for dusk: switching it off and on again disturbs nothing the other tests watch.
QUIET = "path_lights_at_dusk"
#: The door people pass most often: its timeline has stretches locked, unlocked and open.
BUSY_DOOR = "gate-1"
#: An ordinary phone's screen, in CSS pixels.
PHONE = {"width": 390, "height": 844}
#: Seconds a test waits for the simulator to have done enough for a page to show (a car or two).
WAIT = 40


def wait_for(demo_site: DemoSite, count: Callable[[Hub], Awaitable[int]], least: int = 1) -> int:
    """``count`` of the hub once it reaches ``least``, waiting as a person would (the simulator's
    cars and people come every few seconds); what it is by then otherwise."""
    assert demo_site.hub is not None
    hub = demo_site.hub
    deadline = time.monotonic() + WAIT
    while (found := demo_site.call(count(hub))) < least and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


async def runs(hub: Hub, automation_id: str = BUSY) -> int:
    automation = hub.data[DATA_ENGINE].get(automation_id)
    return 0 if automation is None else len(automation.traces)


async def arm_moves(hub: Hub) -> int:
    await hub.recorder.flush()
    return await hub.recorder.count(KIND_STATE, subject=ARM)


def state_of(demo_site: DemoSite, entity_id: str) -> str | None:
    async def read(hub: Hub) -> str | None:
        state = hub.states.get(entity_id)
        return None if state is None else state.state

    assert demo_site.hub is not None
    return demo_site.call(read(demo_site.hub))


def test_the_entities_and_a_measurements_history(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    page.goto("/dashboard/entities?domain=door")
    expect(page.locator("table.entities tbody tr")).to_have_count(len(demo_site.doors()))
    screenshot(page, "entities")
    assert wait_for(demo_site, arm_moves, least=6) >= 6  # a few cars through, so the line goes up and down
    page.goto("/dashboard/entities?q=main_gate_lane_1")
    page.locator("table.entities a", has_text="arm position").click()
    expect(page).to_have_url(re.compile(re.escape(f"/dashboard/entities/{ARM}")))
    expect(page.locator(".chart[data-drawn] canvas")).to_be_visible()
    screenshot(page, "entity-history")


def test_a_doors_history_is_a_timeline(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    name = demo_site.doors()[BUSY_DOOR]
    page.goto("/dashboard/entities?domain=door")
    page.locator("table.entities td:first-child a", has_text=name).click()
    expect(page.locator(".timeline span").first).to_be_attached()
    expect(page.locator("table.stretches tbody tr").first).to_be_visible()
    assert BUSY_DOOR.replace("-", "_") in page.url
    screenshot(page, "entity-timeline")


def test_the_devices_and_one_device(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    page.goto("/dashboard/devices")
    names = set(demo_site.doors().values())
    for name in names:
        expect(page.locator("table.devices tbody tr", has_text=name)).to_have_count(1)
    screenshot(page, "devices")
    page.locator("table.devices a", has_text=sorted(names)[0]).click()
    expect(page.locator("table.entities tbody tr").first).to_be_visible()
    screenshot(page, "device")


def test_an_automations_run_in_full(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    page.goto("/dashboard/automations")
    expect(page.locator("table.automations tbody tr", has_text=f"automation.{BUSY}")).to_be_visible()
    screenshot(page, "automations")
    assert wait_for(demo_site, runs)
    page.goto(f"/dashboard/automations/{BUSY}")
    expect(page.locator("ol.steps")).to_contain_text("residents.find")
    expect(page.locator("ol.steps")).to_contain_text("cards.recharge")
    screenshot(page, "automation-trace")


def test_a_manager_switches_an_automation_off_and_on(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    entity_id = f"automation.{QUIET}"
    page.goto("/dashboard/automations")
    switch = page.locator("table.automations tr", has_text=entity_id).get_by_role("switch")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    assert state_of(demo_site, entity_id) == "off"
    screenshot(page, "automations-switched-off")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    assert state_of(demo_site, entity_id) == "on"


def test_the_pages_fit_a_phone(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)
    wait_for(demo_site, runs)
    for path, name in ((f"/dashboard/entities/{ARM}", None), ("/dashboard/devices", None),
                       (f"/dashboard/automations/{BUSY}", "automation-trace-phone")):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
        if name:
            screenshot(page, name)
