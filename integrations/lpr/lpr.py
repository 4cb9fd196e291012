"""The hub's plate cameras: every read, from any source, made into at most one event.

:meth:`Lpr.take` is the one path a read takes, whether it came over MQTT or an HTTP push:
a read the camera already sent (same ``key``) is a duplicate and changes nothing; the plate
is normalised (:mod:`.normalize`), the picture kept (:mod:`.snapshots`), the rules judge it
(:mod:`.rules`), and one event is fired: ``plate_read``, ``plate_read_uncertain`` or
``plate_unreadable`` — or none, for a repeat folded into an earlier read. Plates are masked
in the log and the recorder; the events carry them whole, because parking decides on them.

Parking answers an HTTP camera's read with :meth:`Lpr.set_reply` (docs/lpr.md, *Replies*);
staff correct a misread with :meth:`Lpr.correct` (``lpr.correct``), audited with the snapshot.
"""
from __future__ import annotations

import logging
import secrets
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.masking import mask_plate

from .const import (
    AUDIT_CORRECTED,
    DAHUA,
    EVENT_PLATE_READ,
    EVENT_PLATE_READ_UNCERTAIN,
    EVENT_PLATE_UNREADABLE,
    RECORD_KIND,
    VZENITH,
)
from .models import Camera, GateReply, Read
from .normalize import Plate, normalize_plate
from .replies import Replies
from .rules import Judgement, Rules, Verdict
from .snapshots import Snapshots
from .throttle import Throttle

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: The formats whose push is answered with parking's reply.
REPLYING: Final = frozenset({VZENITH, DAHUA})
#: Camera read keys remembered per camera (Vzenith re-sends up to ~9,000 offline records;
#: the newest thousands are what a resend can repeat).
KEYS_KEPT: Final = 4096
#: Reads kept in memory whole (the newest); older ones are corrected from the recorder, masked.
RECENT_KEPT: Final = 5000
DUPLICATE: Final = "duplicate"

_EVENTS: Final = {
    Verdict.READ: EVENT_PLATE_READ,
    Verdict.UNCERTAIN: EVENT_PLATE_READ_UNCERTAIN,
    Verdict.UNREADABLE: EVENT_PLATE_UNREADABLE,
}


class CorrectionError(ValueError):
    """A correction refused: the message says why."""


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of a read: its ``read_id``, the ``verdict`` (a :class:`Verdict` or
    ``duplicate``), the read it was folded into or duplicates (``answered_by``: whose reply the
    camera gets), and the event's data (None when no event was fired)."""

    read_id: str
    verdict: str
    answered_by: str
    event: dict[str, Any] | None
    plate: Plate | None


