"""The temporary-parking tariff: the worked examples of docs/parking.md, read from the page, and
the rules the page states (free minutes, rounding, caps, clock changes, zones) as properties."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaoqu.core.money import yuan
from xiaoqu.integrations.parking.tariff import TARIFF_SCHEMA, Tariff, TariffError

DOC = Path(__file__).resolve().parents[3] / "docs" / "parking.md"
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
TABLE_HEAD = "| # | tariff | entered | exited | fee | lines |"


def _tariff_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Tariff\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _doc_tariffs() -> dict[str, Tariff]:
    block = re.search(r"```yaml worked-examples\n(.*?)```", _tariff_section(), re.S)
    assert block is not None, "docs/parking.md: the worked examples' tariffs (```yaml worked-examples) are missing"
    return {name: Tariff.from_config(section) for name, section in yaml.safe_load(block.group(1)).items()}


def _doc_rows() -> list[list[str]]:
    lines = _tariff_section().splitlines()
    first = lines.index(TABLE_HEAD) + 2  # past the header and its rule
    rows = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _moment(text: str) -> datetime:
    """A time from the table: Beijing time unless it names its zone."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


ROWS = _doc_rows()


def test_the_page_has_its_worked_examples() -> None:
    assert len(ROWS) >= 8
    assert [row[0] for row in ROWS] == [str(n) for n in range(1, len(ROWS) + 1)]


@pytest.mark.parametrize("row", ROWS, ids=[f"example {row[0]}" for row in ROWS])
def test_each_worked_example_is_what_the_tariff_answers(row: list[str]) -> None:
    _number, name, entered, exited, shown_fee, shown_lines = row
    fee = _doc_tariffs()[name].fee(_moment(entered), _moment(exited))
    assert yuan(fee.fen) == shown_fee
    assert fee.lines == shown_lines.split("<br>")


def test_the_page_states_each_tariffs_rule() -> None:
    prose = " ".join(_tariff_section().split())
    for name, tariff in _doc_tariffs().items():
        assert f"`{name}`: {tariff.rule.removeprefix(f'{name}: ')}." in prose


# The rules, beyond the examples.

BASE: dict[str, Any] = {"price_fen": 300, "free_minutes": 15, "daily_cap_fen": 3000,
                        "night": {"start": "20:00", "end": "08:00", "price_fen": 500}}


