"""CCTV policy and record: the cameras (where, what they cover, which NVR and channel), whether
each is reachable and recording, the footage its NVR keeps against the days the rules require,
its backup; and footage requests — who, which camera, which span, why — decided by a manager,
viewed only by the requester within a window, exported only on an approval of its own, every
step in the audit log. The video stays in the NVR (docs/cctv.md).

    cctv:
      nvrs: [{id: nvr-1, playback_url: "rtsp://{username}:{password}@10.0.1.5/...", username: ..., password: ...}]
      cameras: [{id: gate-1, name: 南门, nvr: nvr-1, channel: 1, retention_days: 30, address: "10.0.1.21:554"}]

:func:`get_cctv` gives the hub's :class:`Cctv`: ``report(camera, status)`` for a plugin that
knows a camera's status, ``players.register(vendor, build)`` for a vendor's playback reference.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .const import (
    DOMAIN,
    EVENT_BACKUP_FAILED,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_NOT_RECORDING,
    EVENT_RETENTION_SHORT,
    ROLE_PERMISSIONS,
)
from .pages import register_pages
from .runtime import Cctv, get_cctv
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_BACKUP_FAILED", "EVENT_CAMERA_OFFLINE", "EVENT_CAMERA_ONLINE", "EVENT_NOT_RECORDING",
           "EVENT_RETENTION_SHORT", "Cctv", "get_cctv"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
