"""The offline-controller API: the change feed, the whitelist, and uploads landing once."""
from __future__ import annotations

from typing import Any

from tests.integrations.access.conftest import CARD, estate
from xiaoqu.integrations.access.offline import Sender, Upload
from xiaoqu.integrations.residents import get_residents


async def test_the_whitelist_holds_what_the_doors_allow_under_every_key_a_reader_sends(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        listing = access.whitelist(["b1_east", "gate_south"])
        assert listing["schedules"]["residents"]["windows"][0] == [0, "06:00", "23:00"]
        assert listing["schedules"]["residents"]["holiday_windows"] == [["07:00", "23:00"]]  # as weekends
        assert listing["schedules"]["office"]["make_up_windows"] == [["08:00", "17:30"]]
        assert "2026-04-05" in listing["holidays"] and listing["workdays"] == []
        entries = listing["entries"]
        wang = {"doors": {"b1_east": "residents", "gate_south": "residents"}, "from": None, "until": None,
                "person": people["王芳"], "household": "1-2-0601"}
        assert entries[f"card:{CARD}"] == entries["w26:162,46020"] == entries["face:face-wf"] == wang
        assert entries["card:55667788"]["doors"] == {"gate_south": "residents"}  # building 2: only the gate
        assert entries["card:0A0B0C0D"]["doors"] == {"b1_east": "office", "gate_south": "office"}
        assert not any(key.startswith("plate:") for key in entries)  # no car gate on this controller
        await hub.services.call("access", "restrict", {"person": people["王芳"], "reason": "moved out"},
                                blocking=True)
        delta = access.whitelist(["b1_east"], [f"card:{CARD}", "card:11223344"])
        assert list(delta["entries"]) == ["card:11223344"]  # 王芳's card: absent, so removed


async def test_changes_name_the_keys_they_touch(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        changed: list[set[str] | None] = []
        unsubscribe = access.listen(changed.append)
        await hub.services.call("access", "restrict", {"card": CARD, "reason": "lost"}, blocking=True)
        await hub.services.call("access", "restrict", {"plate": "沪B54321", "reason": "stolen"}, blocking=True)
        await get_residents(hub).update_person(people["李强"], cards=["99887766"])
        await hub.services.call("access", "add_group", {"id": "x", "doors": ["b1_east"], "members": {"kinds": ["staff"]}},
                                blocking=True)
        assert changed == [{f"card:{CARD}", "w26:162,46020"}, {"plate:沪B54321"},
                           {"card:11223344", "w26:34,13124", "card:99887766", "w26:136,30566", "face:face-lq"}, None]
        access.register_door("b1_west")  # a new door changes no controller's list
        access.register_door("gate_south", "vehicle")
        assert changed[4:] == [None]
        unsubscribe()
        await hub.services.call("access", "remove_group", {"id": "x"}, blocking=True)
        assert len(changed) == 5


async def test_offline_decisions_land_in_the_log_once(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        sender = Sender("ctl-b1", frozenset({"b1_east"}), access.whitelist(["b1_east"])["entries"])
        upload = [
            {"event_id": "000041", "ts": 1772409000.5, "door": "b1_east", "type": "card", "value": CARD,
             "granted": True, "reason": "offline: on the list (residents)", "key": f"card:{CARD}", "version": 7},
            {"event_id": "000042", "ts": "2026-03-02T07:51:00+08:00", "door": "b1_east", "type": "card",
             "value": "DEADBEEF", "granted": False},
            {"event_id": "000043", "door": "b1_east", "type": "card", "value": CARD, "granted": True},  # no time
        ]
        assert await access.record_offline(upload, sender) == Upload(2, ("000043",))
        assert await access.record_offline(upload[:2], sender) == Upload(0, ())  # the re-upload lands nowhere
        assert access.counts["bad_offline_record"] == 1
        records = await hub.recorder.query("access", where={"source": "offline"})
        assert [(r.data["event_id"], r.data["person"], r.data["granted"], r.data["reason"], r.data["rule"])
                for r in records] == [
            ("000042", None, False, "denied: controller ctl-b1 reported: no reason", "offline:ctl-b1"),
            ("000041", people["王芳"], True, "granted: controller ctl-b1 reported: offline: on the list (residents)",
             "offline:ctl-b1")]
        assert records[1].data["credential"] == "04A2****" and records[1].record_id == "ctl-b1:000041"


async def test_many_controllers_lists_come_from_one_walk_and_equal_each_ones_own(tmp_path, clock, monkeypatch) -> None:
    """An estate's hundreds of controllers must not walk every credential once each: one call
    walks the people once, and gives each controller what its own call gives."""
    async with estate(tmp_path, clock) as (hub, access, people):
        await hub.services.call("access", "add_credential", {"type": "qr", "groups": ["b2"], "household": "2-1-0301"},
                                blocking=True)
        await hub.services.call("access", "restrict", {"card": "11223344", "reason": "lost"}, blocking=True)
        controllers = {"unit_1": ["b1_east", "gate_south"], "gate": ["gate_south"], "unit_2": ["b2_east"],
                       "cars": ["gate_car", "gate_south"], "none": []}
        walks = [0]
        persons = access.residents.persons

        def counted() -> Any:
            walks[0] += 1
            return persons()

        monkeypatch.setattr(access.residents, "persons", counted)
        found = access.whitelists(controllers)
        assert walks == [1]
        each = {controller: access.whitelist(doors) for controller, doors in controllers.items()}
        assert walks == [1 + len(controllers) - 1]  # one each, but none for a controller of no door
        assert found == each
        wang = found["unit_1"]["entries"][f"card:{CARD}"]
        assert wang["doors"] == {"b1_east": "residents", "gate_south": "residents"}
        assert found["gate"]["entries"][f"card:{CARD}"]["doors"] == {"gate_south": "residents"}
        assert found["unit_2"]["entries"]["card:55667788"]["doors"] == {"b2_east": "residents"}
        assert "card:11223344" not in found["gate"]["entries"]  # restricted everywhere pedestrian
        assert found["cars"]["entries"]["plate:沪A12345"]["doors"] == {"gate_car": "always"}
        assert not any(key.startswith("plate:") for key in found["gate"]["entries"])
        qr = next(key for key in found["unit_2"]["entries"] if key.startswith("qr:"))
        assert found["unit_2"]["entries"][qr]["doors"] == {"b2_east": "residents"}
        assert found["unit_1"]["entries"][qr]["doors"] == {"gate_south": "residents"}  # its groups' doors only
        assert found["none"]["entries"] == {} and found["none"]["schedules"] == {}
        asked = [f"card:{CARD}", "card:55667788", "plate:沪A12345"]
        assert access.whitelists(controllers, asked) == {c: access.whitelist(d, asked) for c, d in controllers.items()}
