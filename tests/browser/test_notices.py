"""A resident signs a notice in the portal on a phone, in Chromium under the pages'
Content-Security-Policy, on the demo: the office's notice to their household is under the
Notices tab (通知公告), open and waiting to be signed; the button signs it (the hub keeps the signature as
the resident's) and the page says so — with not one refusal in the browser's console."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from xiaoqu.core.auth import Actor
from xiaoqu.integrations.notices import get_notices
from xiaoqu.integrations.residents import get_residents

from .site import PASSWORD, DemoSite, screenshot, sign_in
from .test_csp import refusals
from .test_overview import PHONE

RESIDENT = "resident-notices"


async def _resident_with_a_notice(site: DemoSite) -> tuple[str, str]:
    """A demo resident with no account yet, signing in as :data:`RESIDENT`; a notice the office
    sent to their household (its id) and the household."""
    assert site.hub is not None
    residents = get_residents(site.hub)
    person = next(p for household in residents.households() for p in residents.persons_of(household.id)
                  if not p.erased and p.user is None and p.household is not None)
    assert person.household is not None
    await site.hub.data["auth"].manager.add_user(RESIDENT, "resident", PASSWORD, Actor("hub", "test"))
    await residents.link_user(person.id, RESIDENT)
    sent = await get_notices(site.hub).send({"household": person.household}, title="燃气安全检查",
                                            body="本周四上午燃气公司入户安全检查，请家中留人。")
    return sent["notice_id"], person.household


async def _signature(site: DemoSite, notice: str, household: str) -> tuple[str, str] | None:
    assert site.hub is not None
    signed = get_notices(site.hub).notices[notice].signed.get(household)
    return None if signed is None else (signed.by, signed.how)


def test_a_resident_signs_a_notice_on_a_phone_under_the_policy(page: Page, demo_site: DemoSite) -> None:
    notice, household = demo_site.call(_resident_with_a_notice(demo_site))
    page.set_viewport_size(PHONE)
    refused = refusals(page)
    sign_in(page, RESIDENT, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.locator("nav.tabs").get_by_role("link", name="通知公告").click()
    expect(page).to_have_url(re.compile(r"/portal/notices$"))
    card = page.locator(f"#notice-{notice}")
    expect(card).to_contain_text("燃气安全检查")
    expect(card.locator("pre.notice-body")).to_be_visible()  # an unsigned notice opens itself
    expect(card).to_contain_text("待签收")
    screenshot(page, "portal-notices")
    card.get_by_role("button", name="签收：我已阅读").click()

    expect(page).to_have_url(re.compile(rf"/portal/notices\?signed={notice}$"))
    expect(page.get_by_text("已签收，谢谢。")).to_be_visible()
    expect(page.locator(f"#notice-{notice}")).to_contain_text("已签收")
    expect(page.locator(f"#notice-{notice}").get_by_role("button")).to_have_count(0)
    assert demo_site.call(_signature(demo_site, notice, household)) == (RESIDENT, "resident")
    assert refused == []
