"""Who may push plates: a camera's route with its secret, and nobody else; what is refused
is audited and counts toward the address's ban; bodies are bounded; floods are throttled."""
from __future__ import annotations

from pathlib import Path

from xiaoqu.core.auth import get_access as get_auth

from .conftest import SECRET, fixture_bytes, lpr_site

SAMPLE = "vzenith_alarminfoplate_sample.json"


async def test_unknown_cameras_and_wrong_secrets_are_refused_audited_and_banned(tmp_path: Path) -> None:
    async with lpr_site(tmp_path, http={"server_port": 0, "login_attempts_threshold": 3}) as site:
        body = fixture_bytes(SAMPLE)
        assert (await site.post("nobody", body))[0] == 404
        assert (await site.post("cam-1", body))[0] == 404  # an MQTT camera has no HTTP route
        assert (await site.post("vz-1", body, secret=SECRET[:-1] + "X"))[0] == 401
        assert site.events == []
        audit = get_auth(site.hub).manager.audit
        refused = await audit.read(act="lpr_push_refused")
        assert sorted(r.data["reason"] for r in refused) == ["no camera pushes to this address"] * 2 + ["wrong secret"]
        assert all(SECRET not in str(r.data) for r in refused)
        # the third failure banned the address: even the right secret is refused now
        status, _ = await site.post("vz-1", body)
        assert status == 403 and site.events == []


async def test_bodies_are_bounded(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        status, _ = await site.post("hik-1", b"x" * (15 * 1024 * 1024), "multipart/form-data; boundary=b")
        assert status == 413
        picture = b"--b\r\nContent-Type: image/jpeg\r\n\r\n" + b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024) + b"\r\n--b--"
        status, _ = await site.post("hik-1", picture, "multipart/form-data; boundary=b")
        assert status == 400  # a few MB are taken (and then found to hold no alert)


async def test_a_flooding_camera_is_throttled(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        heartbeat = b"device_name=IVS&serialno=x"
        statuses = [(await site.post("vz-1", heartbeat, "application/x-www-form-urlencoded"))[0] for _ in range(35)]
        assert statuses.count(429) == 5  # a burst of 30, then 10 a second on the (stopped) clock
        site.clock.advance(1)
        assert (await site.post("vz-1", heartbeat, "application/x-www-form-urlencoded"))[0] == 200
