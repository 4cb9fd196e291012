"""Staff's pages and the household's portal tab over real HTTP: each act is the service as the
signed-in user; the list filtered and exported, a ticket's history and its next step, the report
exported; the portal opens and rates for the resident's own household only; a form without its
token, a role without the permission, another household's ticket, a 15 MB form."""
from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.tickets.conftest import ALICE, BOB, audit_acts, estate

FIFTEEN_MB = 15 * 1024 * 1024


async def test_the_desk_opens_a_ticket_works_it_and_exports(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site, site.browser() as staff:
        await staff.sign_in("staff")
        status, text, _ = await staff.get("/dashboard/tickets")
        assert status == 200 and "前台登记工单" in text
        status, text, _ = await staff.post("/dashboard/tickets/open", {"category": "repair", "household": "9-9-0909",
                                                                      "description": "楼道灯坏"})
        assert status == 400 and "household: no household 9-9-0909" in text and site.tickets.tickets == {}
        status, _, response = await staff.post("/dashboard/tickets/open", {"category": "repair", "household": BOB,
                                                                           "description": "楼道灯坏"})
        assert status == 303
        ticket = re.search(r"/dashboard/tickets/(T[0-9A-F]{8})$", response.headers["Location"]).group(1)
        status, text, _ = await staff.get(f"/dashboard/tickets/{ticket}")
        assert status == 200 and "楼道灯坏" in text and "arrive within 4 clock hours" in text and "处理记录" in text
        status, text, _ = await staff.post(f"/dashboard/tickets/{ticket}/update", {"state": "resolved"})
        assert status == 400 and "cannot go from new to resolved" in text
        status, _, _ = await staff.post(f"/dashboard/tickets/{ticket}/update",
                                        {"state": "assigned", "assignee": "tech", "note": "下午去"})
        assert status == 303 and site.tickets.tickets[ticket].assignee == "tech"
        _, text, _ = await staff.get(f"/dashboard/tickets/{ticket}")
        assert "下午去" in text and "已派单" in text

        await site.call("alice", "open", category="complaint", description="噪音")
        _, text, _ = await staff.get(f"/dashboard/tickets?household={BOB}")
        assert text.count('class="ticket ') == 1 and ticket in text
        status, csv, response = await staff.get("/dashboard/tickets?category=complaint&format=csv")
        assert status == 200 and response.headers["Cache-Control"] == "no-store"
        assert csv.startswith("\ufeff受理时间,工单,类别") and ALICE in csv and BOB not in csv
        status, text, _ = await staff.get("/dashboard/tickets/report?month=2026-03")
        assert status == 200 and "工单月报" in text and "nearest rank" in text
        status, csv, _ = await staff.get("/dashboard/tickets/report?month=2026-03&format=csv")
        assert status == 200 and "repair,报修 Repair,arrive,1,0,1" in csv and "complaint,投诉 Complaint,reply,1" in csv
        assert len([a for a in await audit_acts(site.hub) if a["act"] == "dashboard_export"]) == 2


async def test_the_portal_tab_opens_and_rates_the_households_own(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        status, text, _ = await alice.get("/portal/tickets")
        assert status == 200 and "报修投诉" in text and "device_fault" not in text  # staff's category not offered
        status, _, _ = await alice.post("/portal/tickets/open", {"category": "repair", "description": "门锁坏了"})
        assert status == 303
        (ticket,) = site.tickets.tickets
        assert site.tickets.tickets[ticket].household == ALICE
        bobs = (await site.call("bob", "open", category="repair", description="窗户漏风"))["ticket_id"]
        _, text, _ = await alice.get("/portal/tickets")
        assert "门锁坏了" in text and "窗户漏风" not in text
        for state in ("in_progress", "resolved"):
            await site.call("tech", "update", ticket_id=ticket, state=state)
            await site.call("tech", "update", ticket_id=bobs, state=state)
        _, text, _ = await alice.get("/portal/tickets")
        assert f'name="ticket_id" value="{ticket}"' in text and bobs not in text
        status, _, _ = await alice.post("/portal/tickets/rate", {"ticket_id": bobs, "rating": "1"})
        assert status == 400 and site.tickets.tickets[bobs].rating is None
        status, _, _ = await alice.post("/portal/tickets/rate", {"ticket_id": ticket, "rating": "4"})
        assert status == 303 and site.tickets.tickets[ticket].rating == 4


async def _too_big(person, path: str) -> int | None:
    body = io.BytesIO(f"csrf_token={person.csrf}&category=repair&description=".encode() + b"x" * FIFTEEN_MB)
    try:
        async with person.session.post(person.base + path, data=body, allow_redirects=False, headers={
                "Content-Type": "application/x-www-form-urlencoded"}) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def test_attempts_on_the_ticket_pages(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site, site.browser() as guard, site.browser() as alice:
        await guard.sign_in("guard")
        await guard.get("/dashboard/tickets")
        status, _, _ = await guard.post("/dashboard/tickets/open", {"category": "repair", "description": "x"},
                                        csrf="forged")
        assert status == 403 and site.tickets.tickets == {}
        status, _, _ = await guard.get("/dashboard/tickets/report")
        assert status == 403  # the report is managers'
        ticket = (await site.call("bob", "open", category="repair", description="x"))["ticket_id"]
        status, _, _ = await guard.post(f"/dashboard/tickets/{ticket}/update", {"state": "closed"})
        assert status == 403 and site.tickets.tickets[ticket].state == "new"
        assert await _too_big(guard, "/dashboard/tickets/open") in (413, None)
        await alice.sign_in("alice")
        await alice.get("/portal/tickets")
        assert await _too_big(alice, "/portal/tickets/open") in (413, None)
        assert len(site.tickets.tickets) == 1
