"""The temporary-parking tariff: what a stay costs, in integer fen, and why, line by line.

Pure: no hub, no clock, no I/O; ``Tariff.from_config(section).fee(entered, exited)`` is all
there is, so the gate, ``parking.fee``, the docs' worked examples and a property test all ask
the one function. docs/parking.md ("Tariff") is the guide for staff; its worked examples are
tests (tests/integrations/parking/test_tariff.py parses them from the page).

The rules, in the order they apply:

1. **Minutes.** Entry and exit are taken to the minute (seconds dropped), as the receipt shows
   them. Both must be aware datetimes; they may be in any zone and are worked in the tariff's.
2. **Free minutes.** A stay of at most ``free_minutes`` costs nothing. Beyond it,
   ``free_minutes_included: true`` (the default, the common "超时从入场计费") charges from
   entry; ``false`` charges only the time after the free minutes.
3. **Stretches.** The charged time is cut where the night window (``night: start/end``, local
   wall-clock times, possibly across midnight) begins and ends; each stretch is priced on its
   own: a day stretch at ``price_fen`` per started ``period_minutes``, a night stretch at the
   night's price per started period (``per: period``) or once per night (``per: night``).
4. **Rounding.** Periods are counted from a stretch's start; its last, unfinished period is
   charged in full when it lasted at least ``round_up_from_minutes`` (0, the default: any
   started period), otherwise not at all.
5. **Daily cap.** Each charge belongs to the day its period (or its night) starts in: the
   calendar day in the site's zone (``cap_day: calendar``) or the 24 hours counted from entry
   (``cap_day: 24h``). A day's charges above ``daily_cap_fen`` are cut to it.

Clock changes cannot move a fee: every duration is measured between instants (in UTC), and
only the window edges and calendar days are read in the site's zone. A stay across a
daylight-saving change pays for the hours that really passed.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from xiaoqu.core.money import yuan
from xiaoqu.core.validation import boolean, fen, humanize_error, name, time_of_day, time_zone, vol

__all__ = ["CAP_DAYS", "NIGHT_PER", "TARIFF_SCHEMA", "Fee", "Night", "Tariff", "TariffError", "yuan"]

CALENDAR: Final = "calendar"
FROM_ENTRY: Final = "24h"
CAP_DAYS: Final = (CALENDAR, FROM_ENTRY)
PER_NIGHT: Final = "night"
PER_PERIOD: Final = "period"
NIGHT_PER: Final = (PER_NIGHT, PER_PERIOD)
DAY: Final = timedelta(days=1)
MINUTE: Final = timedelta(minutes=1)
MAX_MINUTES: Final = 24 * 60
_NEVER: Final = datetime.max.replace(tzinfo=UTC)


class TariffError(ValueError):
    """A tariff's config that cannot be used, or a stay that cannot be priced; says why."""


def _minutes(low: int, high: int) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise vol.Invalid(f"expected a whole number of minutes from {low} to {high}")
        return value

    return check


_NIGHT: Final = vol.Schema({
    vol.Required("start"): time_of_day,
    vol.Required("end"): time_of_day,
    vol.Required("price_fen"): fen,
    vol.Optional("per", default=PER_NIGHT): vol.In(NIGHT_PER, msg=f"expected one of {', '.join(NIGHT_PER)}"),
    vol.Optional("period_minutes"): _minutes(1, MAX_MINUTES),
})


