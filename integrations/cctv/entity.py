"""``sensor.<camera>_camera``: each camera's state (online, offline, recording, not_recording)
with its retention against the days required and its backup; the camera's entity on the
devices page (its device: ``cctv:<camera>``)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import DeviceInfo
from xiaoqu.integrations.sensor.entity import SensorEntity

from .const import DOMAIN

if TYPE_CHECKING:
    from .health import Health
    from .models import Camera, Nvr


def camera_device(camera: Camera, nvr: Nvr) -> DeviceInfo:
    return DeviceInfo(identifiers=[f"{DOMAIN}:{camera.id}"], name=camera.name, location=camera.location,
                      model=f"channel {camera.channel} on {nvr.name}", manufacturer=nvr.vendor)


class CameraEntity(SensorEntity):
    _attr_icon = "mdi:cctv"

    def __init__(self, camera: Camera, nvr: Nvr, health: Health) -> None:
        self.camera = camera
        self.health = health
        self._attr_name = f"{camera.name} camera"
        self._attr_unique_id = f"cctv_{camera.id}_camera"
        self._attr_suggested_object_id = f"{camera.id.replace('-', '_')}_camera"
        self._attr_device_info = camera_device(camera, nvr)

    @property
    def native_value(self) -> str | None:
        return self.health.state

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        assert self.hub is not None
        tz = self.hub.clock.tz
        health, camera = self.health, self.camera

        def when(value: float | None) -> str | None:
            return None if value is None else datetime.fromtimestamp(value, tz).isoformat(timespec="seconds")

        return {"camera": camera.id, "location": camera.location, "area": camera.area, "nvr": camera.nvr,
                "channel": camera.channel, "checked_by": camera.checked,
                "retention_days": health.retention_days, "required_retention_days": camera.required_days,
                "retention_ok": health.retention_ok, "backup_ok": None if health.backup is None else health.backup["ok"],
                "backup_detail": None if health.backup is None else health.backup.get("detail"),
                "last_seen": when(health.last_seen), "last_checked": when(health.last_checked),
                "problems": {name: {"since": when(e.since), "reason": e.reason} for name, e in health.episodes.items()}}

    def changed(self) -> None:
        if self.hub is not None and self.entity_id is not None:
            self.write_state()
