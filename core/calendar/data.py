"""Reading holiday files: the shipped ``core/data/holidays/<country>.yaml`` and a site's own.

Both files have one format (see the shipped CN.yaml). A mistake is reported as a
`ConfigError` with file, line and key path (``holidays.yaml:14: holidays.years.2027.holidays[2].end:
the holiday ends before it starts``) and only the entry it is in is left out: every other
holiday in the file still counts, so one typo does not turn Spring Festival into working days.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from xiaoqu.core.config import ConfigError, validate_section
from xiaoqu.core.validation import string, vol
from xiaoqu.core.yaml_loader import NodeDict, Unresolved, load_yaml, location

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "holidays"
DOMAIN = "holidays"
#: A holiday longer than this is a typo in a date, not a holiday.
MAX_HOLIDAY_DAYS = 31


@dataclass(frozen=True, slots=True)
class Holiday:
    """A named public holiday (or a site's own day off)."""

    name: str
    name_en: str | None = None

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(slots=True)
class HolidayData:
    """Days off and make-up working days by date, and which years a file speaks for."""

    days_off: dict[date, Holiday] = field(default_factory=dict)
    #: A make-up working day and the holiday it makes up for.
    workdays: dict[date, Holiday] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)
    sources: dict[int, str] = field(default_factory=dict)
    problems: list[ConfigError] = field(default_factory=list)

    def overlay(self, other: HolidayData) -> HolidayData:
        """This data with ``other``'s entries winning date by date (the site over the shipped file)."""
        merged = HolidayData(dict(self.days_off), dict(self.workdays), self.years | other.years,
                             {**self.sources, **other.sources}, [*self.problems, *other.problems])
        for day, holiday in other.days_off.items():
            merged.workdays.pop(day, None)
            merged.days_off[day] = holiday
        for day, holiday in other.workdays.items():
            merged.days_off.pop(day, None)
            merged.workdays[day] = holiday
        return merged


def a_date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date like 2026-10-01")


HOLIDAY_SCHEMA = vol.Schema({
    vol.Required("name"): string,
    vol.Optional("name_en"): string,
    vol.Required("start"): a_date,
    vol.Optional("end"): a_date,
})
WORKDAY_SCHEMA = vol.Schema({
    vol.Required("date"): a_date,
    vol.Optional("for"): string,
})
YEAR_SCHEMA = vol.Schema({
    vol.Optional("source"): string,
    vol.Optional("holidays", default=list): vol.Any(None, list),
    vol.Optional("make_up_workdays", default=list): vol.Any(None, list),
})
FILE_SCHEMA = vol.Schema({
    vol.Optional("country"): string,
    vol.Required("years"): dict,
})


def shipped_file(country: str) -> Path:
    return DATA_DIR / f"{country.upper()}.yaml"


def load_holidays(path: Path, config_dir: Path | None = None) -> HolidayData:
    """Read one holiday file; what is wrong goes to ``problems``, what is right is kept.

    Blocking (reads a file): call it from an executor when the hub is running.
    """
    data = HolidayData()
    result = load_yaml(path, config_dir=config_dir if config_dir is not None else path.parent)
    data.problems.extend(ConfigError(i.file, i.line, i.path, i.message, "warning" if i.severity == "warning"
                                     else "error") for i in result.issues)
    raw = result.data
    if raw is None or isinstance(raw, Unresolved):
        return data
    where = location(raw) or (path.name, 1)
    checked, errors = validate_section(DOMAIN, FILE_SCHEMA, raw, location=where)
    data.problems.extend(errors)
    if checked is None:
        return data
    years = raw["years"]
    for year_key, year in years.items():
        _read_year(data, years, year_key, year)
    return data


def _read_year(data: HolidayData, years: NodeDict, year_key: Any, year: Any) -> None:
    path = ("years", year_key)
    place = years.__locations__.get(year_key) if isinstance(years, NodeDict) else None
    if not isinstance(year_key, int) or not 1900 <= year_key <= 2200:
        file, line = place or (None, None)
        data.problems.append(ConfigError(file, line, (DOMAIN, *path), "expected a year such as 2027"))
        return
    checked, errors = validate_section(DOMAIN, YEAR_SCHEMA, year, path=path, location=place)
    data.problems.extend(errors)
    if checked is None:
        return
    data.years.add(year_key)
    if "source" in checked:
        data.sources[year_key] = checked["source"]
    taken: dict[date, str] = {}
    for index, entry in enumerate(checked["holidays"] or ()):
        holiday = _entry(data, HOLIDAY_SCHEMA, entry, (*path, "holidays", index), place)
        if holiday is None:
            continue
        start, end = holiday["start"], holiday.get("end", holiday["start"])
        problem = _range_problem(year_key, start, end)
        if problem is None:
            clash = next((day for day in _days(start, end) if day in taken), None)
            problem = f"{clash} is already listed as {taken[clash]}" if clash else None
        if problem is not None:
            _complain(data, entry, (*path, "holidays", index), place, problem)
            continue
        named = Holiday(holiday["name"], holiday.get("name_en"))
        for day in _days(start, end):
            data.days_off[day] = named
            taken[day] = f"a day off ({named.name})"
    names = {h.name: h for h in data.days_off.values()}
    for index, entry in enumerate(checked["make_up_workdays"] or ()):
        workday = _entry(data, WORKDAY_SCHEMA, entry, (*path, "make_up_workdays", index), place)
        if workday is None:
            continue
        day = workday["date"]
        problem = _range_problem(year_key, day, day)
        if problem is None and day in taken:
            problem = f"{day} is already listed as {taken[day]}"
        if problem is not None:
            _complain(data, entry, (*path, "make_up_workdays", index), place, problem)
            continue
        made_up = workday.get("for", "")
        data.workdays[day] = names.get(made_up) or Holiday(made_up)
        taken[day] = "a make-up working day"


def _entry(data: HolidayData, schema: Any, entry: Any, path: tuple[Any, ...],
           place: tuple[str, int] | None) -> dict[str, Any] | None:
    checked, errors = validate_section(DOMAIN, schema, entry, path=path, location=location(entry) or place)
    data.problems.extend(errors)
    return checked


def _complain(data: HolidayData, entry: Any, path: tuple[Any, ...], place: tuple[str, int] | None,
              message: str) -> None:
    file, line = location(entry) or place or (None, None)
    data.problems.append(ConfigError(file, line, (DOMAIN, *path), message))


def _range_problem(year: int, start: date, end: date) -> str | None:
    if start.year != year or end.year not in (year, year + 1):
        return f"{start} is not in {year}"
    if end < start:
        return "the holiday ends before it starts"
    if (end - start).days >= MAX_HOLIDAY_DAYS:
        return f"a holiday of more than {MAX_HOLIDAY_DAYS} days: check the dates"
    return None


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
