"""A camera's health as episodes: offline, not recording, retention short, backup failed. Each
begins once and ends once however often the NVR repeats itself, so each event fires once per
change, with the figures that made it.

Pure bookkeeping (the caller passes ``now`` and gets the events back), so every rule is a line
a test can drive.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .const import (
    EVENT_BACKUP_FAILED,
    EVENT_BACKUP_RESTORED,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_NOT_RECORDING,
    EVENT_RECORDING_RESUMED,
    EVENT_RETENTION_RESTORED,
    EVENT_RETENTION_SHORT,
    NOT_RECORDING,
    OFFLINE,
    ONLINE,
    RECORDING,
)

#: The episodes a camera may be in, each named as its starting event's data says it.
OFFLINE_EPISODE = "offline"
NOT_RECORDING_EPISODE = "not_recording"
RETENTION_EPISODE = "retention_short"
BACKUP_EPISODE = "backup_failed"


@dataclass(slots=True)
class Episode:
    since: float
    #: what is wrong, in words (the latest words: a reason may change during an episode)
    reason: str


@dataclass(frozen=True, slots=True)
class Change:
    """One event to fire: its type and data (times as epoch seconds; the runtime writes them)."""

    event: str
    data: dict[str, Any]


@dataclass(slots=True)
class Health:
    """What is known of one camera and the episodes it is in."""

    camera: str
    required_days: int
    online: bool | None = None
    recording: bool | None = None
    retention_days: int | None = None
    backup: dict[str, Any] | None = None
    #: when the camera was last heard of (a check answered, a status pushed)
    last_seen: float | None = None
    #: when its reachability was last checked or reported, whatever the answer
    last_checked: float | None = None
    episodes: dict[str, Episode] = field(default_factory=dict)

    @property
    def state(self) -> str | None:
        """The entity's state: offline first, then whether it records; None before anything is known."""
        if self.online is None:
            return None
        if not self.online:
            return OFFLINE
        if self.recording is None:
            return ONLINE
        return RECORDING if self.recording else NOT_RECORDING

    @property
    def retention_ok(self) -> bool | None:
        return None if self.retention_days is None else self.retention_days >= self.required_days

    def reachable(self, online: bool, now: float, reason: str = "") -> list[Change]:
        """A check's answer (or a report's ``online``); ``reason`` why it is not reachable."""
        self.online, self.last_checked = online, now
        if online:
            self.last_seen = now
        changes = self._episode(OFFLINE_EPISODE, not online, now, reason or "not reachable")
        if not changes:
            return []
        episode_since, began = changes
        if began:
            return [Change(EVENT_CAMERA_OFFLINE, {"camera": self.camera, "since": now, "reason": reason})]
        return [Change(EVENT_CAMERA_ONLINE, {"camera": self.camera, "since": now, "offline_since": episode_since,
                                             "offline_seconds": round(now - episode_since)})]

    def report(self, status: Mapping[str, Any], now: float, *, reachability: bool = True) -> list[Change]:
        """A status the NVR (or a plugin) pushed: each field it holds, the others as they were.
        ``reachability``: whether the report decides if the camera is reachable (False for a
        camera its TCP check decides for: then ``online`` is left to the check)."""
        found: list[Change] = []
        reason = str(status.get("reason") or "")
        self.last_seen = now
        if reachability:
            found += self._reachability(status, now, reason)
        if "recording" in status:
            found += self._recording(bool(status["recording"]), now, reason or "the NVR reports it not recording")
        if "retention_days" in status:
            found += self._retention(int(status["retention_days"]), now)
        if "backup" in status:
            found += self._backup(dict(status["backup"]), now)
        return found

    def _reachability(self, status: Mapping[str, Any], now: float, reason: str) -> list[Change]:
        """A report says the camera is reachable or not; one about its recording says the NVR hears it."""
        if "online" in status:
            online = bool(status["online"])
            return self.reachable(online, now, reason or ("" if online else "the NVR reports it offline"))
        if self.online is not True:
            return self.reachable(True, now)
        return []

    def _recording(self, recording: bool, now: float, reason: str) -> list[Change]:
        self.recording = recording
        changes = self._episode(NOT_RECORDING_EPISODE, not recording, now, reason)
        if not changes:
            return []
        since, began = changes
        if began:
            return [Change(EVENT_NOT_RECORDING, {"camera": self.camera, "since": now, "reason": reason})]
        return [Change(EVENT_RECORDING_RESUMED, {"camera": self.camera, "since": now, "stopped_since": since})]

    def _retention(self, days: int, now: float) -> list[Change]:
        self.retention_days = days
        short = days < self.required_days
        why = f"the NVR keeps {days} days, the rules ask {self.required_days}"
        changes = self._episode(RETENTION_EPISODE, short, now, why)
        if not changes:
            return []
        data = {"camera": self.camera, "days": days, "required": self.required_days, "since": now, "reason": why}
        return [Change(EVENT_RETENTION_SHORT if changes[1] else EVENT_RETENTION_RESTORED, data)]

    def _backup(self, backup: dict[str, Any], now: float) -> list[Change]:
        self.backup = backup
        detail = str(backup.get("detail") or ("backup failed" if not backup["ok"] else ""))
        changes = self._episode(BACKUP_EPISODE, not backup["ok"], now, detail)
        if not changes:
            return []
        data = {"camera": self.camera, "since": now, "detail": detail, "last": backup.get("last")}
        return [Change(EVENT_BACKUP_FAILED if changes[1] else EVENT_BACKUP_RESTORED, data)]

    def _episode(self, name: str, wrong: bool, now: float, reason: str) -> tuple[float, bool] | None:
        """Begin or end episode ``name``: (its start, True) when it began now, (its start, False)
        when it ended now, None when nothing changed (the reason is kept up to date)."""
        episode = self.episodes.get(name)
        if wrong:
            if episode is None:
                self.episodes[name] = Episode(now, reason)
                return now, True
            episode.reason = reason
            return None
        if episode is None:
            return None
        del self.episodes[name]
        return episode.since, False
