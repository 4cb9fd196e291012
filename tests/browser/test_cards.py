"""The card centre in the browser on the demo: a finance clerk issues a card to a demo resident
at the counter, recharges it, and finds it in the list and on its page; the reports show
what the simulator's terminals took today, charted."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from xiaoqu.core.auth import Actor
from xiaoqu.core.hub import Hub
from xiaoqu.integrations.cards import get_cards
from xiaoqu.integrations.cards.dashboard_reports import midnight
from xiaoqu.integrations.cards.reports import Books, build
from xiaoqu.integrations.residents import get_residents

from .site import PASSWORD, DemoSite, screenshot, sign_in
from .test_overview import PHONE

FINANCE = "finance-li"
#: The simulator's shops and canteen charge residents' cards every few seconds at its morning
#: peak: the reports wait for a few of them, so their charts show the simulator's sales.
CHARGES_SHOWN = 3
SIMULATOR_TIMEOUT = 90.0
#: The first of these card numbers nobody in the demo holds is the one the clerk issues.
NEW_CARDS = [f"7E5A{n:04X}" for n in range(1, 64)]


@dataclass(frozen=True)
class Counter:
    """What the clerk has in hand: a resident's household and name, and a blank card."""

    person: str
    household: str
    name: str
    card: str


def the_hub(site: DemoSite) -> Hub:
    assert site.hub is not None
    return site.hub


async def _counter(hub: Hub) -> Counter:
    residents, cards = get_residents(hub), get_cards(hub)
    person = next(p for p in residents.persons() if p.kind == "resident" and p.household)
    card = next(uid for uid in NEW_CARDS if cards.registry.in_use(uid) is None and cards.doors.clash(uid) is None)
    return Counter(person.id, person.household or "", person.name, card)


async def _charges_today(hub: Hub) -> int:
    cards = get_cards(hub)
    report = await build(Books.of(cards), "consumption", midnight(cards), None)
    return int(report.totals["charges"])


async def _balance(hub: Hub, card: str) -> int:
    return get_cards(hub).balance(card)


async def _add_finance(hub: Hub) -> None:
    await hub.data["auth"].manager.add_user(FINANCE, "finance", PASSWORD, Actor("hub", "test"))


@pytest.fixture(scope="module")
def clerk(demo_site: DemoSite) -> Iterator[str]:
    """The card centre's clerk: a finance user on the demo."""
    demo_site.call(_add_finance(the_hub(demo_site)))
    yield FINANCE


def test_a_clerk_issues_a_card_recharges_it_and_finds_it(page: Page, demo_site: DemoSite, clerk: str) -> None:
    hub = the_hub(demo_site)
    counter = demo_site.call(_counter(hub))
    sign_in(page, clerk, PASSWORD)
    page.goto("/dashboard/cards/issue")
    page.locator("input[name=card]").fill(counter.card)
    page.locator("input[name=household]").fill(counter.household)
    page.locator("input[name=name]").fill(counter.name)
    page.locator("input[name=deposit]").fill("20")
    screenshot(page, "cards-issue")
    page.locator("form", has=page.locator("input[name=card]")).locator("button").click()
    expect(page.locator("main h1")).to_have_text("已发卡")
    expect(page.locator("main")).to_contain_text(counter.person)
    screenshot(page, "cards-issued")

    page.locator(f"a[href='/dashboard/cards/{counter.card}']").click()
    recharge = page.locator("form[action$='/recharge']")
    recharge.locator("input[name=amount]").fill("50")
    recharge.locator("select[name=method]").select_option("wechat")
    recharge.locator("button").click()
    expect(page.locator("main h1")).to_have_text("已充值")
    expect(page.locator("main")).to_contain_text(re.compile(r"R\d{8}"))
    expect(page.locator("main")).to_contain_text("¥50.00")
    screenshot(page, "cards-recharged")
    assert demo_site.call(_balance(hub, counter.card)) == 5000

    page.goto(f"/dashboard/cards?person={counter.person}")
    row = page.locator("tbody tr", has_text=counter.card[:4] + "****")
    expect(row).to_contain_text("¥50.00")
    expect(row).to_contain_text(counter.name[:1] + "*")
    expect(page.locator("main")).not_to_contain_text(counter.card)
    screenshot(page, "cards-list")

    row.locator("a").click()
    expect(page.locator("main h1")).to_contain_text(counter.card)
    money = page.locator("#money")
    expect(money).to_contain_text("微信支付")
    expect(money.locator("tbody tr", has_text="充值").first).to_contain_text("¥50.00")
    screenshot(page, "cards-card")

    page.set_viewport_size(PHONE)
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the card's page scrolls sideways on a phone"
    screenshot(page, "cards-card-phone")


def test_the_reports_chart_the_terminals_takings(page: Page, demo_site: DemoSite, clerk: str) -> None:
    hub = the_hub(demo_site)
    deadline = time.monotonic() + SIMULATOR_TIMEOUT
    while demo_site.call(_charges_today(hub)) < CHARGES_SHOWN and time.monotonic() < deadline:
        time.sleep(1)
    assert demo_site.call(_charges_today(hub)) >= CHARGES_SHOWN, "the simulator's terminals charged nothing"
    sign_in(page, clerk, PASSWORD)
    page.goto("/dashboard/cards/reports")
    expect(page.locator("tbody tr").first).to_contain_text("¥")
    for chart in ("cards-periods", "cards-terminals", "cards-hours"):
        expect(page.locator(f"#{chart} canvas")).to_be_visible()
    screenshot(page, "cards-reports")
    page.goto("/dashboard/")
    expect(page.locator("section", has_text="今日卡务")).to_contain_text("¥")
    screenshot(page, "cards-overview")
