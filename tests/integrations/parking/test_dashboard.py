"""The car park's dashboard pages on a real hub and broker, through a browser-like client per
role: the lots with their counts, chart and display text, the correction (managers only,
audited); the sessions filtered, exported and shown one by one with the fee line by line; cash
at the booth taken once however often the form is sent, a body too big and a form without its
token refused with nothing paid; the guard's queue; the monthly passes; the gates with a guard's
open and the faults."""
from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from openpyxl import load_workbook

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.dashboard.conftest import PASSWORD, Browser, audit_acts, browser
from tests.integrations.parking.conftest import IN_GATE, OUT_GATE, ROOT, Site, car_park
from xiaoqu.core.auth import Actor

TAGS = re.compile(r"<[^>]+>")
PAYMENT_ID = re.compile(r'name="payment_id" value="([^"]+)"')
SESSION_LINK = re.compile(r'href="/dashboard/parking/sessions/(PK[0-9A-F]+)"')
STRANGER, RESIDENT = "粤A12345", "粤B10001"
#: The hub's clock runs hours ahead in a test (a stay to pay for): a sign-in outlasts it.
SHIFT = {"session_lifetime": {"hours": 24}, "idle_timeout": {"hours": 12}}


def shown(html: str) -> str:
    return TAGS.sub(" ", html)


@asynccontextmanager
async def park(tmp_path: Path, broker: BrokerProcess) -> AsyncIterator[Site]:
    """The car park with the dashboard on and a dashboard user per role (``desk-<role>``)."""
    async with car_park(tmp_path, broker, sections={"dashboard": SHIFT}) as site:
        manager = site.hub.data["auth"].manager
        for role in ("manager", "guard", "finance"):
            await manager.add_user(f"desk-{role}", role, PASSWORD, Actor("hub", "test"))
        yield site


@asynccontextmanager
async def signed_in(site: Site, role: str) -> AsyncIterator[Browser]:
    """``desk-<role>``'s browser, signed in, reading English."""
    async with browser(site.hub) as person:
        code, _, _ = await person.sign_in(f"desk-{role}")
        assert code == 303
        await person.get("/dashboard/parking")
        code, _, _ = await person.post("/dashboard/language", {"language": "en", "next": "/dashboard/parking"})
        assert code == 303
        yield person


async def stranger_at_the_exit(site: Site) -> str:
    """A temporary car in at 10:00 and at the exit at 12:20: ¥9.00 due. Its session id."""
    await site.read("cam-1", STRANGER)
    site.later(hours=2, minutes=20)
    await site.read("cam-2", STRANGER)
    (session,) = [s for s in site.parking.sessions.by_id.values() if s.plate == STRANGER]
    assert session.status == "at_exit" and session.due_fen == 900
    return session.id


# --- lots ---------------------------------------------------------------------------------------


