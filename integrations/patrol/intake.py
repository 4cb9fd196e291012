"""Scans into the hub: one path for a live scan over MQTT, an offline wand's scans and ``patrol.upload``.

Each scan is checked on its own, so one bad scan is refused with its reason and the rest
are kept: an unknown wand (no patroller has it and ``wands`` does not list it), an unknown
tag (no checkpoint has it), a ``ts`` that names no moment, a ``ts`` in the future beyond the
allowed skew when the wand's offset is unknown (:mod:`.wand_clock`). An accepted scan is
appended to the recorder under ``<wand>:<scan_id>`` before the answer is given, so a repeat
(the same upload again, a live scan uploaded afterwards) is a duplicate whatever came between,
restarts included. Refusals are recorded too (``patrol.rejected``), for the office to see.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.validation import humanize_error, vol
from xiaoqu.integrations.mqtt.device_protocol import device_time

from .const import (
    CLOCK_KIND,
    EVENT_WAND_CLOCK_OFF,
    REASON_BAD_TS,
    REASON_FUTURE,
    REASON_INVALID,
    REASON_UNKNOWN_TAG,
    REASON_UNKNOWN_WAND,
    REJECTED_KIND,
    SCAN_KIND,
    SOURCE_LIVE,
)
from .scans import Scan
from .schema import SCAN_SCHEMA
from .wand_clock import Reading, WandClocks

if TYPE_CHECKING:
    from xiaoqu.core.bus import EventBus
    from xiaoqu.core.recorder import Recorder

    from .model import Plan

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    detail: str


@dataclass(slots=True)
class UploadResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    clock: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}
        if self.clock is not None:
            data["clock"] = self.clock
        return data


def record_id(wand: str, scan_id: str) -> str:
    return f"{wand}:{scan_id}"


class Intake:
    def __init__(self, plan: Plan, recorder: Recorder, bus: EventBus, clocks: WandClocks,
                 time: Callable[[], float]) -> None:
        self.plan = plan
        self.recorder = recorder
        self.bus = bus
        self.clocks = clocks
        self.time = time

    async def take(self, wand: str, scans: Sequence[Mapping[str, Any]], *, source: str,
                   sent: float | str | None = None, received: float | None = None,
                   prompt: bool = False) -> UploadResult:
        """Check, correct and keep a wand's scans; ``source`` ``live`` for a scan sent as it was read;
        ``prompt`` when the scans came in a call answered at once (``patrol.upload``), not over MQTT."""
        received = self.time() if received is None else received
        result = UploadResult()
        if not self.plan.knows_wand(wand):
            result.rejected = [self._refuse(wand, scan, REASON_UNKNOWN_WAND, f"no patroller has wand {wand}", received)
                               for scan in scans]
            return result
        checked = [self._check(index, scan) for index, scan in enumerate(scans)]
        reading = self._reading(wand, source, sent, checked, received, result, prompt)
        kept: dict[str, Scan] = {}
        for index, item in enumerate(checked):
            scan = scans[index]
            if isinstance(item, Refusal):
                result.rejected.append(self._refuse(wand, scan, item.reason, item.detail, received))
                continue
            checkpoint, device_at = item
            if reading.unknown and device_at > received + self.clocks.skew:
                ahead = round((device_at - received) / 60)
                result.rejected.append(self._refuse(
                    wand, scan, REASON_FUTURE,
                    f"ts is {ahead} min after the hub's clock and the wand's offset is unknown: "
                    "upload again with 'sent' (the wand's time now)", received))
                continue
            scan_id = str(scan["scan_id"])
            if scan_id in kept:
                result.duplicates += 1
                continue
            kept[scan_id] = Scan(device_at - reading.offset, checkpoint, wand, scan_id, device_at, reading.offset, source)
        await self._keep(wand, list(kept.values()), result)
        return result

    def _check(self, index: int, scan: Mapping[str, Any]) -> tuple[str, float] | Refusal:
        """``(checkpoint, device time)``, or why the scan cannot be taken."""
        try:
            valid = SCAN_SCHEMA(dict(scan))
        except vol.Invalid as err:
            reason = REASON_BAD_TS if err.path[:1] == ["ts"] else REASON_INVALID
            return Refusal(reason, f"scans[{index}]: {humanize_error(scan, err)}")
        checkpoint = self.plan.by_tag.get(valid["checkpoint"])
        if checkpoint is None:
            return Refusal(REASON_UNKNOWN_TAG, f"no checkpoint has tag {valid['checkpoint']}")
        try:
            return checkpoint.id, device_time(valid["ts"])
        except (ValueError, OverflowError) as err:
            return Refusal(REASON_BAD_TS, f"scans[{index}].ts: {err}")

    def _reading(self, wand: str, source: str, sent: float | str | None, checked: list[tuple[str, float] | Refusal],
                 received: float, result: UploadResult, prompt: bool) -> Reading:
        """The wand's clock for this batch, by :mod:`.wand_clock`'s rule; reported when it is off."""
        times = [item[1] for item in checked if not isinstance(item, Refusal)]
        if sent is not None:
            try:
                reading = self.clocks.measure(wand, device_time(sent), received, "the upload's sent time",
                                              prompt=prompt)
            except ValueError:
                reading = Reading(0.0, "")
        elif source == SOURCE_LIVE and times:
            reading = self.clocks.measure(wand, times[-1], received, "a live scan", prompt=prompt)
        else:
            reading = Reading(0.0, "")
        if reading.unknown:  # no reference, or one behind that a late delivery could explain
            reading = self.clocks.known(wand, received)
        ahead = max(times, default=received) - received
        if reading.off:
            self._clock_off(wand, reading.offset, None, reading.basis, received, result)
        elif reading.unknown and ahead > self.clocks.skew:
            self._clock_off(wand, None, ahead, "a scan's ts after the hub's now", received, result)
        return reading

    def _clock_off(self, wand: str, offset: float | None, at_least: float | None, basis: str, received: float,
                   result: UploadResult) -> None:
        data = {"wand": wand, "offset_seconds": None if offset is None else round(offset, 3),
                "at_least_seconds": None if at_least is None else round(at_least, 3), "basis": basis,
                "corrected": offset is not None, "skew_minutes": round(self.clocks.skew / 60)}
        result.clock = data
        if self.clocks.should_report(wand, offset):
            self.recorder.record(CLOCK_KIND, data, subject=wand, time=received)
            self.bus.fire(EVENT_WAND_CLOCK_OFF, data)
            _LOGGER.warning("Patrol wand %s: clock off (%s) by %s s, from %s", wand,
                            "corrected" if offset is not None else "ahead, offset unknown",
                            data["offset_seconds"] if offset is not None else data["at_least_seconds"], basis)

    async def _keep(self, wand: str, scans: list[Scan], result: UploadResult) -> None:
        """Append each scan under its id; all in one group commit, answered once on disk."""
        news = await asyncio.gather(*(self.recorder.append(SCAN_KIND, scan.as_data(), subject=wand, time=scan.at,
                                                           record_id=record_id(wand, scan.scan_id))
                                      for scan in scans))
        result.accepted += sum(news)
        result.duplicates += len(news) - sum(news)

    def _refuse(self, wand: str, scan: Mapping[str, Any], reason: str, detail: str, received: float) -> dict[str, Any]:
        scan_id = scan.get("scan_id") if isinstance(scan.get("scan_id"), str) else None
        checkpoint = scan.get("checkpoint") if isinstance(scan.get("checkpoint"), str) else None
        refusal = {"scan_id": scan_id, "checkpoint": checkpoint, "reason": reason, "detail": detail}
        ts = scan.get("ts")
        self.recorder.record(REJECTED_KIND, {**refusal, "ts": str(ts)[:64] if isinstance(ts, (int, float, str)) else None},
                             subject=wand, time=received)
        return refusal
