"""The emergency supplies (extinguishers, torches, first-aid kits, sandbags) and their expiry.

Each supply with an expiry date is checked when the hub starts and every day after: from
``remind_days`` before it expires (its own, else the section's), ``emergency.supply_expiring``
fires once for that expiry date (``supply``, ``name``, ``location``, ``expires``, ``days`` left,
negative when already past), remembered in the store so a restart does not repeat it. A new
date in the config is a new expiry and is reminded of again.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tinydb import Query

from .const import EVENT_SUPPLY_EXPIRING

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.storage import Table

#: Seconds between checks (a day).
CHECK_EVERY = 86_400.0


def days_left(expires: str, today: date) -> int:
    return (date.fromisoformat(expires) - today).days


class Supplies:
    def __init__(self, hub: Hub, items: list[dict[str, Any]], remind_days: int, reminded: Table) -> None:
        self.hub = hub
        self.items = items
        self.remind_days = remind_days
        self._reminded = reminded
        self._timer: TimerHandle | None = None

    def today(self) -> date:
        return datetime.fromtimestamp(self.hub.clock.time(), self.hub.clock.tz).date()

    def rows(self) -> list[dict[str, Any]]:
        """Every supply with its days left and whether it is due for renewal, soonest first."""
        today = self.today()
        rows = []
        for item in self.items:
            left = days_left(item["expires"], today) if item.get("expires") else None
            window = item.get("remind_days", self.remind_days)
            rows.append({**item, "days_left": left, "reminded": left is not None and self._was_reminded(item),
                         "status": "none" if left is None else "expired" if left < 0 else
                         "due" if left <= window else "ok"})
        return sorted(rows, key=lambda r: (r["days_left"] is None, r["days_left"] or 0))

    def _was_reminded(self, item: dict[str, Any]) -> bool:
        key = Query()
        return self._reminded.contains((key.supply == item["id"]) & (key.expires == item["expires"]))

    async def check(self) -> list[dict[str, Any]]:
        """Fire the reminders due today (once per supply and expiry date); the ones fired."""
        fired = []
        for row in self.rows():
            if row["status"] not in ("due", "expired"):
                continue
            if row["reminded"]:
                continue
            await self._reminded.insert({"supply": row["id"], "expires": row["expires"]})
            data = {"supply": row["id"], "name": row["name"], "location": row.get("location"),
                    "quantity": row["quantity"], "expires": row["expires"], "days": row["days_left"]}
            self.hub.bus.fire(EVENT_SUPPLY_EXPIRING, data)
            fired.append(data)
        return fired

    def start(self) -> None:
        self.hub.create_task(self._daily(), name="emergency supplies")

    async def _daily(self) -> None:
        await self.check()
        self._timer = self.hub.clock.call_later(CHECK_EVERY, self.start)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

