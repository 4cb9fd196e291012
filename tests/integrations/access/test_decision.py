"""THE decision on a real hub: cards in every form, groups, schedules with the site calendar,
validity, unknown input, the events and the log."""
from __future__ import annotations

import logging
from datetime import datetime

import pytest

from tests.conftest import SITE_TZ
from tests.integrations.access.conftest import CARD, config, estate, populate
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.testing import running_hub
from xiaoqu.core.validation import vol
from xiaoqu.integrations.access import EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED, get_access
from xiaoqu.integrations.access.schema import CONFIG_SCHEMA
from xiaoqu.integrations.residents import get_residents


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SITE_TZ)  # type: ignore[misc]


async def test_a_card_in_any_form_opens_its_building_and_the_gate_but_not_another_building(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, people):
        for form in (CARD, "04a2 b3c4", "0077771716", "162,46020"):
            decision = access.check("card", form, "b1_east")
            assert (decision.granted, decision.person, decision.household) == (True, people["王芳"], "1-2-0601"), form
            assert decision.reason == f"granted: {people['王芳']} by group 1号楼住户 (b1), schedule 住户"
            assert (decision.rule, decision.credential, decision.card) == ("group:b1", "04A2****", access.site_key.card(CARD))
        assert access.check("card", CARD, "gate_south").granted
        other = access.check("card", CARD, "b2_east")
        assert (other.granted, other.rule) == (False, "group:none")
        assert other.reason == f"denied: {people['王芳']} is in no access group for door b2_east"


async def test_schedules_follow_the_site_calendar(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, people):
        late = access.check("card", CARD, "b1_east", at(2026, 3, 2, 23, 30))  # a Monday
        assert (late.granted, late.rule) == (False, "schedule:residents")
        assert late.reason == (f"denied: {people['王芳']} at 23:30 is outside schedule 住户 on 2026-03-02 "
                               "(工作日): 06:00-23:00 of group 1号楼住户")
        assert access.check("card", CARD, "b1_east", at(2026, 3, 7, 6, 30)).granted is False  # Saturday: from 07:00
        assert access.check("card", CARD, "b1_east", at(2026, 3, 7, 7, 0)).granted
        # staff keep office hours: closed on National Day (a Thursday), open on the Saturday worked for it
        assert access.check("card", "0A0B0C0D", "b2_east", at(2026, 10, 8, 9, 0)).granted
        holiday = access.check("card", "0A0B0C0D", "b2_east", at(2026, 10, 1, 9, 0))
        assert holiday.granted is False and "(国庆节): closed" in holiday.reason
        assert access.check("card", "0A0B0C0D", "b2_east", at(2026, 10, 10, 9, 0)).granted  # make-up working day
        assert access.check("card", "0A0B0C0D", "b2_east", at(2026, 10, 17, 9, 0)).granted is False  # a Saturday


async def test_face_and_plate_and_a_driverless_car(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, people):
        face = access.check("face", "face-wf", "b1_east")
        assert (face.granted, face.person, face.credential) == (True, people["王芳"], "F****wf")
        car = access.check("plate", "沪A·12345", "gate_car")
        assert (car.granted, car.person, car.credential) == (True, people["王芳"], "沪A1***5")
        driverless = access.check("plate", "沪B54321", "gate_car")
        assert (driverless.granted, driverless.person, driverless.household) == (True, None, "2-1-0301")
        walking = access.check("plate", "沪A12345", "b1_east")
        assert (walking.rule, walking.reason) == ("door:kind", "denied: a plate opens vehicle gates; door b1_east is a "
                                                               "pedestrian door")
        unknown = access.check("plate", "京C99999", "gate_car")
        assert (unknown.granted, unknown.reason) == (False, "denied: plate 京C9***9 is not known")


