"""``lpr.normalize_plate`` and ``lpr.correct`` through the API, as staff roles call them:
the contract's answers, who may, and the audited correction with its snapshot."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from xiaoqu.core.auth import Actor
from xiaoqu.core.auth import get_access as get_auth

from .conftest import Site, fixture_bytes, lpr_site
from .test_vzenith import JPEG


async def _token(site: Site, user: str, role: str) -> str:
    manager = get_auth(site.hub).manager
    await manager.add_user(user, role, None, Actor("cli", "test"))
    _, token = await manager.create_token(user, Actor("cli", "test"))
    return token


async def _call(site: Site, token: str, service: str, data: dict[str, Any]) -> tuple[int, Any]:
    async with site.session.post(f"{site.base}/api/services/lpr/{service}?return_response", json=data,
                                 headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status, await response.json()


async def test_normalize_plate_as_the_contract_says(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        token = await _token(site, "cashier", "finance")
        status, answer = await _call(site, token, "normalize_plate", {"plate": "蓝粤Ｂ·1234O"})
        assert status == 200
        assert answer["service_response"] == {"valid": True, "plate": "粤B12340", "kind": "ordinary", "colour": "blue",
                                              "fixes": ["full-width characters made half-width", "separators removed",
                                                        "colour word 蓝 removed", "O read for 0 in the serial"]}
        _, answer = await _call(site, token, "normalize_plate", {"plate": "_无_"})
        assert answer["service_response"]["valid"] is False and answer["service_response"]["reason"].startswith("no plate")


async def test_a_guard_corrects_a_misread_from_its_snapshot(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        sample = json.loads(fixture_bytes("vzenith_alarminfoplate_sample.json"))
        sample["AlarmInfoPlate"]["result"]["PlateResult"].update(license="粤B8S678", confidence=60,
                                                                  imageFile=base64.b64encode(JPEG).decode())
        await site.post("vz-1", json.dumps(sample).encode())
        [doubt] = site.fired("plate_read_uncertain")
        guard = await _token(site, "guard1", "guard")
        status, answer = await _call(site, guard, "correct", {"read_id": doubt["read_id"], "plate": "粤bb5678",
                                                              "reason": "8 read for B, S for 5: see the snapshot"})
        assert status == 200
        corrected = answer["service_response"]
        assert corrected == {"read_id": f"{doubt['read_id']}.c1", "plate": "粤BB5678", "corrects": doubt["read_id"],
                             "snapshot": doubt["snapshot"]}
        [read] = site.fired("plate_read")
        assert (read["plate"], read["corrects"], read["corrected_by"], read["confidence"], read["snapshot"]) == (
            "粤BB5678", doubt["read_id"], "guard1", 1.0, doubt["snapshot"])
        [record] = await get_auth(site.hub).manager.audit.read(act="lpr_plate_corrected")
        assert record.data["snapshot"] == doubt["snapshot"] and record.data["by"] == "guard1"
        assert record.data["was"] == "粤B8***8" and record.data["now"] == "粤BB***8"  # plates masked in the audit log
        # a wrong plate or an unknown read is refused with the reason
        status, refused = await _call(site, guard, "correct", {"read_id": doubt["read_id"], "plate": "粤812345",
                                                               "reason": "typo"})
        assert status == 400 and "not a plate" in refused["message"]
        status, refused = await _call(site, guard, "correct", {"read_id": "vz-1-nothing", "plate": "粤B12345",
                                                               "reason": "typo"})
        assert (status, refused["message"]) == (400, "read vz-1-nothing is not one this hub recorded in the last 90 days")


async def test_a_read_no_longer_in_memory_is_corrected_from_the_recorder(tmp_path: Path) -> None:
    """After a restart (or 5,000 newer reads) the read is found in the recorder: the correction is
    audited with its snapshot as any other, and told as an offline read at the read's own time
    (the car is long gone: no gate opens for it now); each further correction gets the next number."""
    sample = json.loads(fixture_bytes("vzenith_alarminfoplate_sample.json"))
    sample["AlarmInfoPlate"]["result"]["PlateResult"].update(license="粤B8S678", confidence=60,
                                                              imageFile=base64.b64encode(JPEG).decode())
    async with lpr_site(tmp_path) as site:
        await site.post("vz-1", json.dumps(sample).encode())
        [doubt] = site.fired("plate_read_uncertain")
    expected = {"1": ("guard1", "粤BB5678", "see the snapshot"), "2": ("guard1", "粤BB5679", "no, 9"),
                "3": ("guard2", "粤BB5670", "no, 0")}
    for day, numbers in ((1, "12"), (2, "3")):
        async with lpr_site(tmp_path) as site:
            site.clock.advance(86_400 * day)
            assert not site.lpr._recent  # nothing of the read in memory
            for n in numbers:
                user, plate, why = expected[n]
                if n != "2":
                    guard = await _token(site, user, "guard")
                status, answer = await _call(site, guard, "correct", {"read_id": doubt["read_id"], "plate": plate,
                                                                      "reason": why})
                assert status == 200
                assert answer["service_response"] == {"read_id": f"{doubt['read_id']}.c{n}", "plate": plate,
                                                      "corrects": doubt["read_id"], "snapshot": doubt["snapshot"]}
                read = site.fired("plate_read")[-1]
                assert (read["plate"], read["offline"], read["camera_time"], read["camera"], read["lane"]) == (
                    plate, True, doubt["time"], "vz-1", "north-in")
                assert (read["corrects"], read["corrected_by"], read["snapshot"]) == (doubt["read_id"], user,
                                                                                      doubt["snapshot"])
                record = (await get_auth(site.hub).manager.audit.read(act="lpr_plate_corrected"))[0]
                assert (record.data["by"], record.data["snapshot"], record.data["was"], record.data["now"],
                        record.data["reason"]) == (user, doubt["snapshot"], "粤B8***8", plate[:3] + "***" + plate[-1],
                                                   why)


async def test_who_may_correct(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        token = await _token(site, "tech", "maintenance")
        status, _ = await _call(site, token, "correct", {"read_id": "x", "plate": "粤B12345", "reason": "no"})
        assert status == 403
        status, _ = await _call(site, token, "normalize_plate", {"plate": "粤B12345"})
        assert status == 200
