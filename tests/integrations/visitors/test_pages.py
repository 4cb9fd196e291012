"""The guard's pages and the host's portal page over real HTTP: each act is the service as the
signed-in user, personal data shown masked, the pages in the reader's language; and as an
attacker: another household's visit, a form without its token, a role without the permission,
a 15 MB form."""
from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.smart_home.conftest import HUB_ACTOR
from tests.integrations.visitors.conftest import ALICE, BOB, audit_acts, estate

FORM = {"name": "王小明", "phone": "139 1234 5678", "host_household": ALICE, "plate": "粤B12345", "purpose": "visit",
        "leave_by": "2026-03-02T11:30"}
FIFTEEN_MB = 15 * 1024 * 1024


async def _too_big(person, path: str) -> int | None:
    """The status of a 15 MB form posted to ``path`` (None when the hub closed the connection first)."""
    body = io.BytesIO(f"csrf_token={person.csrf}&visit_id=V00000000&accept=yes&pad=".encode() + b"x" * FIFTEEN_MB)
    try:
        async with person.session.post(person.base + path, data=body, allow_redirects=False, headers={
                "Content-Type": "application/x-www-form-urlencoded"}) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def test_the_guard_registers_answers_for_the_host_shows_the_pass_and_closes(site_dir: Path,
                                                                                  broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site, site.browser() as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/visitors")
        assert status == 200 and "访客登记" in text and 'value="2026-03-02T12:00"' in text  # two hours on
        status, _, response = await guard.post("/dashboard/visitors/register", FORM)
        assert status == 303
        visit = re.search(r"registered=(V[0-9A-F]{8})", response.headers["Location"]).group(1)
        _, text, _ = await guard.get(f"/dashboard/visitors?registered={visit}")
        assert visit in text and "王**" in text and "139****5678" in text and "粤B1***5" in text
        assert "王小明" not in text and "13912345678" not in text and "等待住户确认" in text

        status, text, _ = await guard.post(f"/dashboard/visitors/{visit}/answer", {"accept": "yes"})
        assert status == 400 and "reason" in text and site.visitors.visits[visit].status == "pending"
        status, text, _ = await guard.post(f"/dashboard/visitors/{visit}/answer",
                                           {"accept": "yes", "reason": "住户电话确认"})
        token = re.search(r'<code class="token">([^<]+)</code>', text).group(1)
        assert status == 200 and site.access.check("qr", token, "gate-1").granted
        status, text, _ = await guard.post(f"/dashboard/visitors/{visit}/pass", {})
        assert status == 200 and token in text
        status, _, _ = await guard.post(f"/dashboard/visitors/{visit}/checkout", {"reason": "走了"})
        assert status == 303 and site.visitors.visits[visit].status == "closed"
        assert [a["act"] for a in await audit_acts(site.hub) if a["act"].startswith("visitor_")] == [
            "visitor_registered", "visitor_override", "visitor_pass_shown", "visitor_closed"]

        status, text, _ = await guard.post("/dashboard/visitors/register", {**FORM, "leave_by": "2026-03-02T09:00"})
        assert status == 400 and "leave_by: 2026-03-02 09:00 has passed" in text


async def test_the_visitor_log_filters_and_exports_masked(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site, site.browser() as guard:
        await site.register(ALICE, plate="粤B12345")
        await site.register(BOB)
        await guard.sign_in("guard")
        _, text, _ = await guard.get("/dashboard/visitors/log?plate=粤b·12345")
        assert text.count('class="visit pending"') == 1 and ALICE in text and BOB not in text
        status, csv, response = await guard.get(f"/dashboard/visitors/log?household={BOB}&format=csv")
        assert status == 200 and response.headers["Cache-Control"] == "no-store"
        assert csv.startswith("\ufeff登记时间,访客编号,住户,访客") and BOB in csv and ALICE not in csv
        assert "王**" in csv and "王小明" not in csv and "139****5678" in csv
        exports = [a for a in await audit_acts(site.hub) if a["act"] == "dashboard_export"]
        assert len(exports) == 1


async def test_attempts_on_the_guards_pages(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        async with site.browser() as guard:
            await guard.sign_in("guard")
            await guard.get("/dashboard/visitors")
            status, _, _ = await guard.post(f"/dashboard/visitors/{visit}/answer", {"accept": "yes", "reason": "x"},
                                            csrf="forged")
            assert status == 403 and site.visitors.visits[visit].status == "pending"
            assert await _too_big(guard, "/dashboard/visitors/register") == 413
            assert len(site.visitors.visits) == 1
        async with site.browser() as alice:
            await alice.sign_in("alice")
            assert (await alice.get("/dashboard/visitors"))[0] == 403
        async with site.browser() as finance:
            await site.hub.data["auth"].manager.add_user("cashier", "finance", "correct horse battery", HUB_ACTOR)
            await finance.sign_in("cashier", "correct horse battery")
            assert (await finance.get("/dashboard/visitors"))[0] == 403


async def test_the_host_answers_on_the_portal_and_nobody_else_can(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE, plate="粤B12345")
        async with site.browser() as bob:
            await bob.sign_in("bob")
            status, text, _ = await bob.get("/portal/visitors")
            assert status == 200 and visit not in text and "目前没有访客在门口等您" in text
            status, text, _ = await bob.post("/portal/visitors/answer", {"visit_id": visit, "accept": "yes"})
            assert status == 400 and f"visit {visit} is not found" in text
            assert await _too_big(bob, "/portal/visitors/answer") == 413
        assert site.visitors.visits[visit].status == "pending"
        async with site.browser() as alice:
            await alice.sign_in("alice")
            status, text, _ = await alice.get("/portal/visitors")
            assert status == 200 and visit in text and "王** 在门口等候" in text and "粤B1***5" in text
            assert "同意进入" in text and 'href="/portal/visitors"' in text  # the tab
            status, _, response = await alice.post("/portal/visitors/answer", {"visit_id": visit, "accept": "yes"})
            assert status == 303 and response.headers["Location"] == "/portal/visitors"
            _, text, _ = await alice.get("/portal/visitors")
            assert "已确认" in text and "Alice" in text
        assert site.visitors.visits[visit].answered_how == "resident"
        refused = [a for a in await audit_acts(site.hub) if a["act"] == "visitor_answer_refused"]
        assert [(a["by"], a["source"], a["why"]) for a in refused] == [("bob", "portal", "another household's visit")]

