"""What a session owes when the car reaches an exit, and why, line by line.

- A resident's car (on its household's space, or where the lot lets residents' cars park
  free) is never charged.
- A pass holder or a visitor is charged only for the time after the pass or the permission
  ended (the stay is priced by the lot's tariff as if it began then, free minutes and all);
  a pass renewed meanwhile counts as renewed.
- A temporary car is charged by the lot's tariff from its entry (``tariff.py``).
- **Paid in advance.** When the payments made reached the fee of the stay up to a moment
  (``paid_through``), a car that leaves within the lot's ``grace_minutes`` after it owes that
  fee, not the fee up to its exit (the minutes walking back to the car are not charged).
- **No entry on record** (an exit matched to no car inside, docs/parking.md): a car with a
  space, a pass or a permission in force leaves free; any other pays the lot's
  ``unmatched_fee_fen``, else the tariff's fee for a stay of ``unmatched_hours`` ending now
  (24 h by default: a day's fee, which a daily cap bounds). The first quote stands.
- **The clock reads before the entry** (set back by an NTP correction after the car came in)
  for a car charged from its entry: the stay cannot be measured, so it is charged as a car
  with no entry on record, the clock named in the first line; it never leaves free for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from xiaoqu.core.money import yuan

from .const import PASS, RESIDENT, VISITOR
from .models import Lot, MonthlyPass, Session
from .tariff import Fee


@dataclass(frozen=True, slots=True)
class Quote:
    fee_fen: int
    lines: list[str]


def _when(instant: float, tz: tzinfo) -> str:
    return f"{datetime.fromtimestamp(instant, tz):%Y-%m-%d %H:%M}"


def _priced(lot: Lot, start: float, end: float, tz: tzinfo) -> Fee:
    return lot.fee(datetime.fromtimestamp(start, tz), datetime.fromtimestamp(end, tz))


def charged_from(session: Session, monthly: MonthlyPass | None) -> float | None:
    """From when ``session`` is charged (None: never), a renewed pass counted."""
    if session.kind == PASS and monthly is not None:
        return max(monthly.until, session.charge_from or monthly.until)
    return session.charge_from


def quote(session: Session, lot: Lot, now: float, tz: tzinfo, monthly: MonthlyPass | None = None) -> Quote:
    """What ``session`` owes if it leaves at ``now`` (see the module docstring)."""
    if session.entered_at is None and session.fee_fen is not None:
        return Quote(session.fee_fen, session.explanation)  # no entry on record: its first quote stands
    start = charged_from(session, monthly)
    if start is None:
        why = "a resident's car" if session.kind == RESIDENT else "no end to its permission"
        return Quote(0, [session.reason, f"{why}: not charged"])
    begin = max(start, session.entered_at) if session.entered_at is not None else start
    if session.paid_through is not None and now - session.paid_through <= lot.grace_minutes * 60:
        paid_then = _priced(lot, begin, max(begin, session.paid_through), tz)
        if session.paid_fen >= paid_then.fen:
            return Quote(paid_then.fen, [*paid_then.lines, f"paid {yuan(session.paid_fen)} by "
                                         f"{_when(session.paid_through, tz)}; left within the {lot.grace_minutes} min "
                                         "grace after it: charged the stay until then"])
    if session.entered_at is not None and start <= session.entered_at and now < session.entered_at:
        unmeasured = unmatched(lot, now, tz)
        return Quote(unmeasured.fee_fen, [f"the hub's clock ({_when(now, tz)}) reads before the entry "
                                          f"({_when(session.entered_at, tz)}): the stay cannot be measured",
                                          *unmeasured.lines])
    if now <= begin:
        what = "pass" if session.kind == PASS else "permission"
        return Quote(0, [session.reason, f"its {what} runs until {_when(begin, tz)}: not charged"])
    fee = _priced(lot, begin, now, tz)
    lines = list(fee.lines)
    if session.kind in (PASS, VISITOR):
        what = "pass" if session.kind == PASS else "permission"
        lines.insert(0, f"its {what} ended {_when(begin, tz)}: charged from then")
    return Quote(fee.fen, lines)


def unmatched(lot: Lot, now: float, tz: tzinfo) -> Quote:
    """A car leaving with no entry on record, with no space, pass or permission in force."""
    if lot.unmatched_fee_fen is not None:
        return Quote(lot.unmatched_fee_fen, [f"no entry on record: lot {lot.id} charges {yuan(lot.unmatched_fee_fen)} "
                                             "for a car leaving with no entry"])
    hours = lot.unmatched_hours
    start = now - timedelta(hours=hours).total_seconds()
    fee = _priced(lot, start, now, tz)
    return Quote(fee.fen, [f"no entry on record: charged as a stay of {hours} h ending now", *fee.lines])
