"""A camera as a list shows it (the ``cctv.cameras`` answer and the cameras page): its place,
its state, the days kept against the days required, its backup and what is wrong since when."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Camera
    from .runtime import Cctv


def camera_row(cctv: Cctv, camera: Camera) -> dict[str, Any]:
    health = cctv.health[camera.id]
    entity = cctv.entities[camera.id]
    attributes = entity.extra_state_attributes if entity.hub is not None else {}
    return {"camera": camera.id, "name": camera.name, "location": camera.location, "area": camera.area,
            "nvr": camera.nvr, "channel": camera.channel, "entity_id": entity.entity_id,
            "state": health.state or "unknown", "checked_by": camera.checked,
            "retention_days": health.retention_days, "required_retention_days": camera.required_days,
            "retention_ok": health.retention_ok, "backup_ok": attributes.get("backup_ok"),
            "backup_detail": attributes.get("backup_detail"), "last_seen": attributes.get("last_seen"),
            "problems": attributes.get("problems", {})}