async def test_group_validity(tmp_path, clock) -> None:
    groups = [{"id": "summer", "name": "暑期", "doors": ["b2_east"], "members": {"persons": ["P000001"]},
               "valid_from": "2026-07-01", "valid_until": "2026-09-01"}]
    async with estate(tmp_path, clock, groups=groups) as (_hub, access, people):
        assert people["王芳"] == "P000001"
        early = access.check("card", CARD, "b2_east", at(2026, 6, 30, 12, 0))
        assert (early.granted, early.rule, early.reason) == (
            False, "group:summer:validity", "denied: group 暑期 (summer) starts 2026-07-01 00:00")
        assert access.check("card", CARD, "b2_east", at(2026, 7, 1, 0, 0)).granted
        late = access.check("card", CARD, "b2_east", at(2026, 9, 1, 0, 0))
        assert late.reason == "denied: group 暑期 (summer) ended 2026-09-01 00:00"


async def test_a_group_is_open_until_its_schedules_window_or_its_validity_ends(tmp_path, clock) -> None:
    groups = [{"id": "office", "name": "办公", "doors": ["b1_east"], "schedule": "office", "members": {"kinds": ["staff"]},
               "valid_from": "2026-03-02", "valid_until": "2026-10-10 12:00"}]
    async with estate(tmp_path, clock, groups=groups) as (_hub, access, _people):
        def until(*moment: int) -> datetime | None:
            ends = access.open_until("office", at(*moment).timestamp())
            return None if ends is None else datetime.fromtimestamp(ends, SITE_TZ)

        assert until(2026, 3, 2, 9, 0) == until(2026, 3, 2, 17, 29) == at(2026, 3, 2, 17, 30)
        assert until(2026, 3, 2, 17, 30) is None and until(2026, 3, 7, 9, 0) is None  # after hours; a Saturday
        assert until(2026, 10, 1, 9, 0) is None  # National Day
        assert until(2026, 10, 10, 9, 0) == at(2026, 10, 10, 12, 0), "a make-up working day, the group's last"
        assert until(2026, 2, 27, 9, 0) is None and until(2026, 10, 12, 9, 0) is None  # before and after its validity
        assert access.open_until("nobody", at(2026, 3, 2, 9, 0).timestamp()) is None


async def test_bad_input_is_denied_with_a_clear_reason_logged_once_and_counted(tmp_path, clock, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="xiaoqu.integrations.access")
    async with estate(tmp_path, clock) as (_hub, access, people):
        for _ in range(3):
            unknown = access.check("card", "DEADBEEF", "b1_east")
        assert (unknown.granted, unknown.rule, unknown.reason) == (
            False, "credential:unknown", "denied: card DEAD**** is not known")
        malformed = access.check("card", "04A2B3", "b1_east")
        assert (malformed.rule, malformed.reason) == ("credential:malformed", (
            "denied: card number '04A2B3': 6 hex digits; a card UID is 8 hex digits or 10 decimal digits, "
            "or a Wiegand pair 'facility,number'"))
        nowhere = access.check("card", CARD, "b9_west")
        assert (nowhere.granted, nowhere.rule, nowhere.reason, nowhere.person) == (
            False, "door:unknown", "denied: door b9_west is not configured", people["王芳"])
        assert access.counts["unknown_credential"] == 3 and access.counts["malformed_credential"] == 1
        assert access.counts["unknown_door"] == 1 and access.counts["denied"] == 5
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings.count("access: card DEAD**** is not known (at door b1_east)") == 1


