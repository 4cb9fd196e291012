"""Footage requests through the services as each user: a request cannot be viewed before a
manager approves it, and the audit log shows the request, the decision and the viewing with who,
which camera, which span and why; the roles (a guard cannot decide, a requester cannot decide
their own, another user cannot view someone's approved request); export on its own approval;
the window; and the requests kept across a restart."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.integrations.cctv.conftest import START, audit_acts, site
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import HubError, Unauthorized

CCTV_ACTS = ("cctv_footage_requested", "cctv_request_decided", "cctv_footage_viewed", "cctv_access_refused",
             "cctv_export_requested", "cctv_footage_exported")


async def _cctv_acts(hub) -> list[dict]:
    return [act for act in await audit_acts(hub) if act["act"] in CCTV_ACTS]


async def test_a_request_is_not_viewed_before_approval_and_the_audit_shows_each_step(site_dir: Path) -> None:
    async with site(site_dir) as s:
        request_id = await s.ask("guard")
        assert request_id.startswith("R")
        with pytest.raises(HubError, match=f"request {request_id} is not approved yet"):
            await s.call("guard", "view", request_id=request_id)
        answer = await s.call("boss", "decide", request_id=request_id, approve=True, note="对得上报案记录")
        assert answer["status"] == "approved" and answer["request"]["valid_until"] == "2026-03-09T10:00:00+08:00"
        seen = await s.call("guard", "view", request_id=request_id)
        assert seen["camera"] == "gate-1" and seen["start"] == "2026-03-02T08:00:00+08:00"
        # the NVR's template, times in UTC, the credentials URL-quoted for the player alone
        assert seen["playback"]["url"] == ("rtsp://viewer:s3cret%2Fpw@10.0.1.5:554/Streaming/tracks/101"
                                           "?starttime=20260302T000000Z&endtime=20260302T010000Z")

        acts = await _cctv_acts(s.hub)
        assert [a["act"] for a in acts] == ["cctv_footage_requested", "cctv_access_refused", "cctv_request_decided",
                                           "cctv_footage_viewed"]
        requested, refused, decided, viewed = acts
        for act in acts:
            assert act["request_id"] == request_id and act["camera"] == "gate-1"
            assert act["start"] == "2026-03-02T08:00:00+08:00" and act["end"] == "2026-03-02T09:00:00+08:00"
            assert act["reason"] == "a bicycle stolen at the gate" and act["requester"] == "guard"
        assert requested["by"] == "guard" and refused["by"] == "guard" and "not approved yet" in refused["why"]
        assert decided["by"] == "boss" and decided["decision"] == "approved" and decided["note"] == "对得上报案记录"
        assert viewed["by"] == "guard" and viewed["viewer"] == "guard" and viewed["channel"] == 1
        everything = str(await audit_acts(s.hub))
        assert "s3cret" not in everything and "rtsp://" not in everything  # never the credentials, never the URL

        trail = await s.cctv.requests.trail(s.cctv.requests.get(request_id))
        assert [record["act"] for record in trail] == [a["act"] for a in acts]
        assert s.fired("cctv.request_decided") == [{"request_id": request_id, "kind": "footage", "camera": "gate-1",
                                                    "decision": "approved", "by": "boss",
                                                    "valid_until": "2026-03-09T10:00:00+08:00"}]


async def test_who_may_decide_and_who_may_view(site_dir: Path) -> None:
    async with site(site_dir) as s:
        request_id = await s.ask("guard")
        with pytest.raises(Unauthorized, match="role guard"):
            await s.call("guard2", "decide", request_id=request_id, approve=True)
        with pytest.raises(Unauthorized, match="role maintenance"):
            await s.call("fixer", "view", request_id=request_id)
        own = await s.ask("boss")
        with pytest.raises(Unauthorized, match="cannot decide their own request"):
            await s.call("boss", "decide", request_id=own, approve=True)
        assert s.cctv.requests.get(own).status == "pending"
        await s.call("deputy", "decide", request_id=own, approve=True)

        await s.call("boss", "decide", request_id=request_id, approve=True)
        with pytest.raises(Unauthorized, match="user guard2 did not make request"):
            await s.call("guard2", "view", request_id=request_id)
        with pytest.raises(Unauthorized, match="user boss did not make request"):
            await s.call("boss", "view", request_id=request_id)  # deciding is not viewing
        with pytest.raises(HubError, match="already approved by boss"):
            await s.call("deputy", "decide", request_id=request_id, approve=False)
        refused = [a for a in await _cctv_acts(s.hub) if a["act"] == "cctv_access_refused"]
        assert [(a["by"], a["refused"]) for a in refused] == [("boss", "decide"), ("guard2", "view"), ("boss", "view")]

        # a guard sees their own requests; a manager sees every one
        mine = await s.call("guard", "requests")
        assert [r["request_id"] for r in mine["requests"]] == [request_id]
        assert (await s.call("guard2", "requests"))["requests"] == []
        assert len((await s.call("boss", "requests"))["requests"]) == 2


async def test_named_viewers_and_a_refusal(site_dir: Path) -> None:
    async with site(site_dir) as s:
        request_id = await s.ask("guard", viewers=["guard2"])
        with pytest.raises(HubError, match="viewers: no user nobody"):
            await s.ask("guard", viewers=["nobody"])
        await s.call("boss", "decide", request_id=request_id, approve=True)
        assert (await s.call("guard2", "view", request_id=request_id))["camera"] == "gate-1"
        other = await s.ask("guard")
        await s.call("boss", "decide", request_id=other, approve=False, note="no incident reported")
        with pytest.raises(HubError, match="was refused by boss at .*: no incident reported"):
            await s.call("guard", "view", request_id=other)


async def test_the_window_ends(site_dir: Path) -> None:
    async with site(site_dir, valid_for={"hours": 4}) as s:
        request_id = await s.ask("guard")
        await s.call("boss", "decide", request_id=request_id, approve=True)
        s.clock.advance(timedelta(hours=4))
        with pytest.raises(HubError, match=r"approval ended at 2026-03-02T14:00:00\+08:00; ask again"):
            await s.call("guard", "view", request_id=request_id)
        assert [r["status"] for r in (await s.call("guard", "requests"))["requests"]] == ["expired"]
        assert (await s.call("guard", "requests", status="expired"))["requests"][0]["request_id"] == request_id


async def test_export_needs_its_own_approval(site_dir: Path) -> None:
    async with site(site_dir) as s:
        request_id = await s.ask("guard")
        with pytest.raises(HubError, match="not approved yet"):
            await s.call("guard", "request_export", request_id=request_id, reason="the police want a copy")
        await s.call("boss", "decide", request_id=request_id, approve=True)
        with pytest.raises(Unauthorized, match="did not make request"):
            await s.call("guard2", "request_export", request_id=request_id, reason="curious")
        export_id = (await s.call("guard", "request_export", request_id=request_id,
                                  reason="the police want a copy"))["request_id"]
        assert export_id.startswith("X")
        with pytest.raises(HubError, match="is a footage request; an export needs its own approval"):
            await s.call("guard", "export", request_id=request_id)
        with pytest.raises(HubError, match=f"request {export_id} is not approved yet"):
            await s.call("guard", "export", request_id=export_id)
        await s.call("deputy", "decide", request_id=export_id, approve=True)
        with pytest.raises(Unauthorized, match=f"user guard2 did not ask for export {export_id}"):
            await s.call("guard2", "export", request_id=export_id)
        exported = await s.call("guard", "export", request_id=export_id)
        assert exported["parent"] == request_id and exported["export"]["channel"] == 1
        acts = [(a["act"], a.get("export_id")) for a in await _cctv_acts(s.hub) if a["request_id"] == request_id]
        assert ("cctv_export_requested", export_id) in acts and acts[-1] == ("cctv_footage_exported", export_id)


async def test_an_outside_authority_is_recorded(site_dir: Path) -> None:
    async with site(site_dir) as s:
        authority = {"name": "南山派出所 Nanshan police station", "document": "协查通知书 2026-0301",
                     "approver": "李警官 Officer Li"}
        request_id = await s.ask("guard", authority=authority)
        assert (await s.call("boss", "requests"))["requests"][0]["authority"] == authority
        requested = (await _cctv_acts(s.hub))[0]
        assert requested["request_id"] == request_id and requested["authority"] == authority["name"]
        assert requested["document"] == authority["document"] and requested["authority_approver"] == "李警官 Officer Li"
        with pytest.raises(HubError, match="authority.document"):
            await s.ask("guard", authority={"name": "police", "approver": "Li"})


@pytest.mark.parametrize(("data", "message"), [
    ({"camera": "roof-9"}, "camera: no camera roof-9 (known: gate-1, lobby-1)"),
    ({"start": "2026-03-02T09:00", "end": "2026-03-02T08:00"}, "end: 2026-03-02 08:00 is not after start 2026-03-02 09:00"),
    ({"start": "2026-03-02T09:00", "end": "2026-03-02T11:00"}, "end: 2026-03-02 11:00 has not come yet"),
    ({"start": "2026-02-28T08:00", "end": "2026-03-02T08:00"}, "end: the span is 48 h; a request may span at most 24 h"),
    ({"start": "2026-01-20T08:00", "end": "2026-01-20T09:00"},
     "start: 2026-01-20 08:00 is older than camera gate-1 keeps: the rules ask it to keep (its NVR has not reported) "
     "30 days, so its footage starts at 2026-01-31 10:00"),
    ({"reason": "  "}, "reason"),
    ({"start": "yesterday"}, "start"),
])
async def test_bad_requests_are_refused_with_the_reason(site_dir: Path, data: dict, message: str) -> None:
    async with site(site_dir) as s:
        with pytest.raises((HubError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
            await s.ask("guard", **data)
        assert s.cctv.requests.requests == {}


async def test_the_reported_retention_bounds_a_request(site_dir: Path) -> None:
    async with site(site_dir) as s:
        s.cctv.report("gate-1", {"retention_days": 7})
        with pytest.raises(HubError, match="its NVR reports keeping 7 days, so its footage starts at 2026-02-23 10:00"):
            await s.ask("guard", start="2026-02-20T08:00", end="2026-02-20T09:00")


async def test_an_automation_cannot_ask(site_dir: Path) -> None:
    async with site(site_dir) as s:
        with pytest.raises(Unauthorized, match="a person's act"):
            await s.hub.services.call("cctv", "request_footage", {
                "camera": "gate-1", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": "x"},
                return_response=True)


async def test_requests_survive_a_restart(site_dir: Path) -> None:
    clock = ManualClock(START)
    async with site(site_dir, clock=clock) as s:
        request_id = await s.ask("guard")
        await s.call("boss", "decide", request_id=request_id, approve=True)
    async with site(site_dir, clock=clock) as s:
        kept = s.cctv.requests.get(request_id)
        assert kept.status == "approved" and kept.decided_by == "boss"
        assert (await s.call("guard", "view", request_id=request_id))["request_id"] == request_id
