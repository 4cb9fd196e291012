"""residents.* on a real hub, called as the staff who would call them — and as people who
should not get what they ask for."""
from __future__ import annotations

import json

import pytest

from tests.integrations.residents.sample import CONFIG, ID_NUMBER
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import ResidentsError, get_residents

HUB = Actor("hub")


async def _users(hub) -> dict[str, Context]:
    manager = get_access(hub).manager
    return {role: Context(user_id=(await manager.add_user(f"{role}1", role, None, HUB)).id, source="api")
            for role in ("manager", "guard", "resident")}


async def _call(hub, service: str, data: dict, context: Context) -> dict | None:
    return await hub.services.call("residents", service, data, context=context, return_response=True)


async def _audit(hub, act: str) -> list[dict]:
    await hub.recorder.flush()
    return [r.data for r in await hub.recorder.query("audit", where={"act": act}, newest_first=False)]


async def test_a_manager_keeps_the_records_and_a_guard_looks_people_up_masked(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        users = await _users(hub)
        manager, guard = users["manager"], users["guard"]
        await _call(hub, "add_household", {"id": "3-1-1202", "area_m2": 120}, manager)
        added = await _call(hub, "add_person", {"household": "3-1-1202", "role": "owner", "name": "陈静",
                                                "phone": "13912345678", "id_number": ID_NUMBER,
                                                "cards": ["0A0B0C0D"]}, manager)
        person = added["person"]
        assert (person["id"], person["phone"], person["id_number"]) == ("P000001", "139****5678", "110***********002X")
        await _call(hub, "add_vehicle", {"plate": "沪B 54321", "household": "3-1-1202", "person": "P000001"}, manager)
        await _call(hub, "record_consent", {"person": "P000001", "what": "face", "purpose": "门禁人脸识别"}, manager)

        seen = await _call(hub, "get_person", {"id": "P000001"}, guard)
        assert seen["person"]["phone"] == "139****5678"
        assert seen["vehicles"] == [{"plate": "沪B54321", "household": "3-1-1202", "person": "P000001"}]
        assert [(c["what"], c["collected_by"]) for c in seen["consents"]] == [("face", "manager1")]
        assert (await _call(hub, "find", {"card": "0168496141"}, guard))["persons"][0]["id"] == "P000001"
        assert (await _call(hub, "find", {"plate": "沪B54321"}, guard))["persons"][0]["name"] == "陈静"
        assert (await _call(hub, "find", {"building": "3", "name": "陈"}, guard))["more"] is False

        with pytest.raises(Unauthorized, match=r"user guard1 \(role guard\) may not call residents.reveal"):
            await _call(hub, "reveal", {"person": "P000001", "field": "phone"}, guard)
        with pytest.raises(Unauthorized, match="may not call residents.update_person"):
            await _call(hub, "update_person", {"id": "P000001", "name": "陈静静"}, guard)
        revealed = await _call(hub, "reveal", {"person": "P000001", "field": "id_number"}, manager)
        assert revealed["value"] == ID_NUMBER

        reads = await _audit(hub, "personal_data_read")
        assert [(r["by"], r["person"], r["field"]) for r in reads] == [("manager1", "P000001", "id_number")]
        everything = json.dumps([r.data for r in await hub.recorder.query("audit")], ensure_ascii=False)
        assert "13912345678" not in everything and ID_NUMBER not in everything  # the calls' data is masked
        assert "139****5678" in everything


async def test_a_resident_gets_nothing_here_not_even_their_neighbours_names(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        users = await _users(hub)
        residents = get_residents(hub)
        await residents.add_household("1-1-0101")
        await residents.add_household("1-1-0102")
        me = await residents.add_person(household="1-1-0101", role="owner", name="我")
        await residents.add_person(household="1-1-0102", role="owner", name="邻居", phone="13700000000")
        await residents.link_user(me.id, "resident1")
        for service, data in [("get_person", {"id": "P000002"}), ("find", {"household": "1-1-0102"}),
                              ("reveal", {"person": "P000002", "field": "phone"}),
                              ("update_person", {"id": "P000002", "household": "1-1-0101"})]:
            with pytest.raises(Unauthorized, match=f"user resident1 \\(role resident\\) may not call residents.{service}"):
                await _call(hub, service, data, users["resident"])
        with pytest.raises(Unauthorized, match=r"user resident1 \(role resident\) may not read personal data"):
            residents.reveal("P000002", "phone", users["resident"])
        assert [r["person"] for r in await _audit(hub, "personal_data_read_denied")] == ["P000002"]
        assert residents.person_for_user("resident1") == residents.person(me.id)


async def test_bad_data_is_refused_naming_the_field(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        manager = (await _users(hub))["manager"]
        await _call(hub, "add_household", {"id": "1-1-0101"}, manager)
        cases = [
            ("add_household", {"id": "1-1-0101"}, ResidentsError, "id: household 1-1-0101 already exists"),
            ("add_household", {"id": "building one"}, ServiceValidationError, "household id"),
            ("add_household", {"id": "1-1-0102", "area_m2": "89.555"}, ServiceValidationError, "hundredth"),
            ("add_person", {"household": "1-1-0101", "role": "owner", "name": "x", "phone": "1" * 15_000_000},
             ServiceValidationError, "at most 200 characters"),
            ("add_person", {"household": "1-1-0101", "role": "owner", "name": "x\ud800y"},
             ServiceValidationError, "without control or invisible characters"),
            ("add_person", {"household": "1-1-0101", "role": "owner", "name": "x", "cards": ["162,1"]},
             ServiceValidationError, "Wiegand-26 read"),
            ("update_person", {"id": "P999999", "name": "x"}, ResidentsError, "person: no person P999999"),
            ("link_user", {"person": "P000001", "user": "nobody"}, ResidentsError, "person: no person P000001"),
            ("add_vehicle", {"plate": "沪A12345", "household": "9-9-0909"}, ResidentsError, "no household 9-9-0909"),
            ("reveal", {"person": "P000001", "field": "password"}, ServiceValidationError,
             "expected one of phone, id_number, face_id"),
            ("find", {}, ServiceValidationError, "name something to find by"),
        ]
        for service, data, error, message in cases:
            with pytest.raises(error) as caught:
                await _call(hub, service, data, manager)
            assert message in str(caught.value), service
            assert "1" * 300 not in str(caught.value)
        await _call(hub, "add_person", {"household": "1-1-0101", "role": "owner", "name": "x"}, manager)
        with pytest.raises(ResidentsError, match="user: the hub has no user nobody"):
            await _call(hub, "link_user", {"person": "P000001", "user": "nobody"}, manager)


async def test_staff_records_keep_department_trainings_and_assessments(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        manager = (await _users(hub))["manager"]
        staff = (await _call(hub, "add_person", {"kind": "staff", "name": "刘强", "department": "安保部",
                                                 "position": "保安", "cards": ["0A0B0C0E"]}, manager))["person"]
        await _call(hub, "record_training", {"person": staff["id"], "date": "2026-03-02", "title": "消防演练",
                                             "hours": 2}, manager)
        result = await _call(hub, "record_assessment", {"person": staff["id"], "date": "2026-06-30",
                                                        "subject": "巡更", "result": "合格"}, manager)
        person = result["person"]
        assert (person["department"], person["position"], person["household"]) == ("安保部", "保安", None)
        assert person["trainings"] == [{"date": "2026-03-02", "title": "消防演练", "hours": 2.0}]
        assert person["assessments"] == [{"date": "2026-06-30", "subject": "巡更", "result": "合格"}]
        found = await _call(hub, "find", {"kind": "staff", "department": "安保部"}, manager)
        assert [p["id"] for p in found["persons"]] == [staff["id"]]
        with pytest.raises(ResidentsError, match="trainings and assessments are kept for staff"):
            await hub.services.call("residents", "add_household", {"id": "1-1-0101"}, context=manager)
            await _call(hub, "add_person", {"household": "1-1-0101", "role": "owner", "name": "y"}, manager)
            await _call(hub, "record_training", {"person": "P000002", "date": "2026-03-02", "title": "t",
                                                 "hours": 1}, manager)


async def test_erasing_through_the_service_keeps_the_id(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        manager = (await _users(hub))["manager"]
        await _call(hub, "add_household", {"id": "1-1-0101"}, manager)
        await _call(hub, "add_person", {"household": "1-1-0101", "role": "owner", "name": "x", "phone": "13700000000"},
                    manager)
        erased = (await _call(hub, "erase_person", {"id": "P000001"}, manager))["person"]
        assert (erased["id"], erased["name"], erased["phone"], erased["erased"]) == ("P000001", "", None, True)
        assert [r["person"] for r in await _audit(hub, "person_erased")] == ["P000001"]
        with pytest.raises(ResidentsError, match="P000001 has no phone on record"):
            await _call(hub, "reveal", {"person": "P000001", "field": "phone"}, manager)
