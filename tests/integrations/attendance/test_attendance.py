"""The day's cases one at a time: late, left early, absent, overtime, a night over midnight,
punches that must not count twice (or at all), a manager's correction, exports, the blueprint."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.integrations.attendance.conftest import BOSS_CARD, GUARD_CARD, OFFICE_CARD, at, config, site
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import vol
from xiaoqu.integrations.access import get_access as get_door_access
from xiaoqu.integrations.attendance.cli import site as load_site
from xiaoqu.integrations.attendance.commands import open_export
from xiaoqu.integrations.attendance.schema import CONFIG_SCHEMA
from xiaoqu.integrations.residents.xlsx import read_rows

BLUEPRINT = {"id": "absent", "use_blueprint": {"path": "attendance_absent_supervisor.yaml",
                                               "input": {"notify_service": "notify.supervisors"}}}


async def _day(s, on: str, **who: str) -> dict:
    (result,) = (await s.call("day", {"date": on, **who}))["days"]
    return result


async def test_late_early_overtime_and_absent_each_say_their_rule(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 12, 0, 0)) as s:
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 35, 59))  # within grace, to the minute
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 17, 24))
        await s.punch(OFFICE_CARD, at(2026, 10, 13, 8, 47))
        await s.punch(OFFICE_CARD, at(2026, 10, 13, 18, 29))
        s.clock.set(at(2026, 10, 15, 12, 0))
        monday = await _day(s, "2026-10-12", team="office")
        assert (monday["summary"], monday["rules"]) == (
            "left_early 1", ["left early 1 min: last punch 17:24, shift 白班 ends 17:30, grace 5"])
        tuesday = await _day(s, "2026-10-13", person=s.people["王芳"])
        assert tuesday["summary"] == "late 12, overtime 30"
        assert tuesday["rules"][1] == "overtime 30 min: last punch 18:29, shift 白班 ends 17:30; 59 min counted in units of 30"
        absent = await _day(s, "2026-10-14", team="office")
        assert absent["rules"] == ["absent: no punch from 04:30 to 10-15 01:30 (shift 白班 08:30–17:30)"]
        today = await _day(s, "2026-10-15", team="office")
        assert today["statuses"] == ["open"]  # no verdict before the day is over


async def test_a_night_shift_ends_the_next_morning_and_a_lone_punch_is_placed_by_the_middle(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 11, 0, 0)) as s:
        await s.punch(GUARD_CARD, at(2026, 10, 11, 19, 58), "gate_guard")
        await s.punch(GUARD_CARD, at(2026, 10, 12, 8, 1), "gate_guard")
        await s.punch(GUARD_CARD, at(2026, 10, 13, 7, 59), "gate_guard")  # the 12th's night: no punch in
        s.clock.set(at(2026, 10, 14, 12, 0))
        night = await _day(s, "2026-10-11", team="guards")
        assert (night["shift"], night["summary"], night["last_out"]) == ("night", "on_time", "2026-10-12T08:01:00+08:00")
        assert night["rules"] == ["on time: first punch 19:58, last punch 10-12 08:01, shift 夜班 20:00–10-12 08:00"]
        lone = await _day(s, "2026-10-12", team="guards")
        assert lone["summary"] == "left_early 1, missing_in"


async def test_a_punch_counts_once_and_only_a_staff_members_card_at_a_terminal_counts(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 12, 8, 0)) as s:
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 20))
        event = {"door": "clock_office", "person": s.people["王芳"], "rule": "group:staff", "source": "reader:clock_office"}
        s.hub.bus.fire("access_granted", event)  # the same decision reported again
        access = get_door_access(s.hub)
        access.register_door("b1_east")
        access.check("card", OFFICE_CARD, "b1_east", source="reader:b1_east")  # not a terminal
        access.check("card", OFFICE_CARD, "clock_office")  # asked through the API: nobody at the reader
        await access.restrict("card", OFFICE_CARD, scope="all", reason="reported lost", kind="lost", by="赵敏")
        s.clock.set(at(2026, 10, 12, 8, 40))
        assert not access.check("card", OFFICE_CARD, "clock_office", source="reader:clock_office").granted
        s.clock.set(at(2026, 10, 12, 19, 0))
        denied = access.check("card", GUARD_CARD, "gate_guard", source="reader:gate_guard")  # after office hours
        await s.hub.block_till_done()
        await s.hub.recorder.flush()
        records = await s.hub.recorder.query("attendance", limit=None, newest_first=False)
        assert [(r.subject, r.data["terminal"], r.data["granted"]) for r in records] == [
            (s.people["王芳"], "clock_office", True), (s.people["李强"], "gate_guard", False)]
        assert denied.rule == "schedule:office"


async def test_a_manager_adds_a_forgotten_punch_with_a_reason_and_it_is_audited(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 12, 8, 0)) as s:
        manager = get_access(s.hub).manager
        user = await manager.add_user("hr1", "manager", None, Actor("hub"))
        context = Context(user_id=user.id, source="api")
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 20))
        s.clock.set(at(2026, 10, 13, 9, 0))
        data = {"person": s.people["王芳"], "time": "2026-10-12 17:40", "reason": "terminal out of order"}
        first = await s.call("punch", data, context=context)
        again = await s.call("punch", data, context=context)
        assert (first["new"], again["new"], first["by"]) == (True, False, "hr1")
        assert (await _day(s, "2026-10-12", team="office"))["summary"] == "on_time"
        await s.hub.recorder.flush()
        audit = [r.data for r in await s.hub.recorder.query("audit", where={"act": "attendance_punch_added"})]
        assert [(a["by"], a["reason"], a["time"]) for a in audit] == [
            ("hr1", "terminal out of order", "2026-10-12T17:40:00+08:00")]
        with pytest.raises(ServiceValidationError, match="reason"):
            await s.call("punch", {**data, "reason": ""}, context=context)
        with pytest.raises(Exception, match="still to come"):
            await s.call("punch", {**data, "time": "2026-10-14 08:00"}, context=context)


async def test_a_rotation_with_holidays_off_and_bad_questions(tmp_path) -> None:
    teams = [{"id": "guards", "department": "保安部", "rotation": "security_a", "holidays": "off"}]
    async with site(tmp_path, at(2026, 10, 12, 0, 0), attendance={**config()["attendance"], "teams": teams}) as s:
        holiday = await _day(s, "2026-10-03", team="guards")
        assert holiday["rules"] == ["holiday: 国庆节 (team guards has holidays off)"]
        with pytest.raises(Exception, match="team: no team office"):
            await s.call("day", {"date": "2026-10-03", "team": "office"})
        with pytest.raises(Exception, match="in no attendance team"):
            await s.call("day", {"date": "2026-10-03", "person": s.people["赵敏"]})


def test_the_config_is_checked_with_the_reason() -> None:
    base = config()["attendance"]
    for change, message in (
        ({"rotations": {"r": {"pattern": ["day", "swing"], "start": "2026-03-01"}}}, "no shift swing"),
        ({"teams": [{"id": "t", "department": "x", "shift": "day", "holidays": "off"}]}, "only a team on a rotation"),
        ({"teams": [{"id": "t", "department": "x"}]}, "needs a shift or a rotation"),
        ({"teams": [{"id": "t", "department": "x", "persons": ["P1"], "shift": "day"}]}, "two or more values"),
    ):
        with pytest.raises(vol.Invalid, match=message):
            CONFIG_SCHEMA({**base, **change})


async def test_exports_to_csv_and_xlsx_from_the_hub_and_the_command_line(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 12, 0, 0)) as s:
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 47))
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 17, 40))
        s.clock.set(at(2026, 11, 1, 0, 0))
        result = await s.call("export", {"month": "2026-10", "team": "office", "file": "office.csv", "chinese": True})
        assert result["rows"] == 32  # 31 days and the total
        rows = list(csv.reader(Path(result["path"]).read_text(encoding="utf-8-sig").splitlines()))
        assert rows[0][:6] == ["日期", "人员编号", "姓名", "班组", "班次", "考勤结果"]
        assert rows[12][5] == "late 12" and rows[-1][0] == "合计"
        with pytest.raises(ServiceValidationError, match="without a folder"):
            await s.call("export", {"month": "2026-10", "team": "office", "file": "../x.csv"})
        async with open_export(load_site(tmp_path / "config.yaml")) as export:  # through the running hub
            remote = await export(path=str(tmp_path / "hub.xlsx"), month="2026-10", team="office")
        assert remote["rows"] == 32
    async with open_export(load_site(tmp_path / "config.yaml")) as export:  # the hub stopped: on the stores
        direct = await export(path=str(tmp_path / "direct.xlsx"), month="2026-10", person="P000002")
    sheet = list(read_rows(tmp_path / "direct.xlsx"))
    assert direct["rows"] == 32 and sheet[12][5] == "late 12" and sheet[12][2] == "王芳"


async def test_the_blueprint_tells_the_supervisor_who_is_absent_at_shift_start(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 12, 0, 0), automation=[BLUEPRINT]) as s:
        sent = []
        s.hub.bus.listen("notification_sent", lambda e: sent.append((e.data["recipients"], e.data["message"])))
        await s.punch(BOSS_CARD, at(2026, 10, 12, 8, 0))
        s.clock.set(at(2026, 10, 12, 8, 36))
        await s.hub.block_till_done()
        assert len(sent) == 1 and "王芳 (行政部) has not clocked in for the day shift of 2026-10-12" in sent[0][1]
        assert sent[0][0] == ["P000001"]  # the supervisor, by person id (no hub user linked)
