"""The card centre's dashboard pages on a real hub, through a browser-like client: the list
(masked, filtered, paged, exported), a card's history, each act done by finance and refused
for a guard, a recharge sent twice applied once, bad amounts and forms without a CSRF token
refused with nothing changed, the reports and the overview's box."""
from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.cards.conftest import SHEET_CARD, config, populate
from tests.integrations.dashboard.conftest import Browser, audit_acts, browser, dashboard_hub
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.money import fen_of
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.cards import get_cards
from xiaoqu.integrations.cards.pos import Sale
from xiaoqu.integrations.cards.pos_setup import DATA_POS
from xiaoqu.integrations.residents import get_residents

LUNCH = datetime(2026, 3, 2, 12, 0, tzinfo=SITE_TZ)
#: 李强's card, issued by the centre with ¥100.00 on it; 赵敏's staff card, with nothing.
RESIDENT_CARD, STAFF_CARD = "0A0B0C01", "0A0B0C02"
POS: dict[str, Any] = {
    "terminals": [{"id": "canteen_1", "name": "食堂一号窗口", "kind": "canteen"}],
    "meal_periods": {"lunch": "10:30-13:30"},
    "discounts": {"staff": 20},
}
TAGS = re.compile(r"<[^>]+>")
PAYMENT_ID = re.compile(r'name="payment_id" value="([^"]+)"')
CARD_LINK = re.compile(r'href="/dashboard/cards/([0-9A-F]{8})"')


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """The MQTT broker the POS terminals are heard through."""
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


def shown(html: str) -> str:
    """What a person reads on the page: the text, without the markup (links carry a card's UID)."""
    return TAGS.sub(" ", html)


@asynccontextmanager
async def centre(tmp_path: Path, **extra: Any) -> AsyncIterator[Hub]:
    """A hub with the dashboard and a card centre: 王芳's sheet card, 李强's card with ¥100.00,
    赵敏's staff card."""
    site = config(**extra.pop("cards", {}))
    async with dashboard_hub(tmp_path, {**site, **extra}, clock=ManualClock(LUNCH, SITE_TZ)) as hub:
        people = await populate(hub)
        for card, person, card_class in ((RESIDENT_CARD, "李强", "resident"), (STAFF_CARD, "赵敏", "staff")):
            await hub.services.call("cards", "issue", {"card": card, "person": people[person], "card_class": card_class})
        await hub.services.call("cards", "recharge", {"card": RESIDENT_CARD, "amount_fen": 10000,
                                                      "payment_id": "opening", "method": "cash"})
        yield hub


@asynccontextmanager
async def signed_in(hub: Hub, role: str) -> AsyncIterator[Browser]:
    """``role``'s browser, signed in, reading English."""
    async with browser(hub) as person:
        await person.sign_in(role)
        await person.get("/dashboard/cards")
        code, _, _ = await person.post("/dashboard/language", {"language": "en", "next": "/dashboard/cards"})
        assert code == 303
        yield person


def balance(hub: Hub, card: str) -> int:
    return get_cards(hub).balance(card)


def status(hub: Hub, card: str) -> str:
    return get_cards(hub).card(card).status


# --- the list ------------------------------------------------------------------------------


