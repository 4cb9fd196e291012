"""Billing's pages on a real hub through a browser-like client: the bills (filtered, paged,
exported and read back), a household's account with its lines and why, the counter's payment
sent twice applied once and its yuan made fen exactly, a waiver repeated applied once, CSRF and
roles refused and audited, a 15 MB body refused except by the bank upload, the period's run,
the reports with the collection rate's chart, the bank file down and the bank's result up, the
approvals, and the residents' Bills tab: their own household only, paid online through sim_pay."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from openpyxl import load_workbook

from tests.conftest import SITE_TZ
from tests.integrations.dashboard.conftest import PASSWORD, Browser, audit_acts, browser, dashboard_hub
from xiaoqu.core.auth import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import Unauthorized
from xiaoqu.core.hub import Hub
from xiaoqu.integrations.billing import get_billing
from xiaoqu.integrations.billing.escalation import get_escalation
from xiaoqu.integrations.payments import get_payments
from xiaoqu.integrations.residents import get_residents
from xiaoqu.plugins.sim_pay import get_platform

START = datetime(2026, 3, 1, 9, 0, tzinfo=SITE_TZ)
ITEMS: list[dict[str, Any]] = [
    {"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": 250, "due_day": 15},
    {"id": "parking_fee", "name": "车位管理费", "kind": "per_unit", "unit": "space", "rate_fen": 10000,
     "households": {"1-2-0601": 2}},
]
#: 89.50 m² × ¥2.50 = ¥223.75; 120.00 m² × ¥2.50 + 2 spaces × ¥100 = ¥500.00.
HOUSEHOLDS = {"1-1-0101": "89.50", "1-2-0601": "120.00", "2-1-0301": "60.00"}
ESCALATION = {"steps": [{"id": "reminder", "name": "催缴通知", "days": 10},
                        {"id": "grace", "name": "宽限一个月", "days": 20, "approval": True}]}
TAGS = re.compile(r"<[^>]+>")
PAYMENT_ID = re.compile(r'name="payment_id" value="([^"]+)"')
REQUEST_ID = re.compile(r'action="/dashboard/billing/households/[^/]+/waive".*?name="request_id" value="([^"]+)"', re.S)
ORDER_ID = re.compile(r'name="order_id" value="([^"]+)"')


def shown(html: str) -> str:
    return " ".join(TAGS.sub(" ", html).split())


@asynccontextmanager
async def site(tmp_path: Path) -> AsyncIterator[Hub]:
    """Three households billed for March; the resident 李雷 (user ``li``) of 1-1-0101."""
    config = {"residents": {"encryption_key": Fernet.generate_key().decode()}, "payments": {},
              "sim_pay": {"pay_after": None, "retry_seconds": [0.05]}, "portal": {},
              "billing": {"items": ITEMS, "escalation": ESCALATION},
              # the tests move the clock weeks on while signed in
              "dashboard": {"session_lifetime": {"days": 365}, "idle_timeout": {"days": 365}}}
    async with dashboard_hub(tmp_path, config, clock=ManualClock(START, SITE_TZ)) as hub:
        residents = get_residents(hub)
        for household, area in HOUSEHOLDS.items():
            await residents.add_household(household, area)
        person = await residents.add_person(name="李雷", household="1-1-0101", kind="resident", role="owner")
        await hub.data["auth"].manager.add_user("li", "resident", PASSWORD, Actor("hub", "test"))
        await residents.link_user(person.id, "li")
        await get_billing(hub).run("2026-03")
        yield hub


@asynccontextmanager
async def signed_in(hub: Hub, user: str, first: str = "/dashboard/") -> AsyncIterator[Browser]:
    """``user``'s browser, signed in, reading English."""
    async with browser(hub) as person:
        assert (await person.sign_in(user))[0] == 303
        await person.get(first)
        area = "/portal" if first.startswith("/portal") else "/dashboard"
        code, _, _ = await person.post(f"{area}/language", {"language": "en", "next": first})
        assert code == 303
        yield person


def later(hub: Hub, days: int) -> None:
    clock = hub.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=days))


