"""A ticket's deadline from its category, with the rule in words.

- ``arrive_within`` counts clock hours from the moment the ticket was opened, nights, weekends
  and holidays included: a lift stuck at 23:00 on a holiday is due by 03:00 with 4 hours.
- ``reply_within_workdays`` counts working days of the site calendar (``core/calendar``: public
  holidays, and weekend days that are make-up working days) and keeps the time of day:
  counting starts with the next working day, whatever day the ticket was opened. A complaint
  opened on Friday 13 February 2026 at 20:00 with 1 working day is due on Saturday 14 February
  at 20:00 (a make-up working day before the Spring Festival); with 2, on Tuesday 24 February
  at 20:00, after the nine days of the festival (15-23 February).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .const import ARRIVE, REPLY

if TYPE_CHECKING:
    from xiaoqu.core.calendar import SiteCalendar


def kind(category: dict[str, Any]) -> str:
    return ARRIVE if "arrive_within" in category else REPLY


def deadline(category: dict[str, Any], opened_at: float, calendar: SiteCalendar, tz: tzinfo) -> tuple[float, str]:
    """``(due, rule)``: when the ticket must be met and how that was reached."""
    opened = datetime.fromtimestamp(opened_at, tz)
    if kind(category) == ARRIVE:
        period = category["arrive_within"]
        due = opened + period
        hours = period.total_seconds() / 3600
        return due.timestamp(), (f"arrive within {hours:g} clock hours of opening: opened {opened:%Y-%m-%d %H:%M}, "
                                 f"due {due:%Y-%m-%d %H:%M}")
    days = category["reply_within_workdays"]
    reached = calendar.add_workdays(opened, days)
    assert isinstance(reached, datetime)
    skipped = (reached.date() - opened.date()).days - days
    return reached.timestamp(), (f"reply within {days} working days of the site calendar, counted from the next "
                                 f"working day and keeping the time of day: opened {opened:%Y-%m-%d %H:%M} "
                                 f"({opened:%a}), due {reached:%Y-%m-%d %H:%M} ({reached:%a}); "
                                 f"{skipped} day(s) off skipped")
