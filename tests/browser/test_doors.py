"""A door opened remotely from the doors page: the hub opens it as the signed-in manager, and
the access log (on its page too) and the audit log name them."""
from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from xiaoqu.core.auth.audit import KIND as AUDIT_KIND
from xiaoqu.core.bus import Event
from xiaoqu.integrations.access.const import LOG_KIND
from xiaoqu.integrations.door.const import AUDIT_UNLOCK, EVENT_DOOR_UNLOCKED

from .site import LIVE_TIMEOUT_MS, MANAGER, DemoSite, screenshot

REASON = "快递员送货 courier at the door"


def first(events: list[Event], timeout: float = LIVE_TIMEOUT_MS / 1000) -> Event:
    """The first of ``events`` the hub's thread records, waiting for it as a person would."""
    deadline = time.monotonic() + timeout
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events, "the hub saw nothing"
    return events[0]


def test_a_door_opened_remotely_is_opened_by_the_signed_in_manager(signed_in: Page, demo_site: DemoSite) -> None:
    page = signed_in
    page.goto("/dashboard/doors")
    door_id, name = next(iter(demo_site.doors().items()))
    row = page.locator("tr", has_text=name)
    opened = demo_site.watch(EVENT_DOOR_UNLOCKED)
    row.get_by_role("textbox").fill(REASON)
    row.get_by_role("button").click()
    event = first(opened)
    assert (event.data["door"], event.data["by"], event.data["reason"]) == (door_id, MANAGER, REASON)
    expect(page.locator("tr", has_text=name)).to_be_visible()
    screenshot(page, "doors")
    page.goto("/dashboard/access")
    page.locator("input[name=door]").fill(door_id)
    page.locator("form.filters button").click()
    expect(page.locator("tbody tr", has_text=f"staff:{MANAGER}").first).to_contain_text(REASON)
    screenshot(page, "access-log")
    access_log = [r for r in demo_site.records(LOG_KIND) if r["door"] == door_id and r["rule"] == "remote"]
    assert [r["granted"] for r in access_log] == [True] and MANAGER in access_log[0]["reason"]
    audit = [r for r in demo_site.records(AUDIT_KIND) if r["act"] == AUDIT_UNLOCK and r.get("door") == door_id]
    assert [(r["by"], r["source"]) for r in audit] == [(MANAGER, "dashboard")]
