"""The cameras' NVR reporting each camera the hub's cctv section lists with no address to check:
``cctv/<camera>/status`` every :data:`EVERY` seconds of the hub's clock — online, recording, the
days of footage it keeps, last night's backup — as a real NVR's status bridge would.

Now and then (:data:`FAULT_CHANCE` of a report) a camera stops recording (the disk full) for a
few reports, so the cameras page, the feed and the camera_offline_alarm blueprint have something
to show; a camera whose required days exceed what its NVR keeps (:data:`KEPT_DAYS`) is reported
short, as the office would find it.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Final

from .context import SimContext

if TYPE_CHECKING:
    from collections.abc import Mapping

CCTV: Final = "cctv"
#: Seconds between two reports of a camera (the hub takes a camera silent for 300 s as offline).
EVERY: Final = 60.0
#: The chance a report finds the camera stopped recording; it stays stopped for 2–5 reports.
FAULT_CHANCE: Final = 0.002
#: The days of footage the simulated NVR keeps.
KEPT_DAYS: Final = 30


class CameraStatuses:
    def __init__(self, ctx: SimContext, section: Mapping[str, Any] | None) -> None:
        self.ctx = ctx
        cameras = (section or {}).get("cameras") or []
        self.cameras = [str(camera["id"]) for camera in cameras if isinstance(camera, dict) and "id" in camera
                        and "address" not in camera]
        #: camera → the reports left before it records again
        self.stopped: dict[str, int] = {}

    def start(self) -> None:
        for index, camera in enumerate(self.cameras):
            self.ctx.timers.later(index * EVERY / max(1, len(self.cameras)), partial(self._report, camera))

    def _report(self, camera: str) -> None:
        ctx = self.ctx
        left = self.stopped.get(camera, 0)
        if left == 0 and ctx.rng.random() < FAULT_CHANCE:
            left = ctx.rng.randint(2, 5)
            ctx.log.act("cctv", "camera %s: the NVR's disk is full, it stops recording", camera)
        if left:
            self.stopped[camera] = left - 1
        else:
            self.stopped.pop(camera, None)
        recording = left == 0
        ctx.publish(CCTV, camera, "status", {
            "online": True, "recording": recording, "retention_days": KEPT_DAYS,
            "backup": {"ok": True, "last": ctx.sim.now().replace(hour=3, minute=0, second=0, microsecond=0,
                                                                  tzinfo=None).isoformat()},
            **({} if recording else {"reason": "disk full"}), "ts": ctx.stamp()})
        ctx.timers.later(EVERY, partial(self._report, camera))
