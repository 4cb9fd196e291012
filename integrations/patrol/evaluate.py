"""One round of a route: each checkpoint's verdict with the rule and figures behind it.

For each stop the expected time is the round's start plus the stop's offset. The scan of that
checkpoint closest to it within the route's limits is the stop's scan (a scan serves one stop):

- ``on_time``: within the tolerance either side;
- ``early`` / ``late``: beyond the tolerance, up to the route's early (late) limit;
- ``missed``: no scan within the limits once they have passed (``pending`` before);
- ``out_of_order``: on an ordered route, scanned before the stop ahead of it was.

A scan by one of the route's patrollers' wands, inside the round's window, of a checkpoint
the route does not have is listed as ``unknown_checkpoint``. The round's status is its worst
checkpoint's: ``open`` while a stop may still be scanned, then ``missed`` (nothing scanned),
``incomplete``, ``out_of_order``, ``late``, ``early``, ``on_time``. A time read from a wand
whose clock was off says so, with the correction, in the stop's ``why``.
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .const import (
    EARLY,
    INCOMPLETE,
    LATE,
    MISSED,
    ON_TIME,
    OPEN,
    OUT_OF_ORDER,
    PENDING,
    UNKNOWN_CHECKPOINT,
)
from .model import Route, Stop
from .scans import Scan, ScanIndex, Series

#: A round's statuses, worst first: the round takes the first its checkpoints have.
ROUND_ORDER = (MISSED, INCOMPLETE, OUT_OF_ORDER, LATE, EARLY, ON_TIME)


def _hm(at: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%H:%M")


def _min(seconds: float) -> int:
    return round(abs(seconds) / 60)


@dataclass(slots=True)
class CheckpointResult:
    """A stop's verdict and the figures behind it; the sentence (``why``) is written when asked for."""

    checkpoint: str
    status: str
    expected: float | None
    scan: Scan | None
    route: Route
    stop: Stop | None = None
    #: For ``out_of_order``: the stop ahead of it that was scanned later.
    before: CheckpointResult | None = None

    @property
    def scanned_at(self) -> float | None:
        return None if self.scan is None else self.scan.at

    def why(self, tz: tzinfo) -> str:
        route, stop, scan = self.route, self.stop, self.scan
        if stop is None or self.expected is None:
            assert scan is not None
            return (f"{scan.checkpoint} is not on route {route.id}; scanned by {scan.wand} at "
                    f"{_hm(scan.at, tz)}{_clock_note(scan, tz)}")
        expected = self.expected
        head = (f"expected {_hm(expected, tz)} (±{_min(stop.tolerance)} min on time, early up to "
                f"{_min(route.early_limit)}, late up to {_min(route.late_limit)})")
        if scan is None:
            until = expected + route.late_limit
            if self.status == PENDING:
                return f"{head}; not scanned yet, counts until {_hm(until, tz)}"
            return f"{head}; no scan from {_hm(expected - route.early_limit, tz)} to {_hm(until, tz)}"
        note = _clock_note(scan, tz)
        if self.before is not None and self.before.scan is not None:
            return (f"{head}; scanned {_hm(scan.at, tz)}, before {self.before.checkpoint} at "
                    f"{_hm(self.before.scan.at, tz)}: the route is walked in order{note}")
        off = scan.at - expected
        word = "off" if self.status == ON_TIME else ("early" if off < 0 else "late")
        return f"{head}; scanned {_hm(scan.at, tz)}, {_min(off)} min {word}{note}"

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        data: dict[str, Any] = {
            "checkpoint": self.checkpoint, "status": self.status,
            "scanned_at": None if self.scan is None else datetime.fromtimestamp(self.scan.at, tz).isoformat(),
            "expected": None if self.expected is None else datetime.fromtimestamp(self.expected, tz).isoformat(),
            "why": self.why(tz),
        }
        if self.stop is not None:
            data.update(tolerance_minutes=_min(self.stop.tolerance), early_limit_minutes=_min(self.route.early_limit),
                        late_limit_minutes=_min(self.route.late_limit))
        if self.scan is not None:
            data["wand"] = self.scan.wand
            if self.scan.offset:
                data["clock_offset_seconds"] = round(self.scan.offset, 3)
                data["wand_time"] = datetime.fromtimestamp(self.scan.device_at, tz).isoformat()
        return data