class Lpr:
    def __init__(self, hub: Hub, config: dict[str, Any]) -> None:
        self.hub = hub
        self.cameras: dict[str, Camera] = {c["id"]: Camera.from_config(c) for c in config["cameras"]}
        self.rules = Rules(config["min_confidence"], config["fold_seconds"])
        self.reply_timeout: float = config["reply_timeout"]
        #: Days the recorder keeps reads: how far back staff may correct one.
        self.keep_days: int = config["keep_days"]
        self.replies = Replies(hub.clock.time, keep=config["fold_seconds"] + self.reply_timeout + 1)
        self.snapshots = Snapshots(hub, config["snapshot_max_kb"] * 1024, config["snapshot_keep_days"])
        self.throttle = Throttle(hub.clock.time)
        self.counts: Counter[str] = Counter()
        self._keys: dict[str, OrderedDict[str, str]] = {camera: OrderedDict() for camera in self.cameras}
        self._recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: Stops taking the device protocol's reads (set by the runtime when mqtt runs).
        self.unlisten: Callable[[], None] | None = None

    # --- reads ----------------------------------------------------------------------------

    async def take(self, read: Read) -> Taken:
        """Judge ``read`` and fire its event, its picture saved first; what became of it."""
        if read.image is None:
            return self.take_now(read)
        seen = self._duplicate(read)
        if seen is not None:
            return seen
        now = self.hub.clock.now()
        read_id = self._new_id(read, now)
        return self._judge(read, read_id, now, await self.snapshots.save(read_id, now.date(), read.image))

    def take_now(self, read: Read) -> Taken:
        """:meth:`take` for a read with no picture to save (the device protocol's: a picture's
        address at most), in the caller's turn of the loop: the gate's decision, made in the
        ``plate_read`` event's turn, is not queued behind whatever else is waiting to run."""
        if read.image is not None:
            raise ValueError(f"read from {read.camera.id} carries a picture: take() saves it first")
        seen = self._duplicate(read)
        if seen is not None:
            return seen
        now = self.hub.clock.now()
        return self._judge(read, self._new_id(read, now), now, None)

    def _duplicate(self, read: Read) -> Taken | None:
        """A read the camera sent already (same ``key``): what became of the first."""
        seen = self._keys[read.camera.id].get(read.key) if read.key is not None else None
        if seen is None:
            return None
        self.counts[DUPLICATE] += 1
        _LOGGER.debug("%s: read %s sent again (key %s): a duplicate", read.camera.id, seen, read.key)
        return Taken(seen, DUPLICATE, seen, None, None)

    @staticmethod
    def _new_id(read: Read, now: datetime) -> str:
        return f"{read.camera.id}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"

    def _judge(self, read: Read, read_id: str, now: datetime, snapshot: str | None) -> Taken:
        camera = read.camera
        plate = normalize_plate(read.raw, colour=read.colour, double_row=read.double_row)
        judgement = self.rules.judge(camera.id, plate, read.confidence, now.timestamp(), read_id)
        self.counts[judgement.verdict] += 1
        if read.key is not None:  # a resend of this read gets the answer this one gets
            self._remember_key(camera.id, read.key, judgement.folded_into or read_id)
        event_type = _EVENTS.get(judgement.verdict)
        if event_type is None:
            _LOGGER.debug("%s: %s folded into %s", camera.id, mask_plate(plate.text), judgement.folded_into)
            assert judgement.folded_into is not None
            return Taken(read_id, judgement.verdict, judgement.folded_into, None, plate)
        data = self._event_data(read, plate, judgement, read_id, now, snapshot)
        if camera.format in REPLYING and not read.offline:
            self.replies.expect(read_id)
        self._keep(read_id, data)
        self.hub.bus.fire(event_type, data)
        self._record(judgement.verdict, data)
        return Taken(read_id, judgement.verdict, read_id, data, plate)

    def _event_data(self, read: Read, plate: Plate, judgement: Judgement, read_id: str, now: datetime,
                    snapshot: str | None) -> dict[str, Any]:
        camera = read.camera
        data: dict[str, Any] = {
            "camera": camera.id,
            "plate": plate.text if plate.valid or plate.truncated else None,
            "raw": read.raw,
            "confidence": round(read.confidence, 3),
            "colour": plate.colour or read.colour,
            "direction": read.direction or camera.direction,
            "snapshot": snapshot,
            "time": now.isoformat(),
            "source": read.source,
            "read_id": read_id,
            "lane": camera.lane,
            "kind": plate.kind,
            "plate_masked": mask_plate(plate.text) if plate.text else None,
            "offline": read.offline,
        }
        if read.camera_time is not None:
            data["camera_time"] = datetime.fromtimestamp(read.camera_time, now.tzinfo).isoformat()
        if read.image_url:
            data["image_url"] = read.image_url
        if plate.fixes:
            data["fixes"] = list(plate.fixes)
        if judgement.agreed_with:
            data["agreed_with"] = judgement.agreed_with
        if not plate.valid:
            data["reason"] = plate.reason
        if plate.truncated:
            data["truncated"] = True
        return data

    def _remember_key(self, camera: str, key: str, read_id: str) -> None:
        keys = self._keys[camera]
        keys[key] = read_id
        if len(keys) > KEYS_KEPT:
            keys.popitem(last=False)

    def _keep(self, read_id: str, data: dict[str, Any]) -> None:
        self._recent[read_id] = data
        if len(self._recent) > RECENT_KEPT:
            self._recent.popitem(last=False)

    def _record(self, verdict: str, data: dict[str, Any]) -> None:
        """The read in the recorder, its plate masked (the recorder is history, not a plate register)."""
        kept = {key: data.get(key) for key in ("camera", "lane", "direction", "confidence", "colour", "kind",
                                               "snapshot", "source", "offline", "reason", "agreed_with")}
        kept.update(verdict=verdict, plate=data.get("plate_masked"), corrects=data.get("corrects"))
        try:
            self.hub.recorder.record(RECORD_KIND, kept, subject=data["read_id"])
        except Exception as err:  # the read stands; losing its history must not undo it
            _LOGGER.error("Read %s could not be recorded: %s", data["read_id"], err)

    # --- replies and corrections ------------------------------------------------------------

    def set_reply(self, read_id: str, reply: GateReply) -> bool:
        """Answer the camera that sent ``read_id`` (a ``plate_read``'s ``read_id``) with ``reply``.

        True when the camera's request is waiting and will carry it (Vzenith, Dahua, within
        ``reply_timeout``); False when the read came another way (MQTT, Hikvision: open the
        barrier instead), was sent offline, or the camera was answered already.
        """
        return self.replies.set(read_id, reply)

    async def correct(self, read_id: str, text: str, *, by: str, reason: str,
                      context: Context | None) -> dict[str, Any]:
        """Staff say ``read_id`` was the plate ``text``: a ``plate_read`` of it is fired, the
        act audited with the snapshot; :class:`CorrectionError` says why not.

        Any read the recorder still holds (``keep_days``) may be corrected, not only the latest
        kept in memory. Such an older read is told as what it is, a read of a car that is gone:
        its ``plate_read`` is ``offline`` with the read's own time (``camera_time``), so parking
        puts the car in or out at that time and opens no gate for it now.
        """
        original = self._recent.get(read_id)
        live = original is not None
        if original is None:
            original = await self._recorded(read_id)
        if original is None:
            raise CorrectionError(f"read {read_id} is not one this hub recorded in the last {self.keep_days} days")
        plate = normalize_plate(text)
        if not plate.valid:
            raise CorrectionError(f"{text} is not a plate: {plate.reason}")
        now = self.hub.clock.now()
        made = await self._corrections(read_id, datetime.fromisoformat(original["time"]).timestamp())
        new_id = f"{read_id}.c{len(made) + 1}"
        data = {**original, "plate": plate.text, "confidence": 1.0, "colour": plate.colour or original["colour"],
                "kind": plate.kind, "plate_masked": mask_plate(plate.text), "time": now.isoformat(), "read_id": new_id,
                "corrects": read_id, "corrected_by": by, "correction_reason": reason, "offline": not live}
        if not live:
            data["camera_time"] = original["time"]
        for stale in ("reason", "truncated", "fixes", "agreed_with"):
            data.pop(stale, None)
        if live:
            self.rules.accept(original["camera"], plate.text, now.timestamp(), new_id)
        self._keep(new_id, data)
        get_auth(self.hub).record(AUDIT_CORRECTED, context, read_id=read_id, corrected_read_id=new_id,
                                  camera=original["camera"], was=original.get("plate_masked") or original["raw"],
                                  now=data["plate_masked"], reason=reason, snapshot=original["snapshot"])
        self.hub.bus.fire(EVENT_PLATE_READ, data, context=context)
        self._record(Verdict.READ, data)
        _LOGGER.info("Read %s corrected to %s by %s: %s", read_id, data["plate_masked"], by, reason)
        return {"read_id": new_id, "plate": plate.text, "corrects": read_id, "snapshot": original["snapshot"]}

    async def _recorded(self, read_id: str) -> dict[str, Any] | None:
        """A read no longer in memory, as its event said it, from its record in the recorder
        (the plate there is masked, and the camera's raw text is not kept: ``raw`` is None)."""
        await self.hub.recorder.flush()
        found = await self.hub.recorder.query(RECORD_KIND, subject=read_id, limit=1)
        if not found:
            return None
        record = found[0]
        kept = record.data
        return {"camera": kept.get("camera"), "plate": None, "raw": None, "confidence": kept.get("confidence"),
                "colour": kept.get("colour"), "direction": kept.get("direction"), "snapshot": kept.get("snapshot"),
                "time": datetime.fromtimestamp(record.time, self.hub.clock.tz).isoformat(),
                "source": kept.get("source"), "read_id": read_id, "lane": kept.get("lane"), "kind": kept.get("kind"),
                "plate_masked": kept.get("plate"), "offline": bool(kept.get("offline"))}

    async def _corrections(self, read_id: str, since: float) -> set[str]:
        """The corrections of ``read_id`` (read at ``since``) made so far, in memory or (before
        a restart) recorded."""
        prefix = f"{read_id}.c"
        made = {key for key in self._recent if key.startswith(prefix) and "." not in key[len(prefix):]}
        await self.hub.recorder.flush()
        made.update(record.subject or "" for record in await self.hub.recorder.query(
            RECORD_KIND, since=since, where={"corrects": read_id}, limit=None))
        return made
