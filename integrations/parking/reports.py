"""Parking's reports: the cars in a lot now, sessions by day, income by payment method, long stays.

Each is made from parking's own stores, never from a copy: the cars inside from the sessions in
memory (what the gates decide on), the days from every session kept (``parking.db``, dropped
``keep_days`` after the car left), and money only from the ledger (``parking_ledger.db``), so
the income a report shows is what the ledger's method accounts moved in the period, to the fen.
A report says how its figures were made (``explanation``): the rule, the period, the lot.

:func:`build` is what ``parking.report``, ``xiaoqu parking report`` and the dashboard's pages
call. Days are the site's, both ends included. Plates are masked; money is integer fen.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.masking import mask_plate

from .const import (
    DEFAULT_KEEP_DAYS,
    DEFAULT_LONG_STAY_HOURS,
    DOMAIN,
    KINDS,
    LEDGER_KIND,
    LEFT,
    METHOD_ACCOUNT,
    REPORT_KINDS,
    TEMPORARY,
)
from .runtime import get_parking
from .tariff import duration

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .models import Session
    from .parking import Parking

#: The longest period a report covers, in days (a year, a leap year's included).
MAX_DAYS: Final = 366
INSIDE_COLUMNS: Final = ("session_id", "plate", "lot", "kind", "status", "entered_at", "duration", "minutes")
DAY_COLUMNS: Final = ("day", "entries", "exits", "temporary", "paid_fen", "free")
INCOME_COLUMNS: Final = ("method", "count", "amount_fen")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the ``parking:`` section says of reports."""

    long_stay_hours: int = DEFAULT_LONG_STAY_HOURS
    keep_days: int = DEFAULT_KEEP_DAYS


_SETTINGS: Final[HubKey[Settings]] = HubKey(f"{DOMAIN}.reports")


def configure(hub: Hub, config: dict[str, Any]) -> None:
    """Keep the section's ``long_stay_hours`` and ``keep_days`` for the reports."""
    hub.data[_SETTINGS] = Settings(config["long_stay_hours"], config["keep_days"])


@dataclass(frozen=True)
class Report:
    kind: str                      # "inside" | "sessions_by_day" | "income_by_method" | "long_stays"
    columns: tuple[str, ...]       # row keys in order (English snake_case; labels are the page's job)
    rows: list[dict[str, Any]]     # money in *_fen ints, times ISO strings, plates masked
    totals: dict[str, int]         # e.g. {"sessions": 12, "paid_fen": 4500}
    explanation: str               # how the figures were made (the rule, the period)

    def as_dict(self) -> dict[str, Any]:
        """As the service answers it (JSON)."""
        return {**asdict(self), "columns": list(self.columns)}

    def lines(self) -> Iterable[list[Any]]:
        """The rows as a sheet's lines, in the columns' order."""
        return ([row.get(column) for column in self.columns] for row in self.rows)


async def build(hub: Hub, kind: str, *, lot: str | None = None,
                start: date | None = None, end: date | None = None,
                long_stay_hours: int | None = None) -> Report:
    """Report ``kind`` for ``lot`` (every lot when None). ``start``/``end``: the days of
    ``sessions_by_day`` and ``income_by_method``, both included (default: the first of ``end``'s
    month to today); ``inside`` and ``long_stays`` are of now. A wrong argument is a
    :class:`ServiceValidationError` naming it."""
    parking = get_parking(hub)
    settings = hub.data.get(_SETTINGS) or Settings()
    if kind not in REPORT_KINDS:
        raise ServiceValidationError(f"kind: expected one of {', '.join(REPORT_KINDS)}, not {kind!r}")
    if lot is not None and lot not in parking.lots:
        raise ServiceValidationError(f"lot: there is no lot {lot} (the lots: {', '.join(sorted(parking.lots)) or 'none'})")
    if kind in ("inside", "long_stays"):
        hours = settings.long_stay_hours if long_stay_hours is None else long_stay_hours
        if isinstance(hours, bool) or not isinstance(hours, int) or hours < 1:
            raise ServiceValidationError(f"long_stay_hours: expected whole hours from 1, not {hours!r}")
        return _cars(parking, kind, lot, hours if kind == "long_stays" else None)
    first, last = _period(parking, start, end)
    if kind == "income_by_method":
        return await _income(parking, lot, first, last)
    return await _days(parking, lot, first, last, settings.keep_days)


