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
from .scans import Scan, ScanIndex

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
    why: str = ""
    checkpoints: list[CheckpointResult] = field(default_factory=list)
    wands: list[str] = field(default_factory=list)

    def of_status(self, status: str) -> list[CheckpointResult]:
        return [c for c in self.checkpoints if c.status == status]

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


def _judge(route: Route, stop: Stop, expected: float, scan: Scan | None, now: float) -> CheckpointResult:
    if scan is None:
        status = PENDING if now <= expected + route.late_limit else MISSED
    else:
        off = scan.at - expected
        status = ON_TIME if abs(off) <= stop.tolerance else EARLY if off < 0 else LATE
    return CheckpointResult(stop.checkpoint, status, expected, scan, route, stop)


def _enforce_order(results: list[CheckpointResult]) -> None:
    """On an ordered route, a stop scanned before the last stop ahead of it that was scanned is out of order."""
    last: CheckpointResult | None = None
    for result in results:
        if result.scan is None:
            continue
        if last is not None and last.scan is not None and result.scan.at < last.scan.at:
            result.status = OUT_OF_ORDER
            result.before = last
        else:
            last = result


def _strays(route: Route, wands: frozenset[str], index: ScanIndex, low: float, high: float) -> list[CheckpointResult]:
    on_route = route.checkpoint_ids
    return [CheckpointResult(scan.checkpoint, UNKNOWN_CHECKPOINT, None, scan, route)
            for wand in sorted(wands) for scan in index.of_wand(wand, low, high) if scan.checkpoint not in on_route]


def _summary(result: RoundResult) -> None:
    counts: dict[str, list[str]] = {}
    for checkpoint in result.checkpoints:
        counts.setdefault(checkpoint.status, []).append(checkpoint.checkpoint)
    stops = len(result.checkpoints) - len(counts.get(UNKNOWN_CHECKPOINT, []))
    if PENDING in counts:
        result.status = OPEN
    elif len(counts.get(MISSED, [])) == stops:
        result.status = MISSED
    elif MISSED in counts:
        result.status = INCOMPLETE
    else:
        result.status = next(s for s in ROUND_ORDER if s in counts)
    parts = [f"{len(names)} {status} ({', '.join(names)})" for status, names in counts.items() if status != ON_TIME]
    on_time = len(counts.get(ON_TIME, []))
    result.why = f"{on_time} of {stops} checkpoints on time" + ("; " + "; ".join(parts) if parts else "")


def evaluate_round(route: Route, start: float, index: ScanIndex, now: float,
                   wands: frozenset[str] = frozenset()) -> RoundResult:
    """The round of ``route`` starting at ``start``, from the scans in ``index``, as known at ``now``."""
    low, high = route.window(start)
    result = RoundResult(route.id, start, high)
    used: set[int] = set()
    for stop in route.stops:
        expected = start + stop.offset
        scan = _pick(index.of_checkpoint(stop.checkpoint, expected - route.early_limit, expected + route.late_limit),
                     expected, used)
        if scan is not None:
            used.add(id(scan))
        result.checkpoints.append(_judge(route, stop, expected, scan, now))
    if route.ordered:
        _enforce_order(result.checkpoints)
    result.checkpoints.extend(_strays(route, wands, index, low, high))
    result.wands = sorted({c.scan.wand for c in result.checkpoints if c.scan is not None})
    _summary(result)
    return result
