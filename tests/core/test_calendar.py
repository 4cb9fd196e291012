"""The site calendar: shipped holidays, a site's own file, counting working days, templates, the condition."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from xiaoqu.core.automation.platforms import ConditionPlatform
from xiaoqu.core.calendar import DOMAIN, SiteCalendar, WorkdayCondition, get_calendar, load_holidays, shipped_file
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.template import Template
from xiaoqu.core.testing import running_hub

SITE_TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def cn():
    return SiteCalendar(SITE_TZ, "CN")


def days(start, end):
    day = date.fromisoformat(start)
    while day <= date.fromisoformat(end):
        yield day
        day += timedelta(days=1)


# --- the shipped schedule: the State Council's notices, day by day -----------------------------------

# (name, first day, last day) as the notices for 2025 and 2026 give them.
DAYS_OFF = [
    ("元旦", "2025-01-01", "2025-01-01"),
    ("春节", "2025-01-28", "2025-02-04"),
    ("清明节", "2025-04-04", "2025-04-06"),
    ("劳动节", "2025-05-01", "2025-05-05"),
    ("端午节", "2025-05-31", "2025-06-02"),
    ("国庆节、中秋节", "2025-10-01", "2025-10-08"),
    ("元旦", "2026-01-01", "2026-01-03"),
    ("春节", "2026-02-15", "2026-02-23"),
    ("清明节", "2026-04-04", "2026-04-06"),
    ("劳动节", "2026-05-01", "2026-05-05"),
    ("端午节", "2026-06-19", "2026-06-21"),
    ("中秋节", "2026-09-25", "2026-09-27"),
    ("国庆节", "2026-10-01", "2026-10-07"),
]
MAKE_UP = [
    ("2025-01-26", "春节"), ("2025-02-08", "春节"), ("2025-04-27", "劳动节"),
    ("2025-09-28", "国庆节、中秋节"), ("2025-10-11", "国庆节、中秋节"),
    ("2026-01-04", "元旦"), ("2026-02-14", "春节"), ("2026-02-28", "春节"), ("2026-05-09", "劳动节"),
    ("2026-09-20", "国庆节"), ("2026-10-10", "国庆节"),
]


def test_shipped_file_reads_clean(cn):
    assert load_holidays(shipped_file("CN")).problems == []
    assert cn.years == {2025, 2026}
    assert "2025-11-04" in cn.sources()[2026]


@pytest.mark.parametrize(("name", "start", "end"), DAYS_OFF)
def test_public_holidays(cn, name, start, end):
    for day in days(start, end):
        assert not cn.is_workday(day), day
        assert cn.is_holiday(day)
        assert cn.holiday_name(day) == name
        assert cn.reason(day) == name
    assert cn.is_workday(date.fromisoformat(end) + timedelta(days=1)) or date.fromisoformat(end).weekday() >= 4


@pytest.mark.parametrize(("day", "made_up_for"), MAKE_UP)
def test_make_up_working_days_are_weekend_days_that_work(cn, day, made_up_for):
    assert date.fromisoformat(day).weekday() >= 5  # the notice moves a weekend day
    assert cn.is_workday(day) and cn.is_make_up_workday(day) and not cn.is_holiday(day)
    assert cn.reason(day) == f"{made_up_for}调休上班"


def test_every_other_day_follows_the_week(cn):
    listed = {d for _, s, e in DAYS_OFF for d in days(s, e)} | {date.fromisoformat(d) for d, _ in MAKE_UP}
    for day in days("2025-01-01", "2026-12-31"):
        if day not in listed:
            assert cn.is_workday(day) == (day.weekday() < 5), day
    total_off_2026 = sum(1 for day in days("2026-01-01", "2026-12-31") if cn.is_holiday(day))
    assert total_off_2026 == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_reasons_in_both_languages(cn):
    assert cn.reason("2026-10-01", "en") == "National Day"
    assert cn.reason("2026-02-14", "en") == "make-up working day for Spring Festival"
    assert cn.reason("2026-03-07", "en") == "weekend"
    assert cn.reason("2026-03-09", "en") == "working day"
    assert cn.reason("2026-03-07") == "周末"
    assert cn.holiday_name("2026-10-01", "en") == "National Day"
    assert SiteCalendar(SITE_TZ, "CN", language="en").holiday_name("2026-06-19") == "Dragon Boat Festival"


def test_dates_in_any_form(cn):
    assert not cn.is_workday(datetime(2026, 10, 1, 9, tzinfo=SITE_TZ))
    # 2026-09-30 17:00 UTC is already 1 October at the site
    assert not cn.is_workday(datetime(2026, 9, 30, 17, tzinfo=ZoneInfo("UTC")))
    assert cn.is_workday(datetime(2026, 9, 30, 15, tzinfo=ZoneInfo("UTC")))
    with pytest.raises(ValueError, match="expected a date like 2026-10-01, got 'soon'"):
        cn.is_workday("soon")


# --- counting in working days --------------------------------------------------------------------


def test_next_workday(cn):
    assert cn.next_workday("2026-02-13") == date(2026, 2, 14)  # Saturday, made up
    assert cn.next_workday("2026-02-14") == date(2026, 2, 24)  # across Spring Festival
    assert cn.next_workday("2026-09-30", 2) == date(2026, 10, 9)
    assert cn.next_workday("2026-10-08", -1) == date(2026, 9, 30)
    with pytest.raises(ValueError, match="whole number from -3660 to 3660"):
        cn.next_workday("2026-01-01", 10**6)


def test_add_workdays_keeps_the_time_of_day(cn):
    opened = datetime(2026, 9, 29, 16, 30, tzinfo=SITE_TZ)  # Tuesday before National Day
    assert cn.add_workdays(opened, 3) == datetime(2026, 10, 9, 16, 30, tzinfo=SITE_TZ)
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=SITE_TZ)
    assert cn.add_workdays(saturday, 1) == datetime(2026, 3, 9, 10, 0, tzinfo=SITE_TZ)
    assert cn.add_workdays(saturday, 0) == datetime(2026, 3, 9, 10, 0, tzinfo=SITE_TZ)
    assert cn.add_workdays(date(2026, 3, 9), 0) == date(2026, 3, 9)
    assert cn.add_workdays(datetime(2026, 3, 6, 18), 1) == datetime(2026, 3, 9, 18)  # naive stays naive
    utc = datetime(2026, 3, 6, 23, 0, tzinfo=ZoneInfo("UTC"))  # Saturday 07:00 at the site
    assert cn.add_workdays(utc, 1) == datetime(2026, 3, 9, 7, 0, tzinfo=SITE_TZ)


def test_workdays_between_counts_what_add_workdays_adds(cn):
    assert cn.workdays_between("2026-09-30", "2026-10-09") == 2
    assert cn.workdays_between("2026-10-09", "2026-09-30") == -2
    assert cn.workdays_between("2026-03-09", "2026-03-09") == 0
    for start in days("2026-01-01", "2026-12-31"):
        for n in (1, 2, 5):
            assert cn.workdays_between(start, cn.add_workdays(start, n)) == n, (start, n)
    assert cn.workdays("2026-09-28", "2026-10-11") == [
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9),
        date(2026, 10, 10),
    ]


def test_a_year_without_data_counts_weekends_and_says_so_once(caplog):
    calendar = SiteCalendar(SITE_TZ, "CN")
    with caplog.at_level(logging.WARNING, logger="xiaoqu.core.calendar"):
        assert calendar.is_workday("2027-10-01")  # a Friday; 2027 not announced yet
        assert not calendar.is_workday("2027-10-02")
    assert caplog.text.count("no public holidays for 2027") == 1


def test_a_country_without_shipped_data(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="xiaoqu.core.calendar"):
        calendar = SiteCalendar(SITE_TZ, "SG")
    assert "No holidays are shipped for country SG" in caplog.text
    assert calendar.is_workday("2026-10-01") and calendar.years == set()


def test_another_weekend(tmp_path):
    calendar = SiteCalendar(SITE_TZ, "CN", weekend={6})
    assert calendar.is_workday("2026-03-07")  # Saturday works here
    assert not calendar.is_workday("2026-03-08")
    assert not calendar.is_workday("2026-10-01")


# --- the site's own holidays.yaml ----------------------------------------------------------------

SITE_FILE = """\
years:
  2027:
    source: the office, until the State Council publishes 2027
    holidays:
      - {name: 元旦, name_en: New Year's Day, start: 2027-01-01}
  2026:
    holidays:
      - name: 小区运动会
        name_en: Community sports day
        start: 2026-02-28
    make_up_workdays:
      - {date: 2026-10-02, for: 国庆节}
"""


def test_site_file_adds_years_and_wins_date_by_date(tmp_path):
    (tmp_path / "holidays.yaml").write_text(SITE_FILE, encoding="utf-8")
    calendar = SiteCalendar(SITE_TZ, "CN", tmp_path / "holidays.yaml")
    assert calendar.problems == []
    assert calendar.years == {2025, 2026, 2027}
    assert not calendar.is_workday("2027-01-01")
    assert calendar.holiday_name("2027-01-01") == "元旦"
    assert not calendar.is_workday("2026-02-28")  # a shipped make-up day the site takes off
    assert calendar.reason("2026-02-28", "en") == "Community sports day"
    assert calendar.is_workday("2026-10-02")  # the site works on a public holiday
    assert calendar.reason("2026-10-02") == "国庆节调休上班"
    assert not calendar.is_workday("2026-10-01")  # the rest of the shipped data stands


BAD_SITE_FILE = """\
years:
  2027:
    holidays:
      - {name: 元旦, start: 2027-01-01}
      - {name: 春节, start: 2027-02-10, end: 2027-02-03}
      - {name: 清明节, start: 2026-04-05}
      - {name: 劳动节, start: 2027-05-01, end: 2027-05-05}
      - {name: 重复, start: 2027-05-03}
      - {start: 2027-06-01}
      - {name: 端午节, start: next june}
    make_up_workdays:
      - {date: 2027-01-01}
      - {date: 2027-04-25, for: 劳动节}
  twenty-seven:
    holidays: []
"""


def test_mistakes_name_file_line_and_path_and_leave_the_rest(tmp_path):
    (tmp_path / "holidays.yaml").write_text(BAD_SITE_FILE, encoding="utf-8")
    calendar = SiteCalendar(SITE_TZ, "CN", tmp_path / "holidays.yaml")
    problems = [str(p) for p in calendar.problems]
    assert problems == [
        "holidays.yaml:5: holidays.years[2027].holidays[1]: the holiday ends before it starts",
        "holidays.yaml:6: holidays.years[2027].holidays[2]: 2026-04-05 is not in 2027",
        "holidays.yaml:8: holidays.years[2027].holidays[4]: 2027-05-03 is already listed as a day off (劳动节)",
        "holidays.yaml:9: holidays.years[2027].holidays[5].name: required key not provided",
        "holidays.yaml:10: holidays.years[2027].holidays[6].start: expected a date like 2026-10-01, got 'next june'",
        "holidays.yaml:12: holidays.years[2027].make_up_workdays[0]: 2027-01-01 is already listed as a day off (元旦)",
        "holidays.yaml:14: holidays.years.twenty-seven: expected a year such as 2027",
    ]
    assert not calendar.is_workday("2027-01-01")
    assert not calendar.is_workday("2027-05-04")
    assert calendar.is_workday("2027-04-25")  # a Sunday made a working day
    assert calendar.is_workday("2027-02-05")  # the broken Spring Festival entry is left out


def test_unreadable_site_file_keeps_the_shipped_data(tmp_path):
    (tmp_path / "holidays.yaml").write_text("years:\n  2027: [unclosed\n", encoding="utf-8")
    calendar = SiteCalendar(SITE_TZ, "CN", tmp_path / "holidays.yaml")
    assert calendar.problems and calendar.problems[0].file == "holidays.yaml"
    assert not calendar.is_workday("2026-10-01")


# --- on a hub: set-up, reload, templates, the condition -----------------------------------------------


async def test_calendar_is_set_up_on_every_hub(tmp_path, clock):
    (tmp_path / "holidays.yaml").write_text(SITE_FILE, encoding="utf-8")
    async with running_hub(tmp_path, {"calendar": {"weekend": ["saturday", "sun"]}}, clock=clock) as hub:
        calendar = get_calendar(hub)
        assert hub.data[DOMAIN] is calendar and 2027 in calendar.years
        assert "calendar" in hub.plugins.running
        render = lambda text: Template(text, hub).render_native()  # noqa: E731
        assert render("{{ is_workday() }}") is True  # Monday 2 March 2026
        assert render("{{ is_workday('2026-10-01') }}") is False
        assert render("{{ '2026-10-01' | is_holiday }}") is True
        assert render("{{ holiday_name('2026-10-01') }}") == "国庆节"
        assert render("{{ workday_reason('2026-02-14') }}") == "春节调休上班"
        assert render("{{ next_workday() }}") == "2026-03-03"
        assert render("{{ next_workday('2026-09-30') }}") == "2026-10-02"  # the site works that day
        assert render("{{ add_workdays(now(), 3).isoformat() }}") == "2026-03-05T08:00:00+08:00"
        assert render("{{ workdays_between('2026-03-02', '2026-03-09') }}") == 5
        assert render("{{ now() | is_workday }}") is True
        info = Template("{{ is_workday() }}", hub).render_info()
        assert info.uses_time


async def test_reload_reads_the_edited_file_and_refuses_a_broken_one(tmp_path, clock):
    async with running_hub(tmp_path, {}, clock=clock) as hub:
        assert get_calendar(hub).is_workday("2027-01-01")
        (tmp_path / "holidays.yaml").write_text(SITE_FILE, encoding="utf-8")
        await hub.services.call("calendar", "reload", {})
        assert not get_calendar(hub).is_workday("2027-01-01")
        (tmp_path / "holidays.yaml").write_text(BAD_SITE_FILE, encoding="utf-8")
        with pytest.raises(ServiceValidationError, match="the calendar was not reloaded: holidays.yaml:5: .*and 6 more"):
            await hub.services.call("calendar", "reload", {})
        assert get_calendar(hub).holiday_name("2027-01-01") == "元旦"
        assert get_calendar(hub).reason("2026-02-28") == "小区运动会"


async def test_bad_calendar_section_is_a_config_error(tmp_path):
    async with running_hub(tmp_path, {"calendar": {"weekend": ["someday"]}}, expect_problems=True) as hub:
        assert "calendar" not in hub.plugins.running
        assert any(p.domain == "calendar" for p in hub.plugins.problems)


def test_bare_hub_builds_its_calendar_on_first_use(hub):
    calendar = get_calendar(hub)
    assert get_calendar(hub) is calendar
    assert not calendar.is_workday(date(2026, 10, 1))


def test_workday_condition(hub, clock):
    platform = WorkdayCondition()
    assert isinstance(platform, ConditionPlatform)
    today = platform.checker(hub, platform.schema({"condition": "workday"}))
    day_off = platform.checker(hub, platform.schema({"condition": "workday", "working": "off"}))
    tomorrow = platform.checker(hub, platform.schema({"condition": "workday", "days_offset": 1}))
    assert today({}) and not day_off({}) and tomorrow({})  # Monday 2 March 2026
    clock.set(datetime(2026, 9, 30, 9, 0, tzinfo=SITE_TZ))
    assert today({}) and not tomorrow({})  # 1 October is National Day
    clock.advance(timedelta(days=1))
    assert not today({}) and day_off({})


def test_workday_condition_schema_names_the_wrong_key(hub):
    from xiaoqu.core.validation import vol

    with pytest.raises(vol.Invalid):
        WorkdayCondition.schema({"condition": "workday", "days_offset": 1000})
    with pytest.raises(vol.Invalid):
        WorkdayCondition.schema({"condition": "workday", "wrking": True})


async def test_workday_condition_and_helpers_in_an_automation(tmp_path):
    clock = ManualClock(datetime(2026, 10, 1, 8, tzinfo=SITE_TZ))  # National Day
    config = {"automation": [{
        "id": "holiday_patrol",
        "triggers": [{"trigger": "event", "event_type": "round_due"}],
        "conditions": [{"condition": "workday", "working": False}, "{{ not is_workday() }}"],
        "actions": [{"event": "holiday_round", "event_data": {"why": "{{ workday_reason() }}",
                                                              "back": "{{ next_workday() }}"}}],
    }]}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        rounds = []
        hub.bus.listen("holiday_round", lambda event: rounds.append(event.data))
        hub.bus.fire("round_due")
        await hub.block_till_done()
        clock.set(datetime(2026, 10, 8, 8, tzinfo=SITE_TZ))  # back to work
        hub.bus.fire("round_due")
        await hub.block_till_done()
    assert rounds == [{"why": "国庆节", "back": "2026-10-08"}]