def _period(parking: Parking, start: date | None, end: date | None) -> tuple[date, date]:
    today = parking.hub.clock.now().date()
    last = end or today
    first = start or last.replace(day=1)
    if last < first:
        raise ServiceValidationError(f"end: {last} is before start {first}")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise ServiceValidationError(f"end: {first} to {last} is {days} days; a report covers at most {MAX_DAYS}")
    return first, last


def _midnight(day: date, tz: tzinfo) -> float:
    return datetime.combine(day, time(), tz).timestamp()


def _iso(when: float | None, tz: tzinfo) -> str | None:
    return None if when is None else datetime.fromtimestamp(when, tz).isoformat(timespec="seconds")


def _where(lot: str | None) -> str:
    return f"lot {lot}" if lot is not None else "every lot"


# --- now: the cars inside, the long stays -----------------------------------------------------------


def _cars(parking: Parking, kind: str, lot: str | None, hours: int | None) -> Report:
    """The open sessions (inside, or at an exit lane waiting to pay), oldest entry first; only those
    in for more than ``hours`` when given. Read from memory: at most the lots' capacity."""
    now = parking.hub.clock.time()
    lots = [lot] if lot is not None else sorted(parking.lots)
    found = {s.id: s for lot_id in lots for plate in parking.sessions.plates_inside(lot_id)
             for s in parking.sessions.inside(lot_id, plate)}
    cars = sorted(found.values(), key=lambda s: (s.entered_at is None, s.entered_at or 0, s.id))
    if hours is not None:
        cars = [s for s in cars if s.entered_at is not None and now - s.entered_at > hours * 3600]
    rows = [_car(session, now, parking.tz) for session in cars]
    totals = {"cars": len(rows), **{k: sum(1 for s in cars if s.kind == k) for k in KINDS}}
    stamp = _iso(now, parking.tz)
    if hours is None:
        counted = sum(parking.occupancy[lot_id].occupied for lot_id in lots)
        totals["counted"] = counted
        why = (f"The cars in {_where(lot)} at {stamp}: every session open now (let in and not yet out; "
               f"status at_exit: waiting at an exit lane to pay), oldest entry first, with how long each has "
               f"been in. The lot's own count, which the free-space figure uses, is {counted}: it moves with "
               "the gates and staff's corrections, and a car that left with no entry on record never counted.")
    else:
        why = (f"The cars in {_where(lot)} at {stamp} that have been inside longer than {hours} h "
               f"(entered before {_iso(now - hours * 3600, parking.tz)}), longest first. A car at an exit "
               "with no entry on record is not listed: its stay is not known.")
        rows.reverse()
    return Report(kind, INSIDE_COLUMNS, rows, totals, why)