async def download(who: Browser, path: str) -> tuple[int, bytes, aiohttp.ClientResponse]:
    async with who.session.get(who.base + path, allow_redirects=False) as response:
        return response.status, await response.read(), response


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Chinese Excel looks for
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_the_bills_filtered_paged_and_exported(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        status, html, response = await finance.get("/dashboard/billing")
        assert status == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
        text = shown(html)
        assert "2026-03:1-1-0101" in text and "2026-03:2-1-0301" in text and "¥223.75" in text
        status, html, _ = await finance.get("/dashboard/billing?building=2&period=2026-03")
        assert "2026-03:2-1-0301" in html and "2026-03:1-1-0101" not in html
        await hub.services.call("billing", "pay", {"household": "1-1-0101", "amount_fen": 22375,
                                                   "payment_id": "counter-1", "method": "cash"})
        _, html, _ = await finance.get("/dashboard/billing?status=paid")
        assert "2026-03:1-1-0101" in html and "2026-03:1-2-0601" not in html
        assert (await finance.get("/dashboard/billing?status=nonsense"))[0] == 400
        status, body, response = await download(finance, "/dashboard/billing?status=owing&format=csv")
        assert status == 200 and response.headers["Cache-Control"] == "no-store"
        rows = read_csv(body)
        assert rows[0][:2] == ["Bill", "Household"]
        assert sorted(row[0] for row in rows[1:]) == ["2026-03:1-2-0601", "2026-03:2-1-0301"]
        assert {row[0]: row[4] for row in rows[1:]}["2026-03:1-2-0601"] == "50000"  # fen, exact
        status, body, _ = await download(finance, "/dashboard/billing?format=xlsx")
        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet is not None and sheet.max_row == 4
        assert any(act["act"] == "dashboard_export" for act in await audit_acts(hub))


async def test_an_account_shows_lines_why_the_late_fee_and_its_rule(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        later(hub, 40)  # 10 April: 26 days past 15 March
        status, html, _ = await finance.get("/dashboard/billing/households/1-1-0101")
        text = shown(html)
        assert status == 200
        assert "89.50 m² × ¥2.50/m²/month" in text  # the line's why
        owed = get_billing(hub).arrears("1-1-0101")
        assert owed.late_fee_fen == 1745  # ¥223.75 × 0.3% × 26 days = 1745.25 fen, half up
        assert "¥17.45" in text and get_billing(hub).rule.rule in text
        assert "Take a payment" in text and "Refund" not in text  # finance takes money; refunds are managers'
        assert (await finance.get("/dashboard/billing/households/9-9-9999"))[0] == 404


async def test_a_payment_form_sent_twice_pays_once_in_exact_fen(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        billing = get_billing(hub)
        _, html, _ = await finance.get("/dashboard/billing/households/1-2-0601")
        found = PAYMENT_ID.search(html)
        assert found is not None
        form = {"amount": "123.45", "method": "transfer", "payment_id": found.group(1)}
        status, first, _ = await finance.post("/dashboard/billing/households/1-2-0601/pay", form)
        assert status == 200 and "Payment taken" in first and "already done" not in first
        status, second, _ = await finance.post("/dashboard/billing/households/1-2-0601/pay", form)
        assert status == 200 and "already done" in second
        receipts = [r for r in billing.receipts.values() if r.household == "1-2-0601"]
        assert len(receipts) == 1 and receipts[0].amount_fen == 12345 and receipts[0].method == "transfer"
        assert receipts[0].receipt_no in shown(second)  # the first receipt, shown again
        assert billing.books.due("2026-03:1-2-0601") == 50000 - 12345
        for typed in ("12.345", "-5", "1e3", "abc", ""):
            status, html, _ = await finance.post("/dashboard/billing/households/1-2-0601/pay",
                                                 {**form, "amount": typed, "payment_id": f"p-{typed}"})
            assert status == 400 and "Amount (¥)" in html, typed
        status, _, _ = await finance.post("/dashboard/billing/households/1-2-0601/pay", {**form, "method": "gold"})
        assert status == 400
        assert len([r for r in billing.receipts.values() if r.household == "1-2-0601"]) == 1


async def test_a_waiver_form_sent_twice_waives_once(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        billing = get_billing(hub)
        later(hub, 40)
        _, html, _ = await finance.get("/dashboard/billing/households/1-1-0101")
        found = REQUEST_ID.search(html)
        assert found is not None
        form = {"bill": "2026-03:1-1-0101", "part": "principal", "amount": "10.00", "reason": "漏水补偿",
                "request_id": found.group(1)}
        status, first, _ = await finance.post("/dashboard/billing/households/1-1-0101/waive", form)
        assert status == 200 and "Waived" in first and "already done" not in first
        due = billing.books.due("2026-03:1-1-0101")
        assert due == 22375 - 1000
        status, second, _ = await finance.post("/dashboard/billing/households/1-1-0101/waive", form)
        assert status == 200 and "already done" in second and billing.books.due("2026-03:1-1-0101") == due
        status, _, _ = await finance.post("/dashboard/billing/households/1-1-0101/waive",
                                          {**form, "bill": "2026-03:1-2-0601", "request_id": "other-1"})
        assert status == 400 and billing.books.due("2026-03:1-2-0601") == 50000  # not this household's bill
        status, _, _ = await finance.post("/dashboard/billing/households/1-1-0101/refund",
                                          {"payment_id": "x", "reason": "r", "request_id": "r-1"})
        assert status == 403  # refunds are a manager's
        acts = [act["act"] for act in await audit_acts(hub)]
        assert acts.count("billing_waived") == 1 and "dashboard_denied" in acts


async def test_forms_without_the_token_or_the_role_change_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as hub:
        billing = get_billing(hub)
        async with signed_in(hub, "finance") as finance:
            await finance.get("/dashboard/billing/households/1-1-0101")
            form = {"amount": "10.00", "method": "cash", "payment_id": "no-token"}
            status, _, _ = await finance.post("/dashboard/billing/households/1-1-0101/pay", form, csrf="forged")
            assert status == 403
            status, _, _ = await finance.post("/dashboard/billing/households/1-1-0101/pay", form, csrf="")
            assert status == 403
        async with signed_in(hub, "guard") as guard:
            assert (await guard.get("/dashboard/billing"))[0] == 403
            assert (await guard.get("/dashboard/billing/households/1-1-0101"))[0] == 403
            status, _, _ = await guard.post("/dashboard/billing/households/1-1-0101/pay", {**form, "payment_id": "g"})
            assert status == 403
        assert not billing.receipts
        acts = [act["act"] for act in await audit_acts(hub)]
        assert acts.count("dashboard_csrf_refused") == 2 and acts.count("dashboard_denied") >= 3


async def test_a_15_mb_body_is_refused_but_the_bank_upload_takes_it(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "manager") as manager:
        await manager.get("/dashboard/billing/bank")
        big = b"x" * 15_000_000

        async def posted(path: str, fields: str) -> int:
            body = io.BytesIO(f"csrf_token={manager.csrf}&{fields}&pad=".encode() + big)
            async with manager.session.post(manager.base + path, data=body, allow_redirects=False,
                                            headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
                return response.status

        assert await posted("/dashboard/billing/households/1-1-0101/pay", "amount=1.00&method=cash&payment_id=big") == 413
        assert await posted("/dashboard/billing/run", "period=2026-04") == 413
        upload = aiohttp.FormData()
        upload.add_field("csrf_token", manager.csrf)
        upload.add_field("file", io.BytesIO("业务参考号,付款账号,金额,处理结果\n".encode() + b"x,\n" * 5_000_000),
                         filename="result.csv",
                         content_type="text/csv")
        async with manager.session.post(manager.base + "/dashboard/billing/bank/import", data=upload) as response:
            assert response.status == 400  # read, and refused for what it holds, not for its size
        assert not get_billing(hub).receipts and "2026-04:1-1-0101" not in get_billing(hub).bills


async def test_the_run_shows_its_answer_and_a_second_run_issues_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as hub:
        async with signed_in(hub, "finance") as finance:
            await finance.get("/dashboard/billing/run")
            status, html, _ = await finance.post("/dashboard/billing/run", {"period": "2026-04"})
            text = shown(html)
            assert status == 200 and "New bills 3" in text and "¥873.75" in text  # ¥223.75 + ¥500.00 + ¥150.00
            status, html, _ = await finance.post("/dashboard/billing/run", {"period": "2026-04"})
            assert "New bills 0" in shown(html) and "Already billed 3" in shown(html)
            assert (await finance.post("/dashboard/billing/run", {"period": "April"}))[0] == 400
        async with signed_in(hub, "guard") as guard:
            assert (await guard.post("/dashboard/billing/run", {"period": "2026-05"}))[0] == 403
        assert "2026-05:1-1-0101" not in get_billing(hub).bills


async def test_reports_the_collection_rate_chart_and_the_arrears_list(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        await hub.services.call("billing", "pay", {"household": "1-2-0601", "amount_fen": 50000,
                                                   "payment_id": "c-1", "method": "cash"})
        later(hub, 40)
        status, html, _ = await finance.get("/dashboard/billing/reports?kind=collection_rate&from=2026-03-01&to=2026-03-31")
        assert status == 200 and 'data-chart=' in html and "Collection rate (%)" in html
        assert "57.2" in shown(html)  # 50000 of 87375 fen billed, half up
        march = "from=2026-03-01&to=2026-03-31"
        status, body, _ = await download(finance, f"/dashboard/billing/reports?kind=collection&{march}&format=csv")
        rows = read_csv(body)
        assert status == 200 and rows[1][rows[0].index("Amount (fen)")] == "50000"
        for kind in ("receivables", "ageing", "income", "arrears_list"):
            assert (await finance.get(f"/dashboard/billing/reports?kind={kind}"))[0] == 200, kind
        assert (await finance.get("/dashboard/billing/reports?kind=bogus"))[0] == 400
        status, html, _ = await finance.get("/dashboard/billing/arrears")
        text = shown(html)
        assert status == 200 and "1-1-0101" in text and "2-1-0301" in text and "1-2-0601" not in text
        status, body, _ = await download(finance, "/dashboard/billing/arrears?format=csv")
        rows = read_csv(body)
        owed = {row[0]: row for row in rows[1:]}
        assert set(owed) == {"1-1-0101", "2-1-0301"}
        assert owed["1-1-0101"][rows[0].index("0–30 days (fen)")] == "22375"
        assert int(owed["1-1-0101"][rows[0].index("Total (fen)")]) == get_billing(hub).arrears("1-1-0101").total_fen


async def test_the_bank_file_down_and_the_result_up(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "finance") as finance:
        for household, account in (("1-1-0101", "6222021234567890123"), ("1-2-0601", "6222029876543210987")):
            await hub.services.call("billing", "bank_mandate", {"household": household, "bank": "工商银行",
                                                                "account": account, "holder": "李雷",
                                                                "since": "2026-01-01"})
        status, html, _ = await finance.get("/dashboard/billing/bank")
        assert status == 200 and "6222***********0123" in html and "6222021234567890123" not in html
        async with finance.session.post(finance.base + "/dashboard/billing/bank/export",
                                        data={"csrf_token": finance.csrf, "period": "2026-03"}) as response:
            assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
            rows = read_csv(await response.read())
        assert rows[0][:3] == ["序号", "业务参考号", "付款账号"]
        assert [row[2] for row in rows[1:]] == ["6222021234567890123", "6222029876543210987"]  # in clear, for the bank
        assert [row[5] for row in rows[1:]] == ["223.75", "500.00"]
        exported = [act for act in await audit_acts(hub) if act["act"] == "billing_bank_exported"]
        assert len(exported) == 1 and exported[0]["by"] == "finance"
        result = ("业务参考号,付款账号,金额,处理结果,失败原因,银行流水号\n"
                  "TS202603-1-1-0101,6222021234567890123,223.75,成功,,B0001\n"
                  "TS202603-1-2-0601,6222029876543210987,500.00,失败,余额不足,\n"
                  "TS202603-9-9-9999,6222000000000000000,1.00,成功,,B0003\n")

        async def upload() -> str:
            form = aiohttp.FormData()
            form.add_field("csrf_token", finance.csrf)
            form.add_field("file", result.encode("utf-8-sig"), filename="icbc-0316.csv", content_type="text/csv")
            async with finance.session.post(finance.base + "/dashboard/billing/bank/import", data=form) as response:
                assert response.status == 200
                return shown(await response.text())

        text = await upload()
        assert "1 matched and paid" in text and "1 failed" in text and "1 unmatched" in text
        assert "余额不足" in text and "no exported row has reference TS202603-9-9-9999" in text
        assert get_billing(hub).books.due("2026-03:1-1-0101") == 0
        text = await upload()
        assert "0 matched and paid" in text and "3 already imported" in text
        assert len(get_billing(hub).receipts) == 1


async def test_a_manager_approves_a_waiting_step_and_finance_only_reads(tmp_path: Path) -> None:
    async with site(tmp_path) as hub:
        later(hub, 30)  # 31 March: 16 days overdue... then 21
        later(hub, 5)
        await get_escalation(hub).evaluate_all(get_billing(hub).today())
        async with signed_in(hub, "finance") as finance:
            status, html, _ = await finance.get("/dashboard/billing/approvals")
            assert status == 200 and "宽限一个月" in html and "Approve" not in html
            status, _, _ = await finance.post("/dashboard/billing/approvals/decide",
                                              {"household": "1-1-0101", "step": "grace", "decision": "approve",
                                               "reason": "业主出差"})
            assert status == 403
        async with signed_in(hub, "manager") as manager:
            _, html, _ = await manager.get("/dashboard/billing/approvals")
            assert "Approve" in html
            status, html, _ = await manager.post("/dashboard/billing/approvals/decide",
                                                 {"household": "1-1-0101", "step": "grace", "decision": "approve",
                                                  "reason": "业主出差"})
            assert status == 200 and "Step approved" in html
            status, _, _ = await manager.post("/dashboard/billing/approvals/decide",
                                              {"household": "1-1-0101", "step": "grace", "decision": "approve",
                                               "reason": "again"})
            assert status == 400  # not waiting any more
            _, html, _ = await manager.get("/dashboard/billing/households/1-1-0101")
            assert "宽限一个月" in html and "业主出差" in html
        assert "billing_step_approved" in [act["act"] for act in await audit_acts(hub)]


async def test_a_resident_sees_and_pays_their_own_bills_only(tmp_path: Path) -> None:
    async with site(tmp_path) as hub, signed_in(hub, "li", "/portal/") as li:
        later(hub, 40)
        status, html, _ = await li.get("/portal/bills")
        text = shown(html)
        assert status == 200 and "¥223.75" in text and "89.50 m²" in text and "¥500.00" not in text
        owed = get_billing(hub).arrears("1-1-0101")
        assert get_billing(hub).rule.rule in text and f"¥{owed.total_fen / 100:.2f}" in text
        status, html, _ = await li.get("/portal/bills?bill=2026-03:1-2-0601")
        assert status == 403 and "500.00" not in html
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert denied and denied[-1]["bill"] == "2026-03:1-2-0601"
        assert (await li.get("/portal/bills?bill=2026-03:1-1-0101"))[0] == 200
        assert (await li.get("/dashboard/billing"))[0] == 403
        found = ORDER_ID.search((await li.get("/portal/bills"))[1])
        assert found is not None
        status, html, _ = await li.post("/portal/bills/pay", {"order_id": found.group(1)})
        assert status == 200 and "sim-pay.invalid" in html
        status, _, _ = await li.post("/portal/bills/pay", {"order_id": found.group(1)})  # pressed twice: one order
        orders = get_payments(hub).book.orders(purpose="billing")
        assert len(orders) == 1 and orders[0].reference == "1-1-0101" and orders[0].amount_fen == owed.total_fen
        assert (await li.post("/portal/bills/pay", {"order_id": "XQ-someone-else"}))[0] == 400
        delivery = await get_platform(hub).pay(orders[0].order_id)
        assert delivery.taken
        await hub.block_till_done()
        assert get_billing(hub).arrears("1-1-0101").total_fen == 0
        _, html, _ = await li.get("/portal/bills")
        assert "Nothing to pay" in html and next(iter(get_billing(hub).receipts)) in html
        assert get_billing(hub).books.due("2026-03:1-2-0601") == 50000


async def test_a_resident_cannot_name_another_household(tmp_path: Path) -> None:
    async with site(tmp_path) as hub:
        context = Context(user_id=hub.data["auth"].manager.user_by_name("li").id)
        with pytest.raises(Unauthorized, match="own household"):
            await hub.services.call("billing", "bills", {"household": "1-2-0601"}, context=context,
                                    return_response=True)
