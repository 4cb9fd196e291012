"""The car park in the browser on the demo, under the pages' Content-Security-Policy: a guard
finds a stranger's car that came in through the main gate's camera two hours ago, opens its
session, takes the fee in cash at the booth, and looks at the lots (their chart drawn by the
vendored ECharts) and the gates — with not one refusal in the browser's console."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from xiaoqu.core.auth import Actor
from xiaoqu.integrations.lpr import get_lpr
from xiaoqu.integrations.lpr.models import Read
from xiaoqu.integrations.parking import get_parking

from .site import PASSWORD, DemoSite, screenshot, sign_in
from .test_csp import refusals

GUARD = "guard-park"
#: A plate nobody in the demo's estate has: a temporary car, paying by the tariff.
PLATE = "京Q7K3M9"
#: How long ago the car came in: a stay with a fee to pay.
STAY_SECONDS = 2 * 3600


async def _stranger_inside(site: DemoSite) -> str:
    """The car read at the main gate's entry camera, its stay moved two hours back; its session."""
    hub = site.hub
    assert hub is not None
    await hub.data["auth"].manager.add_user(GUARD, "guard", PASSWORD, Actor("hub", "test"))
    lpr = get_lpr(hub)
    await lpr.take(Read(camera=lpr.cameras["cam-1"], source="test", raw=PLATE, confidence=0.97))
    await hub.block_till_done()
    (session,) = get_parking(hub).sessions.inside("main", PLATE)
    session.entered_at = session.charge_from = (session.entered_at or 0) - STAY_SECONDS
    return session.id


async def _paid(site: DemoSite, session_id: str) -> int:
    assert site.hub is not None
    return get_parking(site.hub).sessions.by_id[session_id].paid_fen


def test_a_guard_takes_the_fee_in_cash_and_sees_the_lots_and_gates(page: Page, demo_site: DemoSite) -> None:
    session_id = demo_site.call(_stranger_inside(demo_site))
    refused = refusals(page)
    sign_in(page, GUARD, PASSWORD)

    page.goto("/dashboard/parking")
    expect(page.locator("#lot-main .count").first).to_be_visible()
    expect(page.locator("#lot-chart-main[data-drawn]")).to_be_attached()  # ECharts drew it, under the policy
    expect(page.locator("#lot-main code.display-line").first).to_have_text(re.compile(r"余位 \d+"))

    page.goto(f"/dashboard/parking/sessions?plate={PLATE}")
    page.locator(f'a[href="/dashboard/parking/sessions/{session_id}"]').click()
    expect(page).to_have_url(re.compile(f"/dashboard/parking/sessions/{session_id}$"))
    expect(page.locator("section.fee ol.explanation li").first).to_be_visible()
    amount = page.locator("form[action$='/cash'] input[name=amount]").input_value()
    fen = int(amount.replace(".", ""))
    assert fen > 0  # two hours: by day ¥3.00 an hour, by night ¥5.00 a night (the demo's tariff)
    page.locator("form[action$='/cash'] button").click()
    expect(page.locator("td.paid")).to_have_text(f"¥{amount}")
    assert demo_site.call(_paid(demo_site, session_id)) == fen

    page.goto("/dashboard/gates")
    expect(page.locator("tr.gate").first).to_be_visible()
    expect(page.locator('tr[id="gate-barrier.main_1"] form button')).to_be_visible()
    screenshot(page, "parking-gates")
    assert refused == []
