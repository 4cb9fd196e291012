"""A resident pays their household's property fees on a phone, under the portal's CSP: the
Bills tab shows what is owed with each line's why, the pay button makes an order at the demo's
simulated WeChat Pay, whose payer pays it a few seconds later, and the tab then shows the
receipt and nothing owed — through the payment's signed notify, payments' event and billing's
allocation, never a direct call. The clerk's side: the same household's account on the staff
dashboard, the receipt there. Screenshots of both."""
from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from xiaoqu.core.auth import Actor
from xiaoqu.integrations.billing import get_billing
from xiaoqu.integrations.residents import get_residents

from .site import LIVE_TIMEOUT_MS, MANAGER, DemoSite, screenshot, sign_in
from .site import PASSWORD as STAFF_PASSWORD
from .test_csp import refusals

RESIDENT, PASSWORD = "resident-bills", "pay-my-fees-2026"
#: The demo's sim_pay pays an order this many seconds after it is made (config.yaml: pay_after),
#: and a notify may be delivered again after its retries.
PAID_WITHIN_S = 30


async def _household_owing(site: DemoSite) -> tuple[str, int]:
    """A demo household that owes this month's fees, one of its residents signing in as
    :data:`RESIDENT`; what it owes."""
    assert site.hub is not None
    billing, residents = get_billing(site.hub), get_residents(site.hub)
    await billing.run(f"{billing.today():%Y-%m}")  # the month billed (a second run issues nothing)
    for household in sorted(h.id for h in residents.households()):
        people = [p for p in residents.persons_of(household) if not p.erased and p.user is None]
        owed = billing.arrears(household).total_fen
        if people and owed > 0 and household not in billing.bank.mandates:
            await site.hub.data["auth"].manager.add_user(RESIDENT, "resident", PASSWORD, Actor("hub", "test"))
            await residents.link_user(people[0].id, RESIDENT)
            return household, owed
    raise AssertionError("no demo household owes anything to pay")


async def _owed(site: DemoSite, household: str) -> int:
    assert site.hub is not None
    return get_billing(site.hub).arrears(household).total_fen


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def test_a_resident_pays_the_fees_online_under_the_policy(page: Page, demo_site: DemoSite) -> None:
    household, owed = demo_site.call(_household_owing(demo_site))
    refused = refusals(page)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, RESIDENT, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.locator("nav.tabs").get_by_role("link", name="物业费").click()
    expect(page).to_have_url(re.compile(r"/portal/bills$"))
    expect(page.locator("#owed h1")).to_have_text(_yuan(owed))
    expect(page.locator("#bills details").first).to_contain_text("物业费")
    expect(page.locator("#bills details").first).to_contain_text("m²")  # the line's why
    screenshot(page, "portal-bills")

    page.locator("#pay").click()
    expect(page.locator("#order h1")).to_have_text(_yuan(owed))
    expect(page.locator("#pay-link")).to_have_attribute("href", re.compile(r"^https://sim-pay\.invalid/"))
    screenshot(page, "portal-bills-order")

    deadline = time.monotonic() + PAID_WITHIN_S
    while demo_site.call(_owed(demo_site, household)) > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    page.goto("/portal/bills")
    expect(page.locator("#owed")).to_contain_text("没有待缴费用")
    expect(page.locator("#receipts li").first).to_contain_text(_yuan(owed))
    screenshot(page, "portal-bills-paid")
    assert refused == []

    response = page.goto("/portal/bills?bill=1999-01:" + household)  # no bill of theirs: refused
    assert response is not None and response.status == 403


def test_the_clerk_sees_the_account_and_takes_cash(page: Page, demo_site: DemoSite) -> None:
    refused = refusals(page)
    sign_in(page, MANAGER, STAFF_PASSWORD)
    page.goto("/dashboard/billing")
    expect(page.locator("main h1")).to_have_text("物业费")
    page.locator("main table.list tbody a[href^='/dashboard/billing/households/']").first.click()
    form = page.locator("#take-payment form")
    form.locator("input[name=amount]").fill("0.01")
    form.locator("select[name=method]").select_option("cash")
    form.locator("button").click()
    expect(page.locator("main h1")).to_have_text("已收款")
    page.locator("main a", has_text="返回账户").click()
    expect(page.locator("#receipts tbody tr").first).to_contain_text("¥0.01")
    screenshot(page, "dashboard-billing-account")
    page.goto("/dashboard/billing/reports?kind=collection_rate")
    expect(page.locator("#billing-rate-chart[data-drawn]")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    screenshot(page, "dashboard-billing-rate")
    assert refused == []
