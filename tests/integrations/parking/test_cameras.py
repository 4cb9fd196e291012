"""A camera that answers on its own request (Vzenith's HTTP push): parking's decision carried
back in the answer, the barrier commanded all the same; a read the camera stored while the hub
was away records the car without opening anything."""
from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess

from .conftest import IN_GATE, LANES, START, car_park

__all__ = ["BrokerProcess"]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lpr"
SECRET = "parking-test-0123456789"
VZENITH = {"id": "vz-3", "name": "后门入口", "format": "vzenith", "secret": SECRET}
BACK_LANE = {"id": "back-1", "lot": "main", "direction": "in", "camera": "vz-3", "barrier": IN_GATE}


def _push(license: str, plateid: int, **extra: object) -> bytes:
    """Vzenith's real AlarmInfoPlate sample with another plate."""
    sample = json.loads((FIXTURES / "vzenith_alarminfoplate_sample.json").read_bytes())
    sample["AlarmInfoPlate"]["result"]["PlateResult"].update(license=license, confidence=95, plateid=plateid, **extra)
    return json.dumps(sample, ensure_ascii=False).encode()


async def _post(site, body: bytes) -> dict:
    async with site.session.post(f"{site.base}/api/lpr/vz-3/{SECRET}", data=body,
                                 headers={"Content-Type": "application/json"}) as response:
        assert response.status == 200
        answer = json.loads(await response.read())
    await site.settle()
    return answer["Response_AlarmInfoPlate"]


async def test_the_camera_is_answered_on_its_own_request(tmp_path, broker):
    async with car_park(tmp_path, broker, cameras=(VZENITH,), lanes=[*LANES, BACK_LANE]) as site:
        answer = await _post(site, _push("粤A55555", 1))
        assert (answer["info"], answer["plateid"]) == ("ok", 1)
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        # a resident's car: access has no group for the back lane (residents_cars is main-1's)
        answer = await _post(site, _push("粤B10001", 4))
        assert answer["info"] == "no"
        assert site.fired("parking_refused")[0]["reason"] == (
            "denied: 粤B1***1 of household 1-1-0101 is in no access group for door back-1")
        await site.hub.services.call("access", "restrict", {"plate": "粤A44444", "reason": "多次逃费", "kind": "blacklist"})
        answer = await _post(site, _push("粤A44444", 2))
        assert answer["info"] == "no"
        refused = site.fired("parking_refused")[-1]
        assert (refused["shown"], refused["lane"]) == ("禁止通行", "back-1")
        assert refused["reason"].startswith("denied: plate 粤A4***4 多次逃费 2026-03-02 by ")


async def test_a_read_made_while_the_hub_was_away_opens_nothing(tmp_path, broker):
    async with car_park(tmp_path, broker, cameras=(VZENITH,), lanes=[*LANES, BACK_LANE]) as site:
        passed = START.timestamp() - 600
        answer = await _post(site, _push("粤A55555", 3, isoffline=1, timeStamp={"Timeval": {"sec": int(passed)}}))
        assert answer.get("info") != "ok"  # an offline re-send is acknowledged, never opened
        [session] = site.parking.sessions.by_id.values()
        assert (session.plate, session.kind, session.entered_at) == ("粤A55555", "temporary", passed)
        assert site.commands(IN_GATE) == [] and site.free() == 9