async def test_the_lots_page_shows_the_counts_the_display_text_and_a_chart(tmp_path: Path,
                                                                          broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site:
        await site.read("cam-1", STRANGER)
        await site.read("cam-1", RESIDENT)
        await site.hub.recorder.flush()
        async with signed_in(site, "guard") as guard:
            code, html, _ = await guard.get("/dashboard/parking")
        assert code == 200
        text = " ".join(shown(html).split())
        assert "1 on own spaces or passes" in text and "1 on temporary spaces (of 3)" in text
        assert "8 free (of 10)" in text and "2 free for temporary cars" in text
        assert "余位 8" in text
        chart = json.loads(re.search(r"data-chart='([^']+)'", html).group(1))  # type: ignore[union-attr]
        assert chart["series"][0]["data"][-1][1] == 2  # two cars inside now
        assert "Correct the count" not in html  # a guard may not


async def test_a_manager_corrects_the_count_with_a_reason_audited(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "manager") as manager:
        code, html, _ = await manager.post("/dashboard/parking/lots/main/occupancy",
                                           {"occupied": "many", "reason": "walk round"})
        assert code == 400 and "Cars inside" in html and site.free() == 10
        code, html, _ = await manager.post("/dashboard/parking/lots/main/occupancy", {"occupied": "4"})
        assert code == 400 and "Reason" in html and site.free() == 10
        code, _, response = await manager.post("/dashboard/parking/lots/main/occupancy",
                                               {"occupied": "4", "temporary": "1", "reason": "walk round at 22:00"})
        assert code == 303 and response.headers["Location"] == "/dashboard/parking?corrected=main"
        assert site.free() == 6 and site.parking.occupancy["main"].temporary == 1
        (act,) = [act for act in await audit_acts(site.hub) if act["act"] == "parking_occupancy_set"]
        assert act["by"] == "desk-manager" and act["reason"] == "walk round at 22:00"
        assert act["after"] == {"occupied": 4, "temporary": 1}


async def test_a_guard_may_not_correct_the_count(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        code, _, _ = await guard.post("/dashboard/parking/lots/main/occupancy", {"occupied": "4", "reason": "x"})
        assert code == 403 and site.free() == 10
        assert any(act["act"] == "dashboard_denied" for act in await audit_acts(site.hub))


# --- sessions -----------------------------------------------------------------------------------


async def test_the_sessions_filter_and_export(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site:
        stranger = await stranger_at_the_exit(site)
        await site.read("cam-1", RESIDENT)
        resident = next(s.id for s in site.parking.sessions.by_id.values() if s.plate == RESIDENT)
        async with signed_in(site, "finance") as clerk:

            async def found(query: str) -> set[str]:
                code, html, _ = await clerk.get(f"/dashboard/parking/sessions?{query}")
                assert code == 200, html
                return set(SESSION_LINK.findall(html))

            assert await found("") == {stranger, resident}
            assert await found("status=at_exit") == {stranger}
            assert await found("status=inside") == {resident}
            assert await found(f"plate={RESIDENT}") == {resident}
            assert await found("lot=main&from=2026-03-02&to=2026-03-02") == {stranger, resident}
            assert await found("from=2026-03-03") == set()
            code, html, _ = await clerk.get("/dashboard/parking/sessions?from=yesterday")
            assert code == 400 and "Entered from" in html
            code, html, _ = await clerk.get("/dashboard/parking/sessions?plate=nonsense")
            assert code == 400 and "plate" in html

            code, html, _ = await clerk.get("/dashboard/parking/sessions")
            assert STRANGER not in html and "粤A1***5" in html
            code, body, response = await clerk.get("/dashboard/parking/sessions?status=at_exit&format=csv")
            assert code == 200 and response.headers["Content-Disposition"].endswith('parking-sessions.csv"')
            lines = body.lstrip("\ufeff").splitlines()
            assert lines[0].startswith("Session,Plate,Lot,Kind,Status") and len(lines) == 2
            assert stranger in lines[1] and "At the exit, to pay" in lines[1] and ",900," in lines[1]
            async with clerk.session.get(f"{clerk.base}/dashboard/parking/sessions?format=xlsx") as response:
                sheet = load_workbook(io.BytesIO(await response.read())).active
            assert sheet is not None and sheet.max_row == 3 and sheet["A1"].value == "Session"
        exports = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_export"]
        assert [act["rows"] for act in exports] == [1, 2]


async def test_a_session_shows_its_reads_fee_lines_and_payments(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        session_id = await stranger_at_the_exit(site)
        code, html, _ = await guard.get(f"/dashboard/parking/sessions/{session_id}")
        assert code == 200
        text = " ".join(shown(html).split())
        assert "At the exit, to pay" in text and "正门入口" in text and "正门出口" in text
        assert "2026-03-02 10:00:00" in text and "2026-03-02 12:20:00" in text
        assert "10:00–12:20 day rate 2 h 20 min → 3 h × ¥3.00 = ¥9.00" in text and "total ¥9.00" in text
        assert "Nothing paid toward this session." in text
        assert 'value="9.00"' in html and "Take cash" in text and "Let out by hand" in text
        code, html, _ = await guard.get("/dashboard/parking/sessions/PK000000000000")
        assert code == 404
        code, html, _ = await guard.get("/dashboard/parking/sessions/nonsense")
        assert code == 404


async def test_a_car_inside_shows_what_it_would_pay_now(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        await site.read("cam-1", STRANGER)
        site.later(hours=1)
        session_id = next(iter(site.parking.sessions.by_id))
        _, html, _ = await guard.get(f"/dashboard/parking/sessions/{session_id}")
        text = " ".join(shown(html).split())
        assert "what it would pay if it left now" in text and "10:00–11:00 day rate 1 h × ¥3.00 = ¥3.00" in text
        assert "Let out by hand" not in text  # it is not at an exit


async def test_a_guard_takes_cash_once_however_often_the_form_is_sent(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        session_id = await stranger_at_the_exit(site)
        _, html, _ = await guard.get(f"/dashboard/parking/sessions/{session_id}")
        payment_id = PAYMENT_ID.search(html).group(1)  # type: ignore[union-attr]
        form = {"amount": "9.00", "payment_id": payment_id}
        first = await guard.post(f"/dashboard/parking/sessions/{session_id}/cash", form)
        await site.settle()
        second = await guard.post(f"/dashboard/parking/sessions/{session_id}/cash", form)
        assert first[0] == second[0] == 200
        assert "Paid in full: the car is let out." in first[1] and "applied once" not in first[1]
        assert "applied once" in second[1]
        session = site.parking.sessions.by_id[session_id]
        assert session.paid_fen == 900 and session.status == "left"
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        (paid,) = [act for act in await audit_acts(site.hub) if act["act"] == "parking_paid"]
        assert paid["by"] == "desk-guard" and paid["method"] == "cash" and paid["amount_fen"] == 900
        _, html, _ = await guard.get(f"/dashboard/parking/sessions/{session_id}")
        text = " ".join(shown(html).split())
        assert "Left" in text and payment_id in text and "cash" in text and "Take cash" not in text
        assert PAYMENT_ID.search(html) is None


async def test_bad_cash_forms_change_nothing(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        session_id = await stranger_at_the_exit(site)
        url = f"/dashboard/parking/sessions/{session_id}/cash"
        code, html, _ = await guard.post(url, {"amount": "9.001", "payment_id": "booth-1"})
        assert code == 400 and "Amount (¥)" in html
        code, html, _ = await guard.post(url, {"amount": "9"})
        assert code == 400 and "Payment id" in html
        for csrf in ("", "forged"):
            code, _, _ = await guard.post(url, {"amount": "9", "payment_id": f"booth-{csrf}"}, csrf=csrf)
            assert code == 403
        big = io.BytesIO(f"csrf_token={guard.csrf}&amount=9&payment_id=booth-big&pad=".encode() + b"x" * 15_000_000)
        async with guard.session.post(guard.base + url, data=big, allow_redirects=False,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert response.status == 413
        assert site.parking.sessions.by_id[session_id].paid_fen == 0
        assert site.commands(OUT_GATE) == []
        assert not [act for act in await audit_acts(site.hub) if act["act"] == "parking_paid"]


async def test_a_guard_lets_a_car_out_by_hand_with_a_reason(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        session_id = await stranger_at_the_exit(site)
        code, _, _ = await guard.post(f"/dashboard/parking/sessions/{session_id}/release", {"reason": "司机无手机"})
        assert code == 303
        session = site.parking.sessions.by_id[session_id]
        assert session.status == "left" and session.unpaid_fen == 900 and session.released_by == "desk-guard"
        code, html, _ = await guard.get("/dashboard/parking/attention")
        assert code == 200 and session_id in html and "let out by hand by desk-guard" in html


async def test_finance_sees_no_release_and_is_refused_one(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "finance") as clerk:
        session_id = await stranger_at_the_exit(site)
        _, html, _ = await clerk.get(f"/dashboard/parking/sessions/{session_id}")
        assert "Take cash" in html and "Let out by hand" not in html
        code, _, _ = await clerk.post(f"/dashboard/parking/sessions/{session_id}/release", {"reason": "x"})
        assert code == 403 and site.parking.sessions.by_id[session_id].status == "at_exit"


async def test_the_guards_queue_lists_a_car_with_no_entry(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        code, html, _ = await guard.get("/dashboard/parking/attention")
        assert code == 200 and "Nothing waits for the guard." in html
        await site.read("cam-2", "粤C55555")
        code, html, _ = await guard.get("/dashboard/parking/attention")
        (session_id,) = SESSION_LINK.findall(html)
        assert "no entry on record" in html and "粤C5***5" in html and "粤C55555" not in html
        assert site.parking.sessions.by_id[session_id].matched == "unmatched"


# --- passes -------------------------------------------------------------------------------------


async def test_passes_list_with_their_end_and_filter_the_ones_ending_soon(tmp_path: Path,
                                                                         broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        code, html, _ = await guard.get("/dashboard/parking/passes")
        text = " ".join(shown(html).split())
        assert code == 200 and "粤B6***6" in text and "粤B66666" not in text and "2026-03-31" in text
        code, html, _ = await guard.get("/dashboard/parking/passes?within=7")
        assert "粤B6***6" not in html and "No passes." in html
        code, html, _ = await guard.get("/dashboard/parking/passes?within=30")
        assert "粤B6***6" in html
        code, html, _ = await guard.get("/dashboard/parking/passes?within=9999")
        assert code == 400 and "Ending within" in html
        code, body, _ = await guard.get("/dashboard/parking/passes?format=csv")
        assert code == 200 and "粤B6***6,main" in body and ",29" in body


# --- gates --------------------------------------------------------------------------------------


async def test_gates_show_their_state_and_a_guard_opens_one_with_a_reason(tmp_path: Path,
                                                                         broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        code, html, _ = await guard.get("/dashboard/gates")
        assert code == 200 and IN_GATE in html and "closed" in html
        code, html, _ = await guard.post(f"/dashboard/gates/{IN_GATE}/open", {"reason": ""})
        assert code == 400 and "Reason" in html and site.commands(IN_GATE) == []
        code, _, response = await guard.post(f"/dashboard/gates/{IN_GATE}/open", {"reason": "送货车 保安放行"})
        assert code == 303 and response.headers["Location"] == f"/dashboard/gates?opened={IN_GATE}"
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        (act,) = [act for act in await audit_acts(site.hub) if act["act"] == "barrier_open"]
        assert act["by"] == "desk-guard" and "送货车 保安放行" in json.dumps(act, ensure_ascii=False)


async def test_finance_sees_the_gates_but_may_not_open_one(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "finance") as clerk:
        code, html, _ = await clerk.get("/dashboard/gates")
        assert code == 200 and IN_GATE in html and 'name="reason"' not in html
        code, _, _ = await clerk.post(f"/dashboard/gates/{IN_GATE}/open", {"reason": "x"})
        assert code == 403 and site.commands(IN_GATE) == []


async def test_a_gate_in_fault_shows_why_and_is_listed_among_the_faults(tmp_path: Path,
                                                                         broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        gate = OUT_GATE.removeprefix("barrier.")
        await site.probe.publish(f"{ROOT}/barrier/{gate}/state", json.dumps({"state": "fault", "fault": "encoder lost"}))
        await site.probe.wait_until(lambda: site.hub.states.get(OUT_GATE).state == "fault")
        await site.hub.recorder.flush()
        code, html, _ = await guard.get("/dashboard/gates")
        text = " ".join(shown(html).split())
        assert code == 200 and "fault" in text and "encoder lost" in text
        assert re.search(r'class="fault">.*?encoder lost', html, re.S)
        code, html, _ = await guard.post(f"/dashboard/gates/{OUT_GATE}/open", {"reason": "let the van out"})
        assert code == 409 and "encoder lost" in html


# --- reports ------------------------------------------------------------------------------------


async def test_reports_show_chart_and_export_and_income_is_for_finance(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site:
        session_id = await stranger_at_the_exit(site)
        await site.call("finance", "pay", {"session_id": session_id, "amount_fen": 900, "payment_id": "booth-r1",
                                           "method": "cash"})
        await site.read("cam-1", RESIDENT)
        async with signed_in(site, "finance") as clerk:
            code, html, _ = await clerk.get("/dashboard/parking/reports")
            assert code == 200 and "Cars inside now" in html and "粤B1***1" in html and STRANGER not in html
            code, html, _ = await clerk.get("/dashboard/parking/reports?kind=income_by_method&from=2026-03-02")
            text = " ".join(shown(html).split())
            assert code == 200 and "cash" in text and "¥9.00" in text and "data-chart=" in html
            code, html, _ = await clerk.get("/dashboard/parking/reports?kind=sessions_by_day&from=2026-03-01"
                                            "&to=2026-03-02")
            chart = json.loads(re.search(r"data-chart='([^']+)'", html).group(1))  # type: ignore[union-attr]
            assert code == 200 and chart["xAxis"]["data"] == ["03-01", "03-02"]
            assert chart["series"][0]["data"] == [0, 2] and chart["series"][1]["data"] == [0, 1]
            code, body, response = await clerk.get("/dashboard/parking/reports?kind=income_by_method&format=csv")
            assert code == 200 and response.headers["Content-Disposition"].endswith('parking-income-by-method.csv"')
            assert body.lstrip("\ufeff").splitlines()[1] == "cash,1,900"
            code, html, _ = await clerk.get("/dashboard/parking/reports?kind=sessions_by_day&from=someday")
            assert code == 400 and "From" in html
            code, html, _ = await clerk.get("/dashboard/parking/reports?kind=long_stays&hours=0")
            assert code == 400 and "Longer than (hours)" in html
            code, html, _ = await clerk.get("/dashboard/parking/reports?kind=everything")
            assert code == 400
        async with signed_in(site, "guard") as guard:
            code, html, _ = await guard.get("/dashboard/parking/reports")
            assert code == 200 and "kind=income_by_method" not in html
            code, _, _ = await guard.get("/dashboard/parking/reports?kind=income_by_method")
            assert code == 403
            code, _, _ = await guard.get("/dashboard/parking/reports?kind=income_by_method&format=csv")
            assert code == 403
        denied = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_denied"]
        assert len(denied) == 2 and {act["permission"] for act in denied} == {"parking.report_income"}
        assert not [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_export" and act["by"] ==
                    "desk-guard"]


async def test_the_sessions_page_by_fifty(tmp_path: Path, broker: BrokerProcess) -> None:
    async with park(tmp_path, broker) as site, signed_in(site, "guard") as guard:
        parking, lane = site.parking, site.parking.lanes["main-1"]
        for n in range(55):  # cars written down as let in: no gate, no display
            read = parking.read_at(lane, f"粤C{n:05d}", site.hub.clock.time() + n)
            parking.open_session(read, parking.rules.who(parking.lots["main"], read.plate, read.time), "temporary",
                                 "a car of the test", read.time)
        code, html, _ = await guard.get("/dashboard/parking/sessions?status=inside")
        assert code == 200 and len(set(SESSION_LINK.findall(html))) == 50 and "1–50 of 55" in html
        later = re.search(r'href="([^"]*offset=50[^"]*)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        assert "status=inside" in later
        code, html, _ = await guard.get(later)
        assert code == 200 and len(set(SESSION_LINK.findall(html))) == 5 and "51–55 of 55" in html
