"""The services: access.check and access.log as the contract shapes them; staff's credentials
(QR passes, PINs, temporary cards) and groups, stored and checked."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from tests.integrations.access.conftest import CARD, estate
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.errors import ServiceValidationError


async def call(hub, service: str, **data) -> dict:
    return await hub.services.call("access", service, data, return_response=True)


async def test_access_check_answers_the_contract(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, _access, people):
        answer = await call(hub, "check", type="card", value="162,46020", door="b1_east", at="2026-03-02T23:30:00+08:00")
        assert answer == {
            "granted": False, "rule": "schedule:residents", "person": people["王芳"], "household": "1-2-0601",
            "reason": f"denied: {people['王芳']} at 23:30 is outside schedule 住户 on 2026-03-02 (工作日): "
                      "06:00-23:00 of group 1号楼住户",
            "type": "card", "credential": "04A2****", "door": "b1_east", "at": "2026-03-02T23:30:00+08:00"}
        with pytest.raises(ServiceValidationError, match=r"type"):
            await call(hub, "check", type="iris", value="x", door="b1_east")


async def test_access_log_by_person_household_card_door_and_time_newest_first(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        access.check("card", CARD, "b1_east")
        clock.advance(60)
        access.check("card", "11223344", "b2_east")
        clock.advance(60)
        access.check("card", "162,46020", "gate_south")
        access.check("plate", "沪B54321", "gate_car")
        by_person = (await call(hub, "log", person=people["王芳"]))["records"]
        assert [(r["door"], r["time"]) for r in by_person] == [
            ("gate_south", "2026-03-02T08:02:00+08:00"), ("b1_east", "2026-03-02T08:00:00+08:00")]
        assert by_person[0] == {
            "time": "2026-03-02T08:02:00+08:00", "granted": True, "rule": "group:b1", "door": "gate_south",
            "reason": f"granted: {people['王芳']} by group 1号楼住户 (b1), schedule 住户", "type": "card",
            "credential": "04A2****", "card": access.site_key.card(CARD), "person": people["王芳"],
            "household": "1-2-0601", "source": "api"}
        household = (await call(hub, "log", household="1-2-0601"))["records"]
        assert [r["door"] for r in household] == ["gate_south", "b2_east", "b1_east"]
        assert [r["door"] for r in (await call(hub, "log", card="0077771716"))["records"]] == ["gate_south", "b1_east"]
        assert [r["person"] for r in (await call(hub, "log", door="gate_car"))["records"]] == [None]
        window = await call(hub, "log", start="2026-03-02 08:01", end="2026-03-02 08:02", limit=5)
        assert [r["door"] for r in window["records"]] == ["b2_east"]
        assert len((await call(hub, "log", limit=2))["records"]) == 2


async def test_a_visitors_qr_pass_opens_its_groups_doors_while_it_is_valid(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, _people):
        issued = await call(hub, "add_credential", type="qr", groups=["b2"], household="2-1-0301",
                            label="张伟的访客", valid_until="2026-03-02 18:00")
        token = issued["token"]
        assert issued["credential_id"].startswith("qr:") and token not in issued["credential_id"]
        granted = access.check("qr", token, "b2_east")
        assert (granted.granted, granted.person, granted.household, granted.credential) == (
            True, None, "2-1-0301", f"{token[:4]}…")
        assert access.check("qr", token, "b1_east").rule == "group:none"
        clock.advance(timedelta(hours=10))
        expired = access.check("qr", token, "b2_east")
        assert (expired.rule, expired.reason) == (
            "credential:validity", f"denied: qr {token[:4]}… (张伟的访客) expired 2026-03-02 18:00")
        await call(hub, "remove_credential", credential_id=issued["credential_id"])
        assert access.check("qr", token, "b2_east").rule == "credential:unknown"


async def test_a_pin_and_a_temporary_card_for_a_person(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        await call(hub, "add_credential", type="pin", pin="246810", person=people["张伟"])
        pin = access.check("pin", "246810", "b2_east")
        assert (pin.granted, pin.person, pin.credential) == (True, people["张伟"], "****")
        with pytest.raises(ServiceValidationError, match="this PIN is already in use"):
            await call(hub, "add_credential", type="pin", pin="246810", person=people["王芳"])
        temporary = await call(hub, "add_credential", type="card", card="0A1B2C3D", person=people["王芳"])
        assert temporary["credential_id"] == "card:0A1B2C3D"
        assert access.check("card", "0A1B2C3D", "b1_east").person == people["王芳"]
        assert access.check("card", f"{0x1B},{0x2C3D}", "b1_east").person == people["王芳"]
        with pytest.raises(ServiceValidationError, match=r"card 14A2B3C4 clashes with card 04A2B3C4 of P000001 "
                                                         r"on its Wiegand-26 number \(162,46020\)"):
            await call(hub, "add_credential", type="card", card="14A2B3C4", person=people["张伟"])
        await call(hub, "restrict", card="0A1B2C3D", reason="reported lost", kind="lost")
        assert access.check("card", "0A1B2C3D", "b1_east").granted is False
        assert access.check("card", CARD, "b1_east").granted  # the person's own card is not the lost one


async def test_groups_added_changed_and_removed_by_service_are_stored(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        await call(hub, "add_group", id="cleaners", name="保洁", doors=["b2_east"], schedule="office",
                   members={"persons": [people["王芳"]]})
        assert access.check("card", CARD, "b2_east").rule == "group:cleaners"
        with pytest.raises(ServiceValidationError, match="group b1 is defined in config.yaml; change it there"):
            await call(hub, "update_group", id="b1", doors=["b1_*"])
        with pytest.raises(ServiceValidationError, match="no schedule 'night'"):
            await call(hub, "add_group", id="night", doors=["b2_east"], schedule="night", members={"kinds": ["staff"]})
        await call(hub, "update_group", id="cleaners", doors=["b9_*"])
    async with estate(tmp_path, clock) as (hub, access, _people):
        assert access.groups.by_id["cleaners"].doors == ("b9_*",)
        assert access.check("card", CARD, "b2_east").rule == "group:none"
        await call(hub, "remove_group", id="cleaners")
        assert "cleaners" not in access.groups.by_id


async def test_a_pin_or_qr_token_is_in_no_event_audit_record_or_log_line(tmp_path, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with estate(tmp_path, clock) as (hub, _access, people):
        manager = await get_access(hub).manager.add_user("manager1", "manager", None, Actor("hub"))
        context = Context(user_id=manager.id, source="api")
        calls: list[Event] = []
        hub.bus.listen("call_service", calls.append)

        async def as_manager(service: str, **data) -> dict:
            return await hub.services.call("access", service, data, context=context, return_response=True)

        await as_manager("add_credential", type="pin", pin="246810", person=people["张伟"])
        token = (await as_manager("add_credential", type="qr", groups=["b2"], label="访客"))["token"]
        assert (await as_manager("check", type="pin", value="246810", door="b2_east"))["granted"] is True
        assert (await as_manager("check", type="qr", value=token, door="b2_east"))["granted"] is True
        assert (await as_manager("check", type="pin", value="135790", door="b2_east"))["granted"] is False
        await as_manager("remove_credential", pin="246810")
        await hub.recorder.flush()
        audit = json.dumps([r.data for r in await hub.recorder.query("audit")], ensure_ascii=False)
        events = repr([event.data for event in calls])
        assert len(calls) == 6 and "****" in audit and "****" in events
        for secret in ("246810", "135790", token):
            assert secret not in audit and secret not in events and secret not in caplog.text