@dataclass(slots=True)
class RoundResult:
    route: str
    start: float
    end: float
    status: str = ON_TIME
    checkpoints: list[CheckpointResult] = field(default_factory=list)

    def of_status(self, status: str) -> list[CheckpointResult]:
        return [c for c in self.checkpoints if c.status == status]

    @property
    def wands(self) -> list[str]:
        """The wands whose scans the round used."""
        return sorted({c.scan.wand for c in self.checkpoints if c.scan is not None})

    @property
    def why(self) -> str:
        """``3 of 4 checkpoints on time; 1 missed (cp-b2)``: the counts behind the round's status."""
        counts: dict[str, list[str]] = {}
        for checkpoint in self.checkpoints:
            counts.setdefault(checkpoint.status, []).append(checkpoint.checkpoint)
        stops = len(self.checkpoints) - len(counts.get(UNKNOWN_CHECKPOINT, []))
        parts = [f"{len(names)} {status} ({', '.join(names)})" for status, names in counts.items() if status != ON_TIME]
        on_time = len(counts.get(ON_TIME, []))
        return f"{on_time} of {stops} checkpoints on time" + ("; " + "; ".join(parts) if parts else "")

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        return {"route": self.route, "start": datetime.fromtimestamp(self.start, tz).isoformat(),
                "closes": datetime.fromtimestamp(self.end, tz).isoformat(), "status": self.status, "why": self.why,
                "wands": self.wands, "checkpoints": [c.as_dict(tz) for c in self.checkpoints]}


def _clock_note(scan: Scan, tz: tzinfo) -> str:
    if not scan.offset:
        return ""
    way = "ahead" if scan.offset > 0 else "behind"
    return (f"; {scan.wand}'s clock was {_min(scan.offset)} min {way}: its {_hm(scan.device_at, tz)} "
            f"read as {_hm(scan.at, tz)}")


def _pick(candidates: list[Scan], expected: float, used: set[int]) -> Scan | None:
    best: Scan | None = None
    for scan in candidates:
        if id(scan) not in used and (best is None or abs(scan.at - expected) < abs(best.at - expected)):
            best = scan
    return best


def _enforce_order(results: list[CheckpointResult]) -> None:
    """On an ordered route, a stop scanned before the last stop ahead of it that was scanned is out of order."""
    last: Scan | None = None
    ahead: CheckpointResult | None = None
    for result in results:
        scan = result.scan
        if scan is None:
            continue
        if last is not None and scan.at < last.at:
            result.status = OUT_OF_ORDER
            result.before = ahead
        else:
            last, ahead = scan, result


def round_status(results: list[CheckpointResult]) -> str:
    """The round's status from its stops' (strays aside): the worst, ``open`` while one is pending."""
    seen = {result.status for result in results}
    if PENDING in seen:
        return OPEN
    if MISSED in seen:
        return MISSED if seen == {MISSED} else INCOMPLETE
    return next(status for status in ROUND_ORDER if status in seen)


class RouteJudge:
    """Judges the rounds of one route from one index of scans: each stop's scans looked up once."""

    def __init__(self, route: Route, index: ScanIndex, wands: frozenset[str] = frozenset()) -> None:
        self.route = route
        self.index = index
        #: Per stop, what the loop reads: the stop, its offset and tolerance, its checkpoint's scans and their times.
        self.stops = [(stop, stop.offset, stop.tolerance, series.scans, series.times)
                      for stop in route.stops for series in (index.checkpoint_series(stop.checkpoint),)]
        #: The route's wands' scans of checkpoints not on the route (usually none), picked out once.
        on_route = route.checkpoint_ids
        self.strays = Series([scan for wand in sorted(wands) for scan in index.of_wand(wand, -math.inf, math.inf)
                              if scan.checkpoint not in on_route])
        self.repeats = len(route.checkpoint_ids) < len(route.stops)

    def round(self, start: float, now: float) -> RoundResult:
        """The round starting at ``start``, as known at ``now``."""
        route = self.route
        early, late = route.early_limit, route.late_limit
        results: list[CheckpointResult] = []
        used: set[int] = set()
        repeats, left, right, judged = self.repeats, bisect_left, bisect_right, CheckpointResult
        for stop, offset, tolerance, scans, times in self.stops:
            expected = start + offset
            first = left(times, expected - early)
            last = right(times, expected + late, first)
            scan: Scan | None = None
            if last - first == 1 and not repeats:
                scan = scans[first]
            elif last > first:
                scan = _pick(scans[first:last], expected, used)
                if scan is not None:
                    used.add(id(scan))
            if scan is None:
                status = PENDING if now <= expected + late else MISSED
            else:
                off = scan.at - expected
                status = ON_TIME if -tolerance <= off <= tolerance else EARLY if off < 0 else LATE
            results.append(judged(stop.checkpoint, status, expected, scan, route, stop))
        if route.ordered:
            _enforce_order(results)
        result = RoundResult(route.id, start, start + route.last_offset + late, round_status(results), results)
        if self.strays.times:
            results.extend(CheckpointResult(scan.checkpoint, UNKNOWN_CHECKPOINT, None, scan, route)
                           for scan in self.strays.between(start + route.first_offset - early, result.end))
        return result


def evaluate_round(route: Route, start: float, index: ScanIndex, now: float,
                   wands: frozenset[str] = frozenset()) -> RoundResult:
    """The round of ``route`` starting at ``start``, from the scans in ``index``, as known at ``now``."""
    return RouteJudge(route, index, wands).round(start, now)
