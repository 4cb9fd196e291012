"""The site calendar: which days are working days here, for every schedule and deadline.

    calendar = get_calendar(hub)
    calendar.is_workday(date(2026, 10, 1))           # False: National Day
    calendar.add_workdays(ticket_opened_at, 3)       # "reply within 3 working days"

Access schedules, patrol rounds, attendance shifts, ticket deadlines and fee due dates all
use this one calendar (`get_calendar`), never a holiday list of their own. It is part of
the core, set up on every hub (``calendar:`` in config.yaml is optional)::

    calendar:
      weekend: [sat, sun]           # the default
      holidays_file: holidays.yaml  # the default, next to config.yaml

Templates get ``is_workday()``, ``next_workday()`` and friends, and automations a
``workday`` condition, through the same hooks any plugin uses.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core import hookimpl
from xiaoqu.core.calendar.const import DATA_CALENDAR, DOMAIN
from xiaoqu.core.calendar.data import Holiday, HolidayData, load_holidays, shipped_file
from xiaoqu.core.calendar.site_calendar import SITE_FILE, SiteCalendar, weekday_numbers
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.validation import boolean, ensure_list, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.services import ServiceCall

__all__ = [
    "DOMAIN",
    "Holiday",
    "HolidayData",
    "SiteCalendar",
    "WorkdayCondition",
    "get_calendar",
    "load_holidays",
    "shipped_file",
    "template_helpers",
    "workday_condition",
]

_LOGGER = logging.getLogger(__name__)

#: The validated ``calendar:`` section, for ``calendar.reload`` and a calendar built late.
_SETTINGS: Final = HubKey["Mapping[str, Any]"]("calendar.settings")


def _weekend(value: Any) -> frozenset[int]:
    try:
        return weekday_numbers(ensure_list(value))
    except ValueError as err:
        raise vol.Invalid(str(err)) from None


CONFIG_SCHEMA = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("weekend", default=["sat", "sun"]): _weekend,
        vol.Optional("holidays_file", default=SITE_FILE): string,
    }),
)


def get_calendar(hub: Hub) -> SiteCalendar:
    """The hub's calendar (``hub.data[DATA_CALENDAR]``), built from the hub's config on first use
    when the calendar was not set up (a bare hub in a test or a script)."""
    calendar = hub.data.get(DATA_CALENDAR)
    if calendar is None:
        settings = hub.data.get(_SETTINGS) or CONFIG_SCHEMA(None)
        calendar = hub.data[DATA_CALENDAR] = _build(hub, settings)
    return calendar


def _build(hub: Hub, settings: Mapping[str, Any]) -> SiteCalendar:
    calendar = SiteCalendar.from_hub(hub, settings["weekend"], settings["holidays_file"])
    for problem in calendar.problems:
        level = logging.WARNING if problem.severity == "warning" else logging.ERROR
        _LOGGER.log(level, "Holiday file: %s (the entry is left out)", problem)
    return calendar


# --- hooks ----------------------------------------------------------------------------------


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return [f"{DOMAIN}.reload"]


@hookimpl
async def xiaoqu_setup(hub: Hub, config: Mapping[str, Any] | None) -> None:
    settings = config if config is not None else CONFIG_SCHEMA(None)
    hub.data[_SETTINGS] = settings
    hub.data[DATA_CALENDAR] = await hub.run_in_executor(_build, hub, settings)
    hub.services.register(DOMAIN, "reload", _reload, description=(
        "Read holidays.yaml again after it was edited; with a mistake in it the calendar stays as it was."
    ))


async def _reload(call: ServiceCall) -> None:
    hub = call.hub
    settings = hub.data.get(_SETTINGS) or CONFIG_SCHEMA(None)
    fresh = await hub.run_in_executor(SiteCalendar.from_hub, hub, settings["weekend"], settings["holidays_file"])
    errors = [p for p in fresh.problems if p.severity == "error"]
    if errors:
        for problem in errors:
            _LOGGER.error("Holiday file: %s", problem)
        more = f" (and {len(errors) - 1} more, see the log)" if len(errors) > 1 else ""
        raise ServiceValidationError(f"the calendar was not reloaded: {errors[0]}{more}")
    hub.data[DATA_CALENDAR] = fresh
    _LOGGER.info("Site calendar reloaded: holidays for %s", sorted(fresh.years))


@hookimpl
def xiaoqu_template_helpers(hub: Hub) -> dict[str, Callable[..., Any]]:
    return template_helpers(hub)


@hookimpl
def xiaoqu_automation_conditions(hub: Hub) -> dict[str, Any]:
    return {"workday": WorkdayCondition()}


# --- templates ------------------------------------------------------------------------------


def template_helpers(hub: Hub) -> dict[str, Callable[..., Any]]:
    """``is_workday()``, ``is_holiday()``, ``holiday_name()``, ``next_workday()``,
    ``add_workdays()``, ``workdays_between()`` and ``workday_reason()``; a day left out is today."""
    from xiaoqu.core.template.info import record_time

    def day_of(value: Any) -> Any:
        if value is None:
            record_time()
            return hub.clock.now()
        return value

    def is_workday(day: Any = None) -> bool:
        return get_calendar(hub).is_workday(day_of(day))

    def is_holiday(day: Any = None) -> bool:
        return get_calendar(hub).is_holiday(day_of(day))

    def holiday_name(day: Any = None) -> str | None:
        return get_calendar(hub).holiday_name(day_of(day))

    def workday_reason(day: Any = None) -> str:
        return get_calendar(hub).reason(day_of(day))

    def next_workday(day: Any = None, n: int = 1) -> date:
        return get_calendar(hub).next_workday(day_of(day), n)

    def add_workdays(moment: Any, n: int) -> date | datetime:
        return get_calendar(hub).add_workdays(day_of(moment), n)

    def workdays_between(start: Any, end: Any = None) -> int:
        return get_calendar(hub).workdays_between(day_of(start), day_of(end))

    return {
        "is_workday": is_workday,
        "is_holiday": is_holiday,
        "holiday_name": holiday_name,
        "workday_reason": workday_reason,
        "next_workday": next_workday,
        "add_workdays": add_workdays,
        "workdays_between": workdays_between,
    }


# --- the automation condition -------------------------------------------------------------------


class WorkdayCondition:
    """``condition: workday``: today (or ``days_offset`` days from today) is a working day.

    ``working: false`` asks for a day off instead::

        conditions:
          - condition: workday                 # today is a working day
          - condition: workday
            days_offset: 1                     # and tomorrow is one too
          - condition: workday
            working: false                     # today is a weekend day or a holiday
    """

    schema = vol.Schema({
        vol.Required("condition"): "workday",
        vol.Optional("working", default=True): boolean,
        vol.Optional("days_offset", default=0): vol.All(vol.Coerce(int), vol.Range(min=-366, max=366)),
    })

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
        return workday_condition(hub, config)


def workday_condition(hub: Hub, config: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """The check for one validated ``workday`` condition: ``check(variables) -> bool``.

    Reads the hub's clock at each check (site time zone), and notes the day and the reason
    in the automation's trace.
    """
    wanted = config.get("working", True)
    offset = timedelta(days=config.get("days_offset", 0))

    def check(_variables: Mapping[str, Any]) -> bool:
        from xiaoqu.core.automation.trace import record

        calendar = get_calendar(hub)
        day = hub.clock.now().date() + offset
        working = calendar.is_workday(day)
        record(day=day.isoformat(), workday=working, reason=calendar.reason(day))
        return working == wanted

    return check
