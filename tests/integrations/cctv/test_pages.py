"""The cctv pages over real HTTP as each signed-in user: the cameras with retention against the
days required; a guard asks on the form, a manager approves on the request page (with its CSRF
token), the guard views; the request page's audit trail; the list filtered and exported; and as
an attacker: a guard deciding, another guard opening or viewing someone's request, a form
without its token."""
from __future__ import annotations

import re
from pathlib import Path

from tests.integrations.cctv.conftest import audit_acts, browser, site


async def test_the_cameras_page_shows_state_and_retention(site_dir: Path) -> None:
    async with site(site_dir) as s, browser(s.hub) as fixer:
        s.cctv.report("gate-1", {"recording": True, "retention_days": 21, "backup": {"ok": False, "detail": "NAS full"}})
        await fixer.sign_in("fixer")
        status, text, _ = await fixer.get("/dashboard/cctv/cameras")
        assert status == 200 and "摄像机" in text
        row = re.search(r'<tr id="camera-gate-1".*?</tr>', text, re.S).group(0)
        assert "录像中" in row and "21 / 30" in row and "不足" in row and "备份失败" in row and "NAS full" in row
        assert (await fixer.get("/dashboard/cctv/requests"))[0] == 403


async def test_ask_decide_view_on_the_pages(site_dir: Path) -> None:
    async with site(site_dir) as s, browser(s.hub) as guard, browser(s.hub) as boss, browser(s.hub) as guard2:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/cctv/requests")
        assert status == 200 and "申请调阅录像" in text
        form = {"camera": "gate-1", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": "自行车被盗",
                "authority_name": "南山派出所", "authority_document": "协查 2026-0301", "authority_approver": "李警官"}
        status, _, response = await guard.post("/dashboard/cctv/requests/new", form)
        assert status == 303
        request_id = re.search(r"id=(R[0-9A-F]{8})", response.headers["Location"]).group(1)
        status, text, _ = await guard.post(f"/dashboard/cctv/requests/{request_id}/view", {})
        assert status == 409 and "not approved yet" in text
        status, text, _ = await guard.post(f"/dashboard/cctv/requests/{request_id}/decide", {"approve": "yes"})
        assert status == 403 and s.cctv.requests.get(request_id).status == "pending"

        await boss.sign_in("boss")
        status, text, _ = await boss.get(f"/dashboard/cctv/request?id={request_id}")
        assert status == 200 and "南山派出所 · 协查 2026-0301 · 李警官" in text and 'class="decide"' in text
        status, _, _ = await boss.post(f"/dashboard/cctv/requests/{request_id}/decide", {"approve": "yes"},
                                       csrf="forged")
        assert status == 403 and s.cctv.requests.get(request_id).status == "pending"
        status, _, _ = await boss.post(f"/dashboard/cctv/requests/{request_id}/decide", {"approve": "yes",
                                                                                        "note": "同意"})
        assert status == 303 and s.cctv.requests.get(request_id).status == "approved"

        status, text, _ = await guard.get(f"/dashboard/cctv/request?id={request_id}")
        assert status == 200 and "调阅录像" in text
        status, text, _ = await guard.post(f"/dashboard/cctv/requests/{request_id}/view", {})
        assert status == 200 and "rtsp://viewer:s3cret%2Fpw@10.0.1.5" in text
        _, text, _ = await guard.get(f"/dashboard/cctv/request?id={request_id}")
        trail = re.search(r'<table class="list trail">.*?</table>', text, re.S).group(0)
        assert re.findall(r'<code>(cctv_[a-z_]+)</code>', trail) == [
            "cctv_footage_requested", "cctv_access_refused", "cctv_request_decided", "cctv_footage_viewed"]

        await guard2.sign_in("guard2")
        assert (await guard2.get(f"/dashboard/cctv/request?id={request_id}"))[0] == 403
        status, text, _ = await guard2.post(f"/dashboard/cctv/requests/{request_id}/view", {})
        assert status == 403 and "did not make request" in text
        _, text, _ = await guard2.get("/dashboard/cctv/requests")
        assert request_id not in text
        assert (await guard2.get("/dashboard/cctv/request?id=R00000000"))[0] == 404
        assert (await guard2.get("/dashboard/cctv/request"))[0] == 200

        status, csv, _ = await boss.get("/dashboard/cctv/requests?status=approved&format=csv")
        assert status == 200 and csv.startswith("\ufeff申请时间,申请,类别") and request_id in csv and "南山派出所" in csv
        assert [a for a in await audit_acts(s.hub) if a["act"] == "dashboard_export"]


async def test_bad_form_input_names_the_field(site_dir: Path) -> None:
    async with site(site_dir) as s, browser(s.hub) as guard:
        await guard.sign_in("guard")
        await guard.get("/dashboard/cctv/requests")
        status, text, _ = await guard.post("/dashboard/cctv/requests/new", {
            "camera": "gate-1", "start": "2026-03-02T09:00", "end": "2026-03-02T08:00", "reason": "x"})
        assert status == 400 and "end: 2026-03-02 08:00 is not after start 2026-03-02 09:00" in text
        status, text, _ = await guard.post("/dashboard/cctv/requests/new", {"camera": "gate-1"})
        assert status == 400 and s.cctv.requests.requests == {}
