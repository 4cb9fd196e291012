"""Meal periods and the limits per card class: what a card has spent, and whether it may spend more.

A canteen charge falls in the meal period whose window holds its moment (the site's local
time); its period's limit and the day's limit of the card's class both bound it. Spending is
counted per card and site date in memory, from the ledger's POS charges of the day at start
and from each charge as it is decided. A charge *reserves* its amount before it goes to the
ledger and *releases* it when the ledger refuses it, so two terminals charging one card at
the same moment cannot both slip under a limit. A refund does not give the limit back: the
meal was served.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from xiaoqu.core.money import yuan

from .pos_config import DAILY, MealPeriod


@dataclass(frozen=True, slots=True)
class OverLimit:
    """Why a charge is refused: which limit, and the figures."""

    limit: str  # a meal period's name or ``daily``
    limit_fen: int
    spent_fen: int
    asked_fen: int

    def __str__(self) -> str:
        return (f"{self.limit} limit {yuan(self.limit_fen)} reached ({yuan(self.spent_fen)} spent, "
                f"{yuan(self.asked_fen)} asked)")


def period_at(periods: tuple[MealPeriod, ...], moment: datetime) -> str | None:
    """The meal period holding ``moment`` (local time), or None between meals."""
    clock = moment.time()
    return next((period.name for period in periods if period.holds(clock)), None)


class Spending:
    """Each card's spending per site date: by meal period and in all."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._spent: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))

    def spent(self, card: str, day: date) -> dict[str, int]:
        """``{period or daily: fen}`` of ``card`` on ``day``."""
        return dict(self._spent[card]) if day == self._day and card in self._spent else {}

    def check(self, limits: dict[str, int], card: str, day: date, period: str | None, amount_fen: int) -> OverLimit | None:
        """The first limit ``amount_fen`` more would pass (the period's, then the day's), or None."""
        spent = self.spent(card, day)
        for limit in (period, DAILY):
            if limit is None or limit not in limits:
                continue
            already = spent.get(limit, 0)
            if already + amount_fen > limits[limit]:
                return OverLimit(limit, limits[limit], already, amount_fen)
        return None

    def reserve(self, card: str, day: date, period: str | None, amount_fen: int) -> None:
        """Count ``amount_fen`` against ``card`` on ``day`` (a day before the one counted is not kept)."""
        if day != self._day:
            if self._day is not None and day < self._day:
                return
            self._day = day
            self._spent.clear()
        counts = self._spent[card]
        counts[DAILY] += amount_fen
        if period is not None:
            counts[period] += amount_fen

    def release(self, card: str, day: date, period: str | None, amount_fen: int) -> None:
        """Take back a reservation the ledger refused."""
        if day == self._day:
            self.reserve(card, day, period, -amount_fen)