def at(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_a_fee_names_its_rule_and_explains_itself() -> None:
    fee = Tariff.from_config(BASE, SHANGHAI).fee(at("2026-03-02 08:00"), at("2026-03-02 10:00"))
    assert fee.fen == 600
    assert fee.rule == ("temporary: 15 min free (beyond them, charged from entry); day ¥3.00 per started hour; "
                        "night 20:00–08:00 ¥5.00 per night; at most ¥30.00 per calendar day")
    assert fee.explanation == "\n".join(fee.lines)
    assert "08:00–10:00 day rate 2 h × ¥3.00 = ¥6.00" in fee.lines


def test_a_stay_across_a_clock_change_pays_for_the_hours_that_passed() -> None:
    tariff = Tariff.from_config({"price_fen": 300, "time_zone": "Europe/Berlin"})
    # 29 March 2026: Berlin's clocks go from 02:00 to 03:00; 01:30 to 03:30 on the wall is one hour
    spring = tariff.fee(at("2026-03-29 01:30", BERLIN), at("2026-03-29 03:30", BERLIN))
    assert spring.fen == 300 and spring.lines[0] == "01:30–03:30 1 h × ¥3.00 = ¥3.00"
    # 25 October 2026: 03:00 back to 02:00; 01:30 to 02:30 (the second time round) is two hours
    second_half_past_two = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    autumn = tariff.fee(at("2026-10-25 01:30", BERLIN), second_half_past_two)
    assert autumn.fen == 600


def test_the_night_window_follows_the_wall_clock_across_a_clock_change() -> None:
    tariff = Tariff.from_config({"price_fen": 300, "time_zone": "Europe/Berlin",
                                 "night": {"start": "22:00", "end": "06:00", "price_fen": 100, "per": "period"}})
    # the spring night is seven hours long, 22:00 to 06:00 on the wall
    fee = tariff.fee(at("2026-03-28 22:00", BERLIN), at("2026-03-29 06:00", BERLIN))
    assert fee.fen == 700
    assert "03-28 22:00–03-29 06:00 night rate 7 h × ¥1.00 = ¥7.00" in fee.lines


def test_the_zone_the_times_come_in_does_not_matter() -> None:
    tariff = Tariff.from_config(BASE, SHANGHAI)
    entered, exited = at("2026-03-02 18:30"), at("2026-03-03 09:10")
    local = tariff.fee(entered, exited)
    assert tariff.fee(entered.astimezone(UTC), exited.astimezone(BERLIN)) == local


def test_free_minutes_deducted_or_charged_from_entry() -> None:
    included = Tariff.from_config({"price_fen": 300, "free_minutes": 30}, SHANGHAI)
    deducted = Tariff.from_config({"price_fen": 300, "free_minutes": 30, "free_minutes_included": False}, SHANGHAI)
    entered = at("2026-03-02 10:00")
    assert included.fee(entered, at("2026-03-02 10:30")).fen == 0
    assert included.fee(entered, at("2026-03-02 10:31")).fen == 300
    assert included.fee(entered, at("2026-03-02 11:10")).fen == 600  # 1 h 10 min from entry
    assert deducted.fee(entered, at("2026-03-02 11:10")).fen == 300  # 40 min after the free half hour


def test_no_time_parked_costs_nothing() -> None:
    tariff = Tariff.from_config({"price_fen": 300}, SHANGHAI)
    assert tariff.fee(at("2026-03-02 10:00"), at("2026-03-02 10:00:59")).lines == ["no time parked"]


def test_bad_stays_are_refused_saying_why() -> None:
    tariff = Tariff.from_config({"price_fen": 300}, SHANGHAI)
    with pytest.raises(TariffError, match="exited .* is before entered"):
        tariff.fee(at("2026-03-02 10:00"), at("2026-03-02 09:00"))
    with pytest.raises(TariffError, match="entered must be an aware datetime"):
        tariff.fee(datetime(2026, 3, 2, 10), at("2026-03-02 11:00"))


@pytest.mark.parametrize(("config", "message"), [
    ({}, "tariff: price_fen: required key not provided"),
    ({"price_fen": 1.5}, "money is a whole number of fen (分): write 150 for ¥1.50"),
    ({"price_fen": 300, "period_minutes": 0}, "expected a whole number of minutes from 1 to 1440 for 'period_minutes', got 0"),
    ({"price_fen": 300, "period_minutes": 30, "round_up_from_minutes": 30},
     "must be less than period_minutes (30): a whole period is always charged"),
    ({"price_fen": 300, "cap_day": "24h"}, "cap_day needs daily_cap_fen beside it"),
    ({"price_fen": 300, "daily_cap_fen": 1, "cap_day": "week"}, "expected one of calendar, 24h"),
    ({"price_fen": 300, "night": {"start": "20:00", "end": "20:00", "price_fen": 1}},
     "the night window starts and ends at the same time"),
    ({"price_fen": 300, "night": {"start": "20:00", "end": "8 in the morning", "price_fen": 1}},
     "expected a time of day, 'HH:MM' or 'HH:MM:SS'"),
    ({"price_fen": 300, "night": {"start": "20:00", "end": "08:00", "price_fen": 1, "period_minutes": 30}},
     "period_minutes is for a night priced per period (per: period)"),
])
def test_a_config_that_cannot_work_is_refused_naming_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(TariffError) as refused:
        Tariff.from_config(config, SHANGHAI)
    assert message in str(refused.value)


def test_a_tariff_needs_a_time_zone() -> None:
    with pytest.raises(TariffError, match="no time zone"):
        Tariff.from_config({"price_fen": 300})
    assert TARIFF_SCHEMA({"price_fen": 300})["free_minutes_included"] is True


# Properties over many stays.

_TARIFFS = st.fixed_dictionaries({
    "price_fen": st.integers(0, 2000),
    "period_minutes": st.sampled_from([15, 30, 60]),
    "free_minutes": st.integers(0, 60),
    "free_minutes_included": st.booleans(),
    "round_up_from_minutes": st.integers(0, 14),
    "daily_cap_fen": st.integers(0, 10_000),
    "cap_day": st.sampled_from(["calendar", "24h"]),
}, optional={"night": st.fixed_dictionaries({
    "start": st.sampled_from(["19:00", "20:00", "22:30", "00:00"]),
    "end": st.sampled_from(["06:00", "07:30", "08:00"]),
    "price_fen": st.integers(0, 2000),
    "per": st.sampled_from(["night", "period"]),
})})
_STARTS = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(lambda d: d.replace(tzinfo=SHANGHAI))
_MINUTES = st.integers(0, 5 * 24 * 60)


@settings(max_examples=300, deadline=None)
@given(_TARIFFS, _STARTS, _MINUTES, _MINUTES)
def test_staying_longer_never_costs_less_and_no_day_costs_more_than_the_cap(
        config: dict[str, Any], entered: datetime, stay: int, more: int) -> None:
    tariff = Tariff.from_config(config, SHANGHAI)
    shorter = tariff.fee(entered, entered + timedelta(minutes=stay))
    longer = tariff.fee(entered, entered + timedelta(minutes=stay + more))
    assert isinstance(longer.fen, int) and 0 <= shorter.fen <= longer.fen
    days = (stay + more) // (24 * 60) + 2  # the cap's days a stay can touch
    assert longer.fen <= days * config["daily_cap_fen"]
    assert longer.lines[-1] == f"total {yuan(longer.fen)}" or longer.fen == 0
