"""`SiteCalendar`: whether a day is a working day at this site, and counting in working days.

One answer for every integration: access schedules, patrol rounds, attendance shifts,
ticket deadlines ("reply within 3 working days") and fee due dates all ask here, so no
integration keeps a holiday list of its own.

A day is a working day when it is a make-up working day (调休上班), or else when it is
neither a public holiday nor a weekend day. Holidays come from the shipped file for the
site's country with the site's own ``holidays.yaml`` over it (`core.calendar.data`). For a
year neither file covers, only weekends count, and a warning says so once per year.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xiaoqu.core.calendar.data import HolidayData, load_holidays, shipped_file
from xiaoqu.core.config import ConfigError

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

SITE_FILE = "holidays.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKEND = frozenset({5, 6})
#: How far one call may count (about ten years of days), so a typo cannot loop for long.
MAX_DAYS = 3660

_WORDS = {
    "zh": {"weekend": "周末", "workday": "工作日", "make_up": "{}调休上班", "make_up_unnamed": "调休上班"},
    "en": {"weekend": "weekend", "workday": "working day", "make_up": "make-up working day for {}",
           "make_up_unnamed": "make-up working day"},
}


class SiteCalendar:
    """The working days of one site.

    ``SiteCalendar(tz, country, extra_file)`` reads the shipped holidays of ``country`` and,
    when given and present, the site's ``extra_file`` over them (blocking: build it in an
    executor on a running hub, or use `SiteCalendar.from_hub`). Problems found in either
    file are in ``problems``; the entries that were right are used.

    Dates may be given as ``date``, ``datetime`` (an aware one is taken in the site's time
    zone) or ``"YYYY-MM-DD"``.
    """

    def __init__(
        self,
        tz: tzinfo | str = "Asia/Shanghai",
        country: str = "CN",
        extra_file: Path | None = None,
        *,
        language: str = "zh",
        weekend: Iterable[int] = DEFAULT_WEEKEND,
        config_dir: Path | None = None,
    ) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.country = country.upper()
        self.language = language
        self.weekend = frozenset(weekend)
        self.extra_file = extra_file
        data = HolidayData()
        shipped = shipped_file(self.country)
        if shipped.is_file():
            data = load_holidays(shipped)
        else:
            _LOGGER.warning("No holidays are shipped for country %s; the calendar counts weekends only "
                            "(and what %s holds)", self.country, extra_file or SITE_FILE)
        if extra_file is not None and extra_file.is_file():
            data = data.overlay(load_holidays(extra_file, config_dir or extra_file.parent))
        self._data = data
        self._warned_years: set[int] = set()

    @classmethod
    def from_hub(cls, hub: Hub, weekend: Iterable[int] = DEFAULT_WEEKEND, file_name: str = SITE_FILE) -> SiteCalendar:
        """The calendar of ``hub``'s site: its time zone, country, language and ``holidays.yaml``."""
        config = hub.config
        return cls(hub.clock.tz, config.country, config.config_dir / file_name, language=config.language,
                   weekend=weekend, config_dir=config.config_dir)

    @property
    def problems(self) -> list[ConfigError]:
        """Mistakes found in the holiday files, each with file and line."""
        return list(self._data.problems)

    @property
    def years(self) -> set[int]:
        """The years some file gives holidays for."""
        return set(self._data.years)

    def sources(self) -> dict[int, str]:
        """Where each year's holidays come from (the notice a file names)."""
        return dict(self._data.sources)

    # --- one day --------------------------------------------------------------------------

    def to_date(self, value: date | datetime | str) -> date:
        """The site-local date of ``value``."""
        if isinstance(value, datetime):
            return value.astimezone(self.tz).date() if value.tzinfo else value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return self.to_date(datetime.fromisoformat(value.strip()))
            except ValueError:
                pass
        raise ValueError(f"expected a date like 2026-10-01, got {value!r}")

    def is_workday(self, day: date | datetime | str) -> bool:
        """Whether ``day`` is a working day at this site."""
        on = self.to_date(day)
        if on in self._data.workdays:
            return True
        if on in self._data.days_off:
            return False
        self._check_year(on.year)
        return on.weekday() not in self.weekend

    def is_holiday(self, day: date | datetime | str) -> bool:
        """Whether ``day`` is a public holiday (or one of the site's own days off), not just a weekend."""
        return self.to_date(day) in self._data.days_off

    def holiday_name(self, day: date | datetime | str, language: str | None = None) -> str | None:
        """The holiday ``day`` belongs to (``国庆节`` / ``National Day``), or None."""
        holiday = self._data.days_off.get(self.to_date(day))
        return None if holiday is None else holiday.label(language or self.language)

    def is_make_up_workday(self, day: date | datetime | str) -> bool:
        return self.to_date(day) in self._data.workdays

    def reason(self, day: date | datetime | str, language: str | None = None) -> str:
        """Why ``day`` is (not) a working day, in words a person reads in a trace or report.

        ``National Day``, ``make-up working day for Spring Festival``, ``weekend`` or
        ``working day`` (in Chinese when the site's language is zh).
        """
        language = language if language in _WORDS else (self.language if self.language in _WORDS else "en")
        words = _WORDS[language]
        on = self.to_date(day)
        if (made_up := self._data.workdays.get(on)) is not None:
            label = made_up.label(language)
            return words["make_up"].format(label) if label else words["make_up_unnamed"]
        if (holiday := self._data.days_off.get(on)) is not None:
            return holiday.label(language)
        if on.weekday() in self.weekend:
            return words["weekend"]
        return words["workday"]

    # --- counting -------------------------------------------------------------------------

    def next_workday(self, day: date | datetime | str, n: int = 1) -> date:
        """The ``n``-th working day after ``day`` (``n`` < 0: before it)."""
        return self._step(self.to_date(day), n)

    def add_workdays(self, moment: date | datetime | str, n: int) -> date | datetime:
        """``moment`` moved ``n`` working days on, keeping its time of day ("reply within 3 working days").

        Counting starts with the next working day: Friday 10:00 plus 1 is Monday 10:00 (if
        Monday works), and so is Saturday 10:00 plus 1. ``n = 0`` gives ``moment`` itself on a
        working day, else the next working day at the same time.
        """
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment.strip())
        on = self.to_date(moment)
        target = (on if self.is_workday(on) else self._step(on, 1)) if n == 0 else self._step(on, n)
        if not isinstance(moment, datetime):
            return target
        if moment.tzinfo is None:
            return datetime.combine(target, moment.time())
        local = moment.astimezone(self.tz)
        return datetime.combine(target, local.time(), tzinfo=self.tz)

    def workdays_between(self, start: date | datetime | str, end: date | datetime | str) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (negative if
        ``end`` is earlier): ``workdays_between(d, add_workdays(d, n)) == n``."""
        first, last = self.to_date(start), self.to_date(end)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        span = (last - first).days
        if span > MAX_DAYS * 10:
            raise ValueError(f"workdays_between counts at most {MAX_DAYS * 10} days")
        count = sum(1 for offset in range(1, span + 1) if self.is_workday(first + timedelta(days=offset)))
        return sign * count

    def workdays(self, start: date | datetime | str, end: date | datetime | str) -> list[date]:
        """Every working day from ``start`` to ``end``, both included."""
        first, last = self.to_date(start), self.to_date(end)
        if (last - first).days > MAX_DAYS * 10:
            raise ValueError(f"a range of at most {MAX_DAYS * 10} days")
        days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
        return [day for day in days if self.is_workday(day)]

    def _step(self, start: date, n: int) -> date:
        if not isinstance(n, int) or abs(n) > MAX_DAYS:
            raise ValueError(f"the number of working days must be a whole number from -{MAX_DAYS} to {MAX_DAYS}")
        step = timedelta(days=1 if n >= 0 else -1)
        day, left, walked = start, abs(n), 0
        while left:
            day += step
            walked += 1
            if walked > MAX_DAYS * 2:
                raise ValueError("no working day found within ten years: check the weekend setting")
            if self.is_workday(day):
                left -= 1
        return day

    def _check_year(self, year: int) -> None:
        if year not in self._data.years and year not in self._warned_years:
            self._warned_years.add(year)
            _LOGGER.warning(
                "The site calendar has no public holidays for %s (shipped %s, site %s): counting weekends only "
                "until the year is added to %s", year, self.country, self.extra_file or "none", SITE_FILE,
            )

    def __repr__(self) -> str:
        return f"<SiteCalendar {self.country} years={sorted(self._data.years)}>"


def weekday_numbers(names: Iterable[Any]) -> frozenset[int]:
    """``[sat, sun]`` → {5, 6} (also full names and 0-6)."""
    numbers = set()
    for name in names:
        if isinstance(name, int) and 0 <= name <= 6:
            numbers.add(name)
        elif isinstance(name, str) and (word := name.strip().lower()) in WEEKDAYS + _WEEKDAY_NAMES:
            numbers.add((WEEKDAYS + _WEEKDAY_NAMES).index(word) % 7)
        else:
            raise ValueError(f"expected a weekday such as sat, got {name!r}")
    return frozenset(numbers)