def _car(session: Session, now: float, tz: tzinfo) -> dict[str, Any]:
    stayed = None if session.entered_at is None else max(0.0, now - session.entered_at)
    return {"session_id": session.id, "plate": mask_plate(session.plate), "lot": session.lot, "kind": session.kind,
            "status": session.status, "entered_at": _iso(session.entered_at, tz),
            "duration": None if stayed is None else duration(timedelta(seconds=stayed)),
            "minutes": None if stayed is None else int(stayed // 60)}


# --- a period: sessions by day, income by method ------------------------------------------------------


async def _payments(parking: Parking, lot: str | None, first: date, last: date) -> list[tuple[float, str, int]]:
    """``(time, method, amount_fen)`` of each payment the ledger took in the days (read in the
    ledger's reader thread, a page at a time); the method and the amount are the method account's
    leg, so these figures are the accounts' own movements."""
    tz = parking.tz
    found = []
    async for posted in parking.books.ledger.transactions(LEDGER_KIND, _midnight(first, tz),
                                                          _midnight(last + timedelta(days=1), tz)):
        if lot is not None and posted.data.get("lot") != lot:
            continue
        for account, amount in posted.legs:
            if account.startswith(METHOD_ACCOUNT):
                found.append((posted.time, account.removeprefix(METHOD_ACCOUNT), -amount))
    return found


async def _income(parking: Parking, lot: str | None, first: date, last: date) -> Report:
    by_method: dict[str, list[int]] = {}
    for _when, method, amount in await _payments(parking, lot, first, last):
        figures = by_method.setdefault(method, [0, 0])
        figures[0] += 1
        figures[1] += amount
    rows: list[dict[str, Any]] = [{"method": method, "count": count, "amount_fen": amount}
                                  for method, (count, amount) in sorted(by_method.items())]
    totals = {"payments": sum(count for count, _amount in by_method.values()),
              "amount_fen": sum(amount for _count, amount in by_method.values())}
    why = (f"Payments toward parking sessions in {_where(lot)} from {first} to {last} (site time, both days "
           "included), by the way they were paid: each is one posting of the parking ledger "
           f"(parking_ledger.db, kind {LEDGER_KIND}) taken in the period, counted once however often its "
           "payment was notified; amount_fen is what the method's account moved, by payment time, "
           "whenever the car came in or left.")
    return Report("income_by_method", INCOME_COLUMNS, rows, totals, why)


async def _days(parking: Parking, lot: str | None, first: date, last: date, keep_days: int) -> Report:
    tz = parking.tz
    sessions = list(parking.sessions.by_id.values())  # the scan below runs off the loop
    payments = await _payments(parking, lot, first, last)
    rows: list[dict[str, Any]] = await parking.hub.run_in_executor(_count_days, sessions, payments, lot, first, last, tz)
    totals: dict[str, int] = {column: sum(int(row[column]) for row in rows) for column in DAY_COLUMNS[1:]}
    kept_from = parking.hub.clock.now().date() - timedelta(days=keep_days)
    kept = (f" Sessions are kept {keep_days} days after the car left: before {kept_from} only the cars still "
            "inside are counted." if first < kept_from else "")
    why = (f"Sessions of {_where(lot)} per day from {first} to {last} (site time): entries are the cars let in "
           "that day; exits the cars that left that day; temporary the temporary cars' sessions begun that day "
           "(or, for a car that left with no entry on record, ended that day); free the exits that owed "
           "nothing (residents on their space, passes, visitors in time, stays within the free minutes); "
           f"paid_fen the payments the parking ledger took that day (kind {LEDGER_KIND}), by payment time, "
           f"whichever day the car came in.{kept}")
    return Report("sessions_by_day", DAY_COLUMNS, rows, totals, why)


def _count_days(sessions: list[Session], payments: list[tuple[float, str, int]], lot: str | None, first: date,
                last: date, tz: tzinfo) -> list[dict[str, Any]]:
    """One row per day (blocking: a walk over every session kept)."""
    rows = {first + timedelta(days=n): dict.fromkeys(DAY_COLUMNS[1:], 0) for n in range((last - first).days + 1)}

    def day_of(when: float | None) -> dict[str, Any] | None:
        return None if when is None else rows.get(datetime.fromtimestamp(when, tz).date())

    for session in sessions:
        if lot is not None and session.lot != lot:
            continue
        entered = day_of(session.entered_at)
        exited = day_of(session.exited_at) if session.status == LEFT else None
        if entered is not None:
            entered["entries"] += 1
        if exited is not None:
            exited["exits"] += 1
            exited["free"] += not session.fee_fen
        begun = entered if session.entered_at is not None else exited
        if begun is not None and session.kind == TEMPORARY:
            begun["temporary"] += 1
    for when, _method, amount in payments:
        paid = day_of(when)
        if paid is not None:
            paid["paid_fen"] += amount
    return [{"day": day.isoformat(), **figures} for day, figures in rows.items()]
