"""The notices' pages over real HTTP on a real hub and broker, in the staff's Chinese: the send
form (its CSRF token, a 15 MB body, a wrong field named, a notice sent and listed with its
counts, the list exported as CSV and .xlsx and read back), a notice's households with each
channel and the signature staff give for a household; the residents' Notices tab (a household's
own notices only, signed there; another household's notice id refused and audited)."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import aiohttp
from openpyxl import load_workbook

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.dashboard.conftest import Browser
from tests.integrations.notices.conftest import ALICE, BOB, FEE_DATA, audit_acts, site

FIFTEEN_MB = 15 * 1024 * 1024
SENT = re.compile(r"sent=(N[0-9A-F]{8})")
OUTAGE = "what: 水\narea: 1栋\nstart: 3月5日9:00\nend: 3月5日17:00\nreason: 二次供水设施清洗"


async def _too_big(person: Browser, path: str) -> int | None:
    """The status of a 15 MB form posted to ``path`` (None when the hub closed the connection first)."""
    body = io.BytesIO(f"csrf_token={person.csrf}&target_kind=all&title=t&body=".encode() + b"x" * FIFTEEN_MB)
    try:
        async with person.session.post(person.base + path, data=body, allow_redirects=False, headers={
                "Content-Type": "application/x-www-form-urlencoded"}) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def test_staff_send_from_the_form_and_read_the_counts_and_exports(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here, here.browser() as staff:
        await staff.sign_in("staff")
        status, text, _ = await staff.get("/dashboard/notices")
        assert status == 200 and "发送通知" in text and "暂无通知。" in text
        assert 'value="mqtt" checked' in text and 'value="log" checked' in text

        form = {"target_kind": "building", "target": "1", "template": "outage", "data": OUTAGE}
        status, _, _ = await staff.post("/dashboard/notices/send", form, csrf="forged")
        assert status == 403
        assert await _too_big(staff, "/dashboard/notices/send") == 413
        wrong = [({**form, "target": ""}, "楼栋/单元/房号: "),                   # the form's own check
                 ({**form, "target_kind": "street"}, "发送对象: street"),
                 ({**form, "data": "what: [水"}, "模板数据: 应为每行一项"),
                 ({**form, "target": "9"}, "to[0].building: no households in building 9"),  # the service's
                 ({**form, "data": "what: 水"}, "template outage could not be rendered"),
                 ({**form, "channels": "sms"}, "channels[0]: no channel")]
        for data, why in wrong:
            status, text, _ = await staff.post("/dashboard/notices/send", data)
            assert status == 400 and why in text, (data, text[-600:])
        assert here.notices.notices == {}

        status, _, response = await staff.post("/dashboard/notices/send", form)
        assert status == 303
        outage = SENT.search(response.headers["Location"]).group(1)
        status, _, response = await staff.post("/dashboard/notices/send", {
            "target_kind": "all", "template": "", "title": "春节安排", "body": "物业服务中心春节值班安排如下。",
            "channels": "log", "ref": "holiday:2026"})
        everyone = SENT.search(response.headers["Location"]).group(1)
        await here.settle()
        assert here.notices.notices[everyone].channels == ("log",)
        await here.call("alice", "acknowledge", notice_id=everyone, household=ALICE)

        status, text, _ = await staff.get(f"/dashboard/notices?sent={everyone}")
        assert status == 200 and f"通知 {everyone} 正在发送。" in text and "停水通知" in text
        row = re.search(rf'<tr class="notice sent">(?:(?!</tr>).)*{everyone}(?:(?!</tr>).)*</tr>', text, re.S).group(0)
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        # households 2, signed 1, delivered 1 (the one not signed), none failed or sending
        assert cells[2:] == ["春节安排", "", "holiday:2026", "已发送", "2", "1", "1", "0", "0", "staff"]

        status, body, response = await staff.get("/dashboard/notices?format=csv")
        assert status == 200 and response.headers["Cache-Control"] == "no-store"
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert rows[0][:3] == ["创建时间", "通知编号", "标题"] and len(rows) == 3
        by_id = {row[1]: row for row in rows[1:]}
        assert by_id[outage][2:] == ["停水通知", "outage", "", "已发送", "1", "0", "1", "0", "0", "staff"]
        async with staff.session.get(f"{staff.base}/dashboard/notices?format=xlsx") as response:
            assert response.status == 200
            book = load_workbook(io.BytesIO(await response.read()), read_only=True)
        sheet = list(book.active.iter_rows(values_only=True))
        assert sheet[0][1] == "通知编号" and {row[1] for row in sheet[1:]} == {outage, everyone}
        assert next(row for row in sheet if row[1] == everyone)[6:9] == (2, 1, 1)
        exported = [a for a in await audit_acts(here.hub) if a["act"] == "dashboard_export"]
        assert [(a["by"], a["format"]) for a in exported] == [("staff", "csv"), ("staff", "xlsx")]


async def test_a_notices_households_page_and_staff_signing_for_one(site_dir: Path, broker: BrokerProcess) -> None:
    email = {"host": "127.0.0.1", "port": 9, "sender": "wuye@example.com"}  # no address kept: never reached
    async with site(site_dir, broker, channels={"mqtt": {}, "email": email}) as here:
        sent = await here.notices.send([{"household": ALICE}, {"household": BOB}], title="电梯检修",
                                       body="周三上午电梯检修。", channels=["mqtt", "email"])
        notice = sent["notice_id"]
        await here.settle()
        async with here.browser() as staff:
            await staff.sign_in("staff")
            status, text, _ = await staff.get(f"/dashboard/notices/{notice}")
            assert status == 200 and "周三上午电梯检修。" in text and "代住户签收" in text
            assert text.count('class="recipient sent"') == 2
            assert "email: failed (no email is kept for households" in text and "mqtt: sent" in text
            status, text, _ = await staff.post(f"/dashboard/notices/{notice}/acknowledge", {"household": BOB})
            assert status == 400 and "原因" in text and here.notices.notices[notice].signed == {}
            status, _, response = await staff.post(f"/dashboard/notices/{notice}/acknowledge",
                                                   {"household": BOB, "reason": "业主在前台书面签收"})
            assert status == 303 and response.headers["Location"] == f"/dashboard/notices/{notice}"
            _, text, _ = await staff.get(f"/dashboard/notices/{notice}")
            bob = re.search(rf'<tr class="recipient acknowledged">(?:(?!</tr>).)*{BOB}(?:(?!</tr>).)*</tr>',
                            text, re.S).group(0)
            assert "已签收" in bob and "staff" in bob
            status, body, _ = await staff.get(f"/dashboard/notices/{notice}?format=csv")
            rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
            assert rows[0] == ["住户", "状态", "渠道", "签收时间", "签收人"]
            assert [row[:2] for row in rows[1:]] == [[ALICE, "已送达"], [BOB, "已签收"]] and rows[2][4] == "staff"
            assert (await staff.get("/dashboard/notices/N00000000"))[0] == 400
        async with here.browser() as guard:
            await guard.sign_in("guard")
            assert (await guard.get("/dashboard/notices"))[0] == 403
            assert (await guard.get(f"/dashboard/notices/{notice}"))[0] == 403
        acts = [a["act"] for a in await audit_acts(here.hub) if a["act"].startswith("notice_")]
        assert acts.count("notice_acknowledged_for_household") == 1


async def test_a_resident_reads_and_signs_their_households_notices_only(site_dir: Path,
                                                                        broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        alice = (await here.notices.send({"household": ALICE}, template="fee_notice", data=FEE_DATA,
                                         ref=f"billing:2026-03:{ALICE}"))["notice_id"]
        bob = (await here.notices.send({"household": BOB}, title="车位续租", body="您的车位租期将于月底到期。"))["notice_id"]
        await here.settle()
        async with here.browser() as person:
            await person.sign_in("bob")
            status, text, _ = await person.get("/portal/notices")
            assert status == 200 and bob in text and alice not in text and "物业费缴费通知单" not in text
            status, text, _ = await person.post("/portal/notices/acknowledge", {"notice_id": alice})
            assert status == 400 and f"notice {alice} is not found for household {BOB}" in text
            status, _, _ = await person.post("/portal/notices/acknowledge", {"notice_id": bob}, csrf="forged")
            assert status == 403 and here.notices.notices[bob].signed == {}
            assert await _too_big(person, "/portal/notices/acknowledge") == 413
        assert here.notices.notices[alice].signed == {}
        async with here.browser() as person:
            await person.sign_in("alice")
            status, text, _ = await person.get("/portal/notices")
            assert status == 200 and "物业费缴费通知单（2026-03）" in text and "本期合计：¥191.50。" in text
            assert "待签收" in text and "签收：我已阅读" in text and bob not in text
            status, _, response = await person.post("/portal/notices/acknowledge", {"notice_id": alice})
            assert status == 303 and response.headers["Location"] == f"/portal/notices?signed={alice}"
            _, text, _ = await person.get(response.headers["Location"])
            assert "已签收，谢谢。" in text and "签收：我已阅读" not in text
        signature = here.notices.notices[alice].signed[ALICE]
        assert (signature.by, signature.how) == ("alice", "resident")
        refused = [a for a in await audit_acts(here.hub) if a["act"] == "notice_acknowledge_refused"]
        assert [(a["who"], a["household"], a["notice"], a["why"]) for a in refused] == [
            ("bob", BOB, alice, "not sent to the household")]
