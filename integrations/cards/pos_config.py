"""The ``pos:`` part of the ``cards:`` section: terminals, meal periods, limits and discounts.

    cards:
      pos:
        terminals:
          - {id: canteen_1, name: 食堂一号窗口, kind: canteen}
          - {id: shop_1, name: 便利店, kind: shop}            # sells at list price
        meal_periods:                                       # the site's local time
          breakfast: "06:00-09:30"
          lunch: "10:30-13:30"
          dinner: "16:30-19:30"
        limits:                                             # fen, per card class
          staff: {lunch: 3000, dinner: 3000, daily: 8000}
          resident: {daily: 50000}
        discounts: {staff: 20}                              # percent off, per card class

A meal period's limit counts a card's canteen charges inside that window of the day; ``daily``
counts every POS charge of the card on the site's date. A canteen gives the card class's
discount; a shop sells at list price unless its terminal says ``discount: true``. Limits and
discounts are figures the office sets: a class without an entry has no limit and no discount.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any, Final

from xiaoqu.core.validation import boolean, fen, name, slug, string, time_of_day, vol

CANTEEN: Final = "canteen"
SHOP: Final = "shop"
#: The limit that counts every charge of the site's day, whatever the period.
DAILY: Final = "daily"
_TERMINAL_ID: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,64}$", msg="expected a terminal id: letters, digits, _, -"))


@dataclass(frozen=True, slots=True)
class Terminal:
    """A configured POS terminal."""

    id: str
    name: str
    kind: str
    discount: bool  # whether the card class's discount applies here


@dataclass(frozen=True, slots=True)
class MealPeriod:
    """A window of the day, ``start <= t < end`` in the site's local time."""

    name: str
    start: time
    end: time

    def holds(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class PosConfig:
    terminals: dict[str, Terminal] = field(default_factory=dict)
    periods: tuple[MealPeriod, ...] = ()
    limits: dict[str, dict[str, int]] = field(default_factory=dict)  # card class -> period or daily -> fen
    discounts: dict[str, int] = field(default_factory=dict)  # card class -> percent off

    @classmethod
    def of(cls, section: dict[str, Any]) -> PosConfig:
        """From the validated ``pos:`` section."""
        terminals = {
            item["id"]: Terminal(item["id"], item.get("name", item["id"]), item["kind"],
                                 item.get("discount", item["kind"] == CANTEEN))
            for item in section.get("terminals", [])
        }
        periods = tuple(sorted((MealPeriod(period, *window) for period, window in section.get("meal_periods", {}).items()),
                               key=lambda period: period.start))
        return cls(terminals, periods, section.get("limits", {}), section.get("discounts", {}))


def _window(value: Any) -> tuple[time, time]:
    """``"10:30-13:30"``: a window inside one day."""
    start_text, dash, end_text = string(value).partition("-")
    if not dash:
        raise vol.Invalid("expected a window like '10:30-13:30'")
    start, end = time_of_day(start_text.strip()), time_of_day(end_text.strip())
    if end <= start:
        raise vol.Invalid("a meal period ends after it starts, within the day")
    return start, end


def _periods(value: Any) -> dict[str, tuple[time, time]]:
    periods = vol.Schema({slug: _window})(value)
    if DAILY in periods:
        raise vol.Invalid(f"'{DAILY}' names the day's limit, not a meal period")
    ordered = sorted(periods.items(), key=lambda item: item[1][0])
    for (first, (_start, end)), (second, (start, _end)) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise vol.Invalid(f"meal periods {first} and {second} overlap")
    return periods


def _unique_terminals(terminals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for terminal in terminals:
        if terminal["id"] in seen:
            raise vol.Invalid(f"terminal {terminal['id']} is listed twice")
        seen.add(terminal["id"])
    return terminals


def _limits_name_periods(section: dict[str, Any]) -> dict[str, Any]:
    periods = set(section.get("meal_periods", {})) | {DAILY}
    for card_class, limits in section.get("limits", {}).items():
        unknown = sorted(set(limits) - periods)
        if unknown:
            raise vol.Invalid(f"limits: {card_class}: {', '.join(unknown)} is not a meal period nor '{DAILY}'")
    return section


_PERCENT: Final = vol.All(vol.Coerce(int), vol.Range(min=0, max=100, msg="a discount is 0 to 100 percent"))

POS_SCHEMA: Final = vol.All(
    vol.Schema({
        vol.Optional("terminals", default=list): vol.All([vol.Schema({
            vol.Required("id"): _TERMINAL_ID,
            vol.Optional("name"): name,
            vol.Required("kind"): vol.In((CANTEEN, SHOP)),
            vol.Optional("discount"): boolean,
        })], _unique_terminals),
        vol.Optional("meal_periods", default=dict): _periods,
        vol.Optional("limits", default=dict): {slug: {slug: fen}},
        vol.Optional("discounts", default=dict): {slug: _PERCENT},
    }),
    _limits_name_periods,
)
