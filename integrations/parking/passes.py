"""Monthly passes (月卡): a plate parks in a lot until a day, and is reminded before it ends.

A pass is valid to the end of its ``until`` day (or to its time, when one is given). Each day
at 09:00, and when the hub starts, a pass ending within ``pass_reminder_days`` fires
``parking_pass_expiring`` once (an automation tells the holder: notify, SMS); that it was
sent is kept in ``parking.db`` so a restart does not repeat it. A pass renewed (a later
``until``) is reminded again before its new end.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.masking import mask_plate

from .const import EVENT_PASS_EXPIRING
from .models import MonthlyPass

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .store import ParkingStore

_LOGGER = logging.getLogger(__package__)
#: When the day's reminders go out.
REMIND_AT: Final = time(9, 0)


def passes_from(config: Iterable[dict[str, Any]], tz: tzinfo) -> dict[tuple[str, str], MonthlyPass]:
    """The configured passes by (plate, lot); a naive ``until`` is the site's time."""
    found = {}
    for item in config:
        until = item["until"] if item["until"].tzinfo is not None else item["until"].replace(tzinfo=tz)
        found[(item["plate"], item["lot"])] = MonthlyPass(item["plate"], item["lot"], until.timestamp(),
                                                          item.get("name"))
    return found


class Reminders:
    def __init__(self, hub: Hub, passes: Iterable[MonthlyPass], days: int, store: ParkingStore,
                 sent: Iterable[str]) -> None:
        self.hub = hub
        self.passes = list(passes)
        self.days = days
        self.store = store
        self.sent = set(sent)

    @staticmethod
    def key(card: MonthlyPass) -> str:
        return f"{card.plate}|{card.lot}|{int(card.until)}"

    def due(self, now: float) -> list[MonthlyPass]:
        """Passes ending within the reminder days that were not reminded yet."""
        horizon = now + self.days * 86_400
        return [card for card in self.passes if now < card.until <= horizon and self.key(card) not in self.sent]

    async def remind(self) -> int:
        """Fire ``parking_pass_expiring`` for each pass due; how many."""
        now = self.hub.clock.time()
        tz = self.hub.clock.tz
        cards = self.due(now)
        for card in cards:
            self.sent.add(self.key(card))
            ends = datetime.fromtimestamp(card.until, tz)
            days_left = (ends.date() - datetime.fromtimestamp(now, tz).date()).days
            self.hub.bus.fire(EVENT_PASS_EXPIRING, {"plate_masked": mask_plate(card.plate), "lot": card.lot,
                                                    "until": ends.isoformat(), "days_left": days_left, "name": card.name})
            _LOGGER.info("Parking: the monthly pass of %s for lot %s ends %s (%d days)", mask_plate(card.plate), card.lot,
                         f"{ends:%Y-%m-%d %H:%M}", days_left)
            await self.store.save_reminder(self.key(card), {"at": now})
        return len(cards)

    def next_run(self, now: float) -> float:
        """The next 09:00 in the site's zone after ``now``."""
        local = datetime.fromtimestamp(now, self.hub.clock.tz)
        run = datetime.combine(local.date(), REMIND_AT, tzinfo=self.hub.clock.tz)
        if run.timestamp() <= now:
            run = datetime.combine(local.date() + timedelta(days=1), REMIND_AT, tzinfo=self.hub.clock.tz)
        return run.timestamp()
