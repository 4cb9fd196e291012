"""The overview on the demo: the simulator's doors, on a desktop and on a phone."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from .site import DemoSite, screenshot

#: An ordinary phone's screen, in CSS pixels.
PHONE = {"width": 390, "height": 844}


def test_the_overview_shows_the_simulators_doors(signed_in: Page, demo_site: DemoSite) -> None:
    doors = demo_site.doors()
    assert doors
    for name in doors.values():
        expect(signed_in.get_by_text(name, exact=True).first).to_be_visible()
    screenshot(signed_in, "overview")


def test_a_phone_shows_the_overview_without_scrolling_sideways(signed_in: Page) -> None:
    signed_in.set_viewport_size(PHONE)
    signed_in.reload()
    overflow = signed_in.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(signed_in, "overview-phone")