async def test_the_list_shows_cards_masked_with_status_balance_and_holder(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        await hub.services.call("cards", "report_loss", {"card": STAFF_CARD, "reason": "left on the bus"})
        code, html, _ = await clerk.get("/dashboard/cards")
        assert code == 200
        text = shown(html)
        assert "0A0B****" in text and "04A2****" in text
        assert RESIDENT_CARD not in text and SHEET_CARD not in text
        assert "¥100.00" in text and "李*" in text and "李强" not in text and "1-2-0601" in text
        assert "lost" in text and "active" in text
        assert f'href="/dashboard/cards/{RESIDENT_CARD}"' in html


async def test_the_list_filters_by_status_household_person_and_text(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        await hub.services.call("cards", "report_loss", {"card": STAFF_CARD})
        people = {person.name: person.id for person in get_residents(hub).persons()}

        async def cards(query: str) -> set[str]:
            code, html, _ = await clerk.get(f"/dashboard/cards?{query}")
            assert code == 200
            return set(CARD_LINK.findall(html))

        assert await cards("") == {SHEET_CARD, RESIDENT_CARD, STAFF_CARD}
        assert await cards("status=lost") == {STAFF_CARD}
        assert await cards("status=active") == {SHEET_CARD, RESIDENT_CARD}
        assert await cards("household=1-2-0601") == {SHEET_CARD, RESIDENT_CARD}
        assert await cards("household=1-2") == {SHEET_CARD, RESIDENT_CARD}
        assert await cards(f"person={people['李强']}") == {RESIDENT_CARD}
        assert await cards("q=王芳") == {SHEET_CARD}
        assert await cards("q=王") == set()  # a whole name, not a search through the estate's names
        assert await cards(f"q={int(RESIDENT_CARD, 16):010d}") == {RESIDENT_CARD}  # the decimal form
        assert await cards("q=0a0b0c02") == {STAFF_CARD}
        code, html, _ = await clerk.get("/dashboard/cards?status=stolen")
        assert code == 400 and "Status" in html

        # Arrears on the household stop its cards at the doors: the list says blocked, and why.
        await get_access(hub).restrict("household", "1-2-0601", scope="all", reason="in arrears", kind="arrears",
                                       by="财务")
        assert await cards("status=blocked") == {SHEET_CARD, RESIDENT_CARD}
        code, html, _ = await clerk.get(f"/dashboard/cards/{RESIDENT_CARD}")
        assert "blocked" in html and "household 1-2-0601 in arrears" in html


async def test_the_list_pages_by_fifty_and_exports_csv_and_xlsx(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        residents = get_residents(hub)
        await residents.add_household("3-1-0101")
        for n in range(60):
            await residents.add_person(kind="resident", name=f"住户{n}", household="3-1-0101", role="family",
                                       cards=[f"1000{n:04X}"])
        code, html, _ = await clerk.get("/dashboard/cards")
        assert code == 200 and len(CARD_LINK.findall(html)) == 50 and "1–50 of 63" in html
        code, html, _ = await clerk.get("/dashboard/cards?offset=50")
        assert len(CARD_LINK.findall(html)) == 13 and "51–63 of 63" in html

        code, body, response = await clerk.get("/dashboard/cards?household=3-1-0101&format=csv")
        assert code == 200 and response.headers["Content-Disposition"] == 'attachment; filename="cards.csv"'
        lines = body.lstrip("\ufeff").splitlines()
        assert lines[0].startswith("Card,Holder,Name,Household") and len(lines) == 61
        assert "1000****" in lines[1] and "10000000" not in body

        async with clerk.session.get(f"{clerk.base}/dashboard/cards?format=xlsx") as response:
            assert response.status == 200
            book = load_workbook(io.BytesIO(await response.read()), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        assert len(rows) == 64 and rows[0][:3] == ("Card", "Holder", "Name")
        opening = next(row for row in rows if row[0] == "0A0B****" and row[6] == 10000)  # the balance in fen
        assert opening[5] == "active"
        exported = [act for act in await audit_acts(hub) if act["act"] == "dashboard_export"]
        assert [(act["by"], act["format"]) for act in exported] == [("finance", "csv"), ("finance", "xlsx")]


# --- a card's page ---------------------------------------------------------------------------


async def test_a_cards_page_shows_its_money_with_the_figures_behind_each_line(tmp_path: Path,
                                                                              broker: BrokerProcess) -> None:
    async with centre(tmp_path, cards={"pos": POS}, mqtt=broker.hub_config()) as hub, \
            signed_in(hub, "finance") as clerk:
        await hub.services.call("cards", "recharge", {"card": STAFF_CARD, "amount_fen": 5000, "payment_id": "p-2",
                                                      "method": "wechat"})
        pos = hub.data[DATA_POS].pos
        terminal = pos.config.terminals["canteen_1"]
        answer = await pos.charge(Sale(terminal, "lunch-1", STAFF_CARD, 3000, hub.clock.time()))
        assert answer["ok"] and answer["amount_fen"] == 2400
        await hub.services.call("cards", "refund", {"transaction_id": "pos:canteen_1:lunch-1", "reason": "cold soup"})

        code, html, _ = await clerk.get(f"/dashboard/cards/{STAFF_CARD}")
        assert code == 200
        text = " ".join(shown(html).split())
        assert "¥50.00" in text  # the balance after the refund
        assert "pos:canteen_1:lunch-1" in text and "食堂一号窗口" in text and "lunch" in text
        assert "List price: ¥30.00" in text and "Discount: 20% (staff card)" in text and "-¥24.00" in text
        assert "recharge:p-2" in text and "Receipt no.: R0000" in text and "WeChat Pay" in text
        assert "refund:pos:canteen_1:lunch-1" in text and "cold soup" in text
        assert "issued" in text and "recharged" in text and "refunded" in text
        # The charge is refunded: no second refund offered for it; the recharge may still be.
        forms = re.findall(r'name="transaction_id" value="([^"]+)"', html)
        assert forms == ["recharge:p-2"]


async def test_a_card_not_issued_here_is_a_404_page(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        code, html, _ = await clerk.get("/dashboard/cards/DEADBEEF")
        assert code == 404 and "never issued here" in html


# --- the acts --------------------------------------------------------------------------------


async def test_finance_does_each_act_and_sees_the_services_answer(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        people = {person.name: person.id for person in get_residents(hub).persons()}
        code, html, _ = await clerk.get("/dashboard/cards/issue")
        assert code == 200 and 'name="access_groups" value="b1"' in html
        code, html, _ = await clerk.post("/dashboard/cards/issue", {
            "card": "0A0B0C03", "household": "1-2-0601", "name": "王芳", "card_class": "resident",
            "subsystems": "consumption", "deposit": "20", "deposit_method": "cash", "valid_to": "2027-06-30"})
        assert code == 200 and "Card issued" in html and people["王芳"] in html and "¥20.00" in html
        card = get_cards(hub).card("0A0B0C03")
        assert card.holder == people["王芳"] and card.subsystems == ("consumption",) and card.deposit_fen == 2000

        code, html, _ = await clerk.get("/dashboard/cards/0A0B0C03")
        payment_id = PAYMENT_ID.search(html).group(1)  # type: ignore[union-attr]
        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C03/recharge",
                                         {"amount": "12.50", "method": "alipay", "payment_id": payment_id})
        assert code == 200 and "Recharged" in html and re.search(r"R\d{8}", html) and "¥12.50" in html
        assert balance(hub, "0A0B0C03") == 1250

        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C03/extend", {"valid_to": "2028-06-30"})
        assert code == 200 and "2028-06-30" in html

        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C03/report_loss", {"reason": "lost at the market"})
        assert code == 200 and status(hub, "0A0B0C03") == "lost"
        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C03/unblock", {"reason": "found it"})
        assert code == 200 and status(hub, "0A0B0C03") == "active"

        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C03/reissue", {"new_card": "0A0B0C04"})
        assert code == 200 and "Reissued" in html and "¥12.50" in html
        assert status(hub, "0A0B0C03") == "retired" and balance(hub, "0A0B0C04") == 1250

        _, html, _ = await clerk.get("/dashboard/cards/0A0B0C04")
        second = PAYMENT_ID.search(html).group(1)  # type: ignore[union-attr]
        await clerk.post("/dashboard/cards/0A0B0C04/recharge", {"amount": "5", "method": "cash", "payment_id": second})
        assert balance(hub, "0A0B0C04") == 1750
        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C04/refund",
                                         {"transaction_id": f"recharge:{second}", "reason": "paid at the wrong card"})
        assert code == 200 and "Refunded" in html and "-¥5.00" in html and balance(hub, "0A0B0C04") == 1250

        code, html, _ = await clerk.post("/dashboard/cards/0A0B0C04/return", {"method": "cash"})
        assert code == 200 and "Returned" in html and "¥32.50" in html  # ¥12.50 and the ¥20.00 deposit
        assert status(hub, "0A0B0C04") == "retired"
        calls = [(act["by"], act["service"], act["source"]) for act in await audit_acts(hub)
                 if act["act"] == "service_call" and act.get("by") == "finance"]
        assert [service for _, service, _ in calls if service != "cards.history"] == [
            "cards.issue", "cards.recharge", "cards.extend", "cards.report_loss", "cards.unblock", "cards.reissue",
            "cards.recharge", "cards.refund", "cards.return"]
        assert {source for _, _, source in calls} == {"dashboard"}


ACTS_REFUSED = {  # what a guard may not do, each with a form that would otherwise do it
    "issue": ("/dashboard/cards/issue", {"card": "0A0B0C09", "person": "P000001", "card_class": "resident",
                                         "subsystems": "door", "deposit_method": "cash"}),
    "recharge": (f"/dashboard/cards/{RESIDENT_CARD}/recharge", {"amount": "5", "method": "cash", "payment_id": "g1"}),
    "unblock": (f"/dashboard/cards/{STAFF_CARD}/unblock", {}),
    "reissue": (f"/dashboard/cards/{RESIDENT_CARD}/reissue", {"new_card": "0A0B0C09"}),
    "extend": (f"/dashboard/cards/{RESIDENT_CARD}/extend", {"valid_to": "2030-01-01"}),
    "return": (f"/dashboard/cards/{RESIDENT_CARD}/return", {"method": "cash"}),
    "refund": (f"/dashboard/cards/{RESIDENT_CARD}/refund", {"transaction_id": "recharge:opening", "reason": "why not"}),
}


async def test_a_guard_is_refused_every_money_act_audited_and_nothing_changes(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "guard") as guard:
        await hub.services.call("cards", "report_loss", {"card": STAFF_CARD})
        code, html, _ = await guard.get(f"/dashboard/cards/{RESIDENT_CARD}")
        assert code == 200 and "¥100.00" in html
        assert "/recharge" not in html and "/refund" not in html and "/return" not in html and "/reissue" not in html
        assert f"/dashboard/cards/{RESIDENT_CARD}/report_loss" in html  # the table lets guards take a loss report
        code, html, _ = await guard.get("/dashboard/cards")
        assert code == 200 and "/dashboard/cards/issue" not in html
        assert (await guard.get("/dashboard/cards/issue"))[0] == 403
        for act, (path, form) in ACTS_REFUSED.items():
            code, _, _ = await guard.post(path, form)
            assert code == 403, act
        assert balance(hub, RESIDENT_CARD) == 10000 and status(hub, RESIDENT_CARD) == "active"
        assert status(hub, STAFF_CARD) == "lost" and get_cards(hub).registry.stored("0A0B0C09") is None
        denied = [act["permission"] for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert denied == ["cards.issue", *(f"cards.{act}" for act in ACTS_REFUSED)]


async def test_a_guard_takes_a_loss_report(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "guard") as guard:
        code, html, _ = await guard.post(f"/dashboard/cards/{RESIDENT_CARD}/report_loss", {"reason": "dropped it"})
        assert code == 200 and "Reported lost" in html and status(hub, RESIDENT_CARD) == "lost"


async def test_a_recharge_sent_twice_is_applied_once_and_says_so(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        _, html, _ = await clerk.get(f"/dashboard/cards/{RESIDENT_CARD}")
        payment_id = PAYMENT_ID.search(html).group(1)  # type: ignore[union-attr]
        form = {"amount": "50", "method": "cash", "payment_id": payment_id}
        first = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/recharge", form)
        second = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/recharge", form)
        assert first[0] == second[0] == 200
        assert balance(hub, RESIDENT_CARD) == 15000
        receipts = [re.search(r"R\d{8}", page).group(0) for _, page, _ in (first, second)]  # type: ignore[union-attr]
        assert receipts[0] == receipts[1]
        assert "already done" not in first[1] and "applied once" in second[1]
        # A new form is a new payment.
        _, html, _ = await clerk.get(f"/dashboard/cards/{RESIDENT_CARD}")
        assert PAYMENT_ID.search(html).group(1) != payment_id  # type: ignore[union-attr]


@pytest.mark.parametrize(("amount", "why"), [
    ("12.345", "at most two decimals"), ("abc", "expected an amount in yuan"), ("-5", "expected an amount in yuan"),
    ("1e3", "expected an amount in yuan"), ("NaN", "expected an amount in yuan"), ("", "this field is needed"),
    ("0", "more than 0 fen"),
])
async def test_a_bad_amount_is_a_400_naming_the_field_and_nothing_moves(tmp_path: Path, amount: str, why: str) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        code, html, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/recharge",
                                         {"amount": amount, "method": "cash", "payment_id": "bad-1"})
        assert code == 400 and why in html
        if amount != "0":  # the form's own check names the field; the service's names its own
            assert "Amount (¥)" in html
        assert balance(hub, RESIDENT_CARD) == 10000


async def test_a_bad_amount_in_chinese(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, browser(hub) as clerk:
        await clerk.sign_in("finance")
        await clerk.get(f"/dashboard/cards/{RESIDENT_CARD}")
        code, html, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/recharge",
                                         {"amount": "12.345", "method": "cash", "payment_id": "bad-2"})
        assert code == 400 and "金额" in html


def test_yuan_become_fen_exactly() -> None:
    assert [fen_of(text) for text in ("0.01", "12.5", "12.50", "¥ 99", "1234567.89", "0.1", "19.99")] == [
        1, 1250, 1250, 9900, 123456789, 10, 1999]
    for text in ("12.345", "0.001", "1,000", "12345678", "+5", " ", "1_000"):
        with pytest.raises(ValueError):
            fen_of(text)


async def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        for csrf in ("", "forged"):
            code, _, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/recharge",
                                          {"amount": "50", "method": "cash", "payment_id": f"x-{csrf}"}, csrf=csrf)
            assert code == 403
        code, _, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/report_loss", {}, csrf="")
        assert code == 403
        assert balance(hub, RESIDENT_CARD) == 10000 and status(hub, RESIDENT_CARD) == "active"
        refused = [act for act in await audit_acts(hub) if act["act"] == "dashboard_csrf_refused"]
        assert len(refused) == 3 and {act["by"] for act in refused} == {"finance"}


async def test_a_bad_field_in_another_form_is_named(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "finance") as clerk:
        code, html, _ = await clerk.post("/dashboard/cards/issue", {"card": "0A0B0C05", "card_class": "resident",
                                                                    "subsystems": "door", "deposit_method": "cash"})
        assert code == 400 and "Person id" in html
        code, html, _ = await clerk.post("/dashboard/cards/issue", {
            "card": "0A0B0C05", "person": "P000001", "card_class": "boss", "subsystems": "door",
            "deposit_method": "cash"})
        assert code == 400 and "Card class" in html and "boss" in html
        code, html, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/return", {"method": "gold"})
        assert code == 400 and "Paid back by" in html
        code, html, _ = await clerk.post(f"/dashboard/cards/{RESIDENT_CARD}/extend", {"valid_to": "someday"})
        assert code == 400 and "valid_to" in html
        assert get_cards(hub).registry.stored("0A0B0C05") is None and status(hub, RESIDENT_CARD) == "active"


# --- reports and the overview ----------------------------------------------------------------


async def test_reports_show_and_export_with_a_chart_for_consumption(tmp_path: Path, broker: BrokerProcess) -> None:
    async with centre(tmp_path, cards={"pos": POS}, mqtt=broker.hub_config()) as hub, \
            signed_in(hub, "finance") as clerk:
        pos = hub.data[DATA_POS].pos
        terminal = pos.config.terminals["canteen_1"]
        for n, amount in enumerate((1500, 2250)):
            assert (await pos.charge(Sale(terminal, f"r{n}", RESIDENT_CARD, amount, hub.clock.time())))["ok"]
        code, html, _ = await clerk.get("/dashboard/cards/reports?kind=consumption&from=2026-03-02&to=2026-03-02")
        assert code == 200
        text = " ".join(shown(html).split())
        assert "食堂一号窗口" in text and "lunch" in text and "¥37.50" in text
        assert 'id="cards-periods"' in html and "37.5" in html and 'id="cards-hours"' in html
        code, body, response = await clerk.get("/dashboard/cards/reports?kind=consumption&from=2026-03-02&format=csv")
        assert code == 200 and "Amount (fen)" in body and "3750" in body
        code, html, _ = await clerk.get("/dashboard/cards/reports?kind=recharges&from=2026-03-02")
        assert code == 200 and "opening" in html and "¥100.00" in html
        assert (await clerk.get("/dashboard/cards/reports?kind=everything"))[0] == 400
        assert (await clerk.get("/dashboard/cards/reports?from=yesterday"))[0] == 400

        code, html, _ = await clerk.get("/dashboard/")
        text = " ".join(shown(html).split())
        assert "¥37.50" in text and "¥100.00" in text  # taken today, recharged today


async def test_a_guard_sees_no_reports_nor_the_overview_box(tmp_path: Path) -> None:
    async with centre(tmp_path) as hub, signed_in(hub, "guard") as guard:
        assert (await guard.get("/dashboard/cards/reports"))[0] == 403
        code, html, _ = await guard.get("/dashboard/")
        assert code == 200 and "/dashboard/cards/reports" not in html