async def test_an_erased_person_is_let_in_nowhere_and_the_log_keeps_their_id(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        access.check("face", "face-lq", "b1_east")
        await get_residents(hub).erase_person(people["李强"])
        assert access.check("face", "face-lq", "b1_east").rule == "credential:unknown"  # face and cards erased
        await hub.recorder.flush()
        records = await hub.recorder.query("access", subject=people["李强"])
        assert [r.data["granted"] for r in records] == [True]


async def test_each_decision_fires_its_event_with_the_value_masked_and_is_logged(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        seen: list[tuple[str, dict]] = []
        for kind in (EVENT_ACCESS_GRANTED, EVENT_ACCESS_DENIED):
            hub.bus.listen(kind, lambda event: seen.append((event.event_type, dict(event.data))))
        access.check("card", CARD, "b1_east")
        access.check("card", CARD, "b2_east")
        assert seen[0] == ("access_granted", {
            "door": "b1_east", "type": "card", "value": "04A2****", "person": people["王芳"], "household": "1-2-0601",
            "reason": f"granted: {people['王芳']} by group 1号楼住户 (b1), schedule 住户", "rule": "group:b1",
            "source": "api"})
        assert seen[1][0] == "access_denied" and seen[1][1]["rule"] == "group:none"
        await hub.recorder.flush()
        records = await hub.recorder.query("access", subject=people["王芳"])
        assert [(r.data["door"], r.data["granted"], r.data["card"]) for r in records] == [
            ("b2_east", False, access.site_key.card(CARD)), ("b1_east", True, access.site_key.card(CARD))]


async def test_a_remote_open_is_logged_and_fired_as_a_decision_naming_the_member_of_staff(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, _people):
        seen: list[Event] = []
        hub.bus.listen(EVENT_ACCESS_GRANTED, seen.append)
        context = Context(user_id="u-wangfang", source="api")
        decision = access.record_remote("b1_east", "wangfang", "courier at the door", context)
        assert (decision.granted, decision.rule, decision.credential) == (True, "remote", "staff:wangfang")
        (event,) = seen
        assert event.context is context and event.data == {
            "door": "b1_east", "type": "remote", "value": "staff:wangfang", "person": None, "household": None,
            "reason": "granted: opened remotely by wangfang (courier at the door)", "rule": "remote",
            "source": "remote"}
        await hub.recorder.flush()
        (record,) = await hub.recorder.query("access", subject="cred:staff:wangfang")
        assert record.time == clock.time() and record.data == {
            "granted": True, "reason": "granted: opened remotely by wangfang (courier at the door)", "rule": "remote",
            "door": "b1_east", "type": "remote", "credential": "staff:wangfang", "person": None, "household": None,
            "source": "remote"}
        assert access.counts["granted"] == 1


async def test_anti_passback_per_area(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, people):
        access.register_door("b1_garage", "pedestrian", area="b1", anti_passback=True)
        assert access.check("card", CARD, "b1_garage", direction="in").granted
        again = access.check("card", CARD, "b1_garage", direction="in")
        assert (again.granted, again.rule) == (False, "anti_passback:b1")
        assert again.reason == (f"denied: anti-passback: {people['王芳']} entered area b1 through door b1_garage "
                                "at 08:00 and has not left since")
        assert access.check("card", CARD, "b1_garage", direction="out").granted
        assert access.check("card", CARD, "b1_garage", direction="in").granted
        assert access.check("card", CARD, "b1_east").granted  # a door without anti-passback


async def test_entries_from_config_are_decided_with_no_door_integration(tmp_path, clock) -> None:
    """A vehicle lane named under ``access: entries:`` takes plates before any door registers it."""
    entries = [{"id": "main-1", "name": "Main gate lane 1", "kind": "vehicle"}, {"id": "turnstile", "area": "lobby"}]
    async with running_hub(tmp_path, config(entries=entries), clock=clock) as hub:
        await populate(hub)
        access = get_access(hub)
        assert (access.doors["main-1"].kind, access.doors["turnstile"].kind) == ("vehicle", "pedestrian")
        assert access.doors["turnstile"].area == "lobby"
        assert access.check("plate", "京C99999", "main-1").reason == "denied: plate 京C9***9 is not known"


def test_an_entry_id_names_one_entry() -> None:
    with pytest.raises(vol.Invalid, match=r"no \* or \?"):
        CONFIG_SCHEMA({"entries": [{"id": "main-*", "kind": "vehicle"}]})
    with pytest.raises(vol.Invalid, match="expected pedestrian or vehicle"):
        CONFIG_SCHEMA({"entries": [{"id": "main-1", "kind": "car"}]})