def _checked(section: dict[str, Any]) -> dict[str, Any]:
    """What the fields cannot say alone: the ones that only mean something together."""
    errors = []
    period = section["period_minutes"]
    night = section.get("night")
    if section["round_up_from_minutes"] >= period:
        errors.append(vol.Invalid(f"must be less than period_minutes ({period}): a whole period is always charged",
                                  path=["round_up_from_minutes"]))
    if "cap_day" in section and "daily_cap_fen" not in section:
        errors.append(vol.Invalid("cap_day needs daily_cap_fen beside it", path=["cap_day"]))
    if night is not None:
        if night["start"] == night["end"]:
            errors.append(vol.Invalid("the night window starts and ends at the same time; give two times, or leave "
                                      "night out", path=["night", "end"]))
        if "period_minutes" in night and night["per"] != PER_PERIOD:
            errors.append(vol.Invalid("period_minutes is for a night priced per period (per: period)",
                                      path=["night", "period_minutes"]))
        elif section["round_up_from_minutes"] >= night.get("period_minutes", period):
            errors.append(vol.Invalid("must be less than the night's period_minutes", path=["round_up_from_minutes"]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return section


#: A tariff's section of config.yaml (parking's lots embed it); docs/parking.md explains each key.
TARIFF_SCHEMA: Final = vol.All(
    vol.Schema({
        vol.Optional("name", default="temporary"): name,
        vol.Optional("time_zone"): time_zone,
        vol.Optional("free_minutes", default=0): _minutes(0, MAX_MINUTES),
        vol.Optional("free_minutes_included", default=True): boolean,
        vol.Required("price_fen"): fen,
        vol.Optional("period_minutes", default=60): _minutes(1, MAX_MINUTES),
        vol.Optional("round_up_from_minutes", default=0): _minutes(0, MAX_MINUTES),
        vol.Optional("daily_cap_fen"): fen,
        vol.Optional("cap_day"): vol.In(CAP_DAYS, msg=f"expected one of {', '.join(CAP_DAYS)}"),
        vol.Optional("night"): _NIGHT,
    }),
    _checked,
)




def duration(span: timedelta) -> str:
    """``2 h 10 min``, ``45 min``, ``26 h``: whole minutes (times are taken to the minute)."""
    hours, minutes = divmod(int(span // MINUTE), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _period(span: timedelta) -> str:
    """``hour`` or ``30 min``: how a rule names its period."""
    return "hour" if span == timedelta(hours=1) else duration(span)


@dataclass(frozen=True, slots=True)
class Fee:
    """What a stay costs: ``fen``, each figure with why (``lines``) and the tariff (``rule``)."""

    fen: int
    lines: list[str]
    rule: str

    @property
    def explanation(self) -> str:
        """The lines, one per line of text (``parking.fee``'s ``explanation``)."""
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class Night:
    """The night window: local wall-clock ``start`` to ``end`` (across midnight when end ≤ start)."""

    start: time
    end: time
    price_fen: int
    per: Literal["night", "period"]
    period: timedelta

    def instances(self, first: date, last: date, tz: tzinfo) -> Iterator[tuple[datetime, datetime]]:
        """Each night from the one starting on the day before ``first`` to the one starting on
        ``last``, as instants in UTC."""
        overnight = timedelta(days=1 if self.end <= self.start else 0)
        day = first - DAY
        while day <= last:
            yield _instant(day, self.start, tz), _instant(day + overnight, self.end, tz)
            day += DAY


@dataclass(frozen=True, slots=True)
class _Charge:
    """One line's figure: its first instant decides the day whose cap it counts toward."""

    start: datetime
    fen: int
    line: str


@dataclass(frozen=True, slots=True)
class _Rate:
    """A price per started period, under the rounding rule."""

    label: str  # "day rate", "night rate", or "" when there is no night
    price_fen: int
    period: timedelta
    round_up_from: timedelta

    def periods(self, span: timedelta) -> int:
        whole, rest = divmod(span, self.period)
        return whole + (1 if rest and rest >= self.round_up_from else 0)

    def amount(self, count: int) -> str:
        """``2 h × ¥3.00`` or ``3 × 30 min × ¥1.50``."""
        if self.period == timedelta(hours=1):
            return f"{count} h × {yuan(self.price_fen)}"
        return f"{count} × {duration(self.period)} × {yuan(self.price_fen)}"


@dataclass(frozen=True, slots=True)
class Tariff:
    """A lot's temporary-parking tariff; :meth:`fee` prices a stay. Build it with :meth:`from_config`."""

    name: str
    tz: tzinfo
    free: timedelta
    free_included: bool
    day: _Rate
    night: Night | None
    night_rate: _Rate | None
    cap_fen: int | None
    cap_day: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any], tz: tzinfo | str | None = None) -> Tariff:
        """The tariff ``config`` describes (see :data:`TARIFF_SCHEMA`), in the zone ``tz`` (the
        site's: ``hub.clock.tz``) or the section's ``time_zone``; :class:`TariffError` says
        what is wrong."""
        try:
            section = TARIFF_SCHEMA(dict(config))
        except vol.Invalid as err:
            raise TariffError(f"tariff: {humanize_error(config, err)}") from None
        zone = tz if tz is not None else section.get("time_zone")
        if zone is None:
            raise TariffError("tariff: no time zone; pass the site's (hub.clock.tz) or set time_zone")
        round_up_from = timedelta(minutes=section["round_up_from_minutes"])
        period = timedelta(minutes=section["period_minutes"])
        night = night_rate = None
        if (spec := section.get("night")) is not None:
            night_period = timedelta(minutes=spec.get("period_minutes", section["period_minutes"]))
            night = Night(spec["start"], spec["end"], spec["price_fen"], spec["per"], night_period)
            if night.per == PER_PERIOD:
                night_rate = _Rate("night rate", night.price_fen, night_period, round_up_from)
        return cls(
            name=section["name"],
            tz=ZoneInfo(zone) if isinstance(zone, str) else zone,
            free=timedelta(minutes=section["free_minutes"]),
            free_included=section["free_minutes_included"],
            day=_Rate("day rate" if night else "", section["price_fen"], period, round_up_from),
            night=night,
            night_rate=night_rate,
            cap_fen=section.get("daily_cap_fen"),
            cap_day=section.get("cap_day", CALENDAR),
        )

    @property
    def rule(self) -> str:
        """The tariff in one sentence, as every :class:`Fee` and gate decision names it."""
        parts = []
        if self.free:
            beyond = "beyond them, charged from entry" if self.free_included else "beyond them, only the time after"
            parts.append(f"{duration(self.free)} free ({beyond})")
        day = "day " if self.night else ""
        parts.append(f"{day}{yuan(self.day.price_fen)} per started {_period(self.day.period)}")
        if self.day.round_up_from:
            parts.append(f"a last part under {duration(self.day.round_up_from)} not charged")
        if self.night is not None:
            window = f"night {self.night.start:%H:%M}–{self.night.end:%H:%M}"
            per = "per night" if self.night.per == PER_NIGHT else f"per started {_period(self.night.period)}"
            parts.append(f"{window} {yuan(self.night.price_fen)} {per}")
        if self.cap_fen is not None:
            per_day = "per calendar day" if self.cap_day == CALENDAR else "per 24 h from entry"
            parts.append(f"at most {yuan(self.cap_fen)} {per_day}")
        return f"{self.name}: " + "; ".join(parts)

    def fee(self, entered: datetime, exited: datetime) -> Fee:
        """What a stay from ``entered`` to ``exited`` (aware datetimes) costs, and why."""
        start, end = _minute("entered", entered), _minute("exited", exited)
        if end < start:
            raise TariffError(f"exited {exited.isoformat()} is before entered {entered.isoformat()}")
        stay = end - start
        if stay <= self.free:
            within = f"{duration(stay)} within the {duration(self.free)} free" if self.free else "no time parked"
            return Fee(0, [within], self.rule)
        lines, charged_from = [], start
        if self.free_included and self.free:
            lines.append(f"{duration(stay)} is over the {duration(self.free)} free: charged from entry")
        elif self.free:
            charged_from = start + self.free
            lines.append(f"first {duration(self.free)} free")
        span = _Span(self.tz, self._local(start).date() != self._local(end).date())
        days = _Days(self.tz, self.cap_day if self.cap_fen is not None else None, start)
        groups: dict[str, list[_Charge]] = {}
        for charge in self._charges(charged_from, end, span, days):
            groups.setdefault(days.label(charge.start), []).append(charge)
        total = 0
        for label, charges in groups.items():
            subtotal = sum(charge.fen for charge in charges)
            lines += [charge.line for charge in charges]
            if self.cap_fen is not None and subtotal > self.cap_fen:
                lines.append(f"cap {yuan(self.cap_fen)} for {label}: {yuan(subtotal)} → {yuan(self.cap_fen)}")
                subtotal = self.cap_fen
            total += subtotal
        lines.append(f"total {yuan(total)}")
        return Fee(total, lines, self.rule)

    # The stretches and their charges.

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def _stretches(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime, bool]]:
        """``(from, to, is_night)`` covering ``[start, end)``, cut at the night window's edges."""
        if self.night is None:
            yield start, end, False
            return
        cursor = start
        for night_start, night_end in self.night.instances(self._local(start).date(), self._local(end).date(), self.tz):
            lo, hi = max(night_start, cursor), min(night_end, end)
            if lo >= hi:
                continue
            if cursor < lo:
                yield cursor, lo, False
            yield lo, hi, True
            cursor = hi
        if cursor < end:
            yield cursor, end, False

    def _charges(self, start: datetime, end: datetime, span: _Span, days: _Days) -> Iterator[_Charge]:
        for lo, hi, is_night in self._stretches(start, end):
            if is_night and self.night is not None and self.night_rate is None:
                price = self.night.price_fen
                yield _Charge(lo, price, f"{span(lo, hi)} night, flat {yuan(price)} per night = {yuan(price)}")
            else:
                rate = self.night_rate if is_night and self.night_rate is not None else self.day
                yield from _periods(rate, lo, hi, span, days)


def _periods(rate: _Rate, lo: datetime, hi: datetime, span: _Span, days: _Days) -> Iterator[_Charge]:
    """A stretch's started periods, one line per cap day they start in (each day has its cap)."""
    count = rate.periods(hi - lo)
    label = f"{rate.label} " if rate.label else ""
    if count == 0:
        yield _Charge(lo, 0, f"{span(lo, hi)} {label}{duration(hi - lo)}, under {duration(rate.round_up_from)}: "
                             "not charged")
        return
    first = 0
    while first < count:
        part_lo = lo + first * rate.period
        last = min(count, -((lo - days.end(part_lo)) // rate.period))  # the periods starting before that day ends
        part_hi = min(hi, lo + last * rate.period)
        periods = last - first
        exact = part_hi - part_lo == periods * rate.period
        how = rate.amount(periods) if exact else f"{duration(part_hi - part_lo)} → {rate.amount(periods)}"
        amount = periods * rate.price_fen
        yield _Charge(part_lo, amount, f"{span(part_lo, part_hi)} {label}{how} = {yuan(amount)}")
        first = last


@dataclass(frozen=True, slots=True)
class _Days:
    """The days a cap counts over: calendar days in the site's zone, 24 h from entry, or (no
    cap: ``kind`` None) one day that never ends, so no line is cut for nothing."""

    tz: tzinfo
    kind: str | None
    entered: datetime

    def end(self, instant: datetime) -> datetime:
        """The end of the day ``instant`` is in: the next local midnight, or the next 24 h mark."""
        if self.kind is None:
            return _NEVER
        if self.kind == CALENDAR:
            return _instant(instant.astimezone(self.tz).date() + DAY, time(), self.tz)
        return self.entered + ((instant - self.entered) // DAY + 1) * DAY

    def label(self, instant: datetime) -> str:
        """``2026-03-02``, or ``24 h from 03-02 08:00`` (no cap: one day, unnamed)."""
        if self.kind is None:
            return ""
        if self.kind == CALENDAR:
            return instant.astimezone(self.tz).date().isoformat()
        start = self.entered + (instant - self.entered) // DAY * DAY
        return f"24 h from {start.astimezone(self.tz):%m-%d %H:%M}"


@dataclass(frozen=True, slots=True)
class _Span:
    """How a line shows its time span: ``08:00–10:00``, with dates when the stay spans several."""

    tz: tzinfo
    dated: bool

    def __call__(self, lo: datetime, hi: datetime) -> str:
        a, b = lo.astimezone(self.tz), hi.astimezone(self.tz)
        if not self.dated:
            return f"{a:%H:%M}–{b:%H:%M}"
        return f"{a:%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%m-%d %H:%M}–{b:%m-%d %H:%M}"


def _instant(day: date, clock: time, tz: tzinfo) -> datetime:
    """The instant (UTC) a local wall-clock time on ``day`` names in ``tz``; in a daylight-saving
    gap, the wall-clock time as if the change had not happened yet (``fold=0``)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _minute(what: str, moment: datetime) -> datetime:
    """``moment`` in UTC, to the minute; naive times are refused (whose wall clock would they be?)."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise TariffError(f"{what} must be an aware datetime (with its time zone), got {moment!r}")
    return moment.astimezone(UTC).replace(second=0, microsecond=0)
