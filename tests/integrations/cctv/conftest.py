"""cctv on a real hub with the dashboard: two NVRs' worth of cameras (one checked by a TCP connect
to an address the test gives, two whose status is pushed), staff of each role — two managers
(``boss``, ``deputy``), two guards (``guard``, ``guard2``), ``maintenance`` — and the hub's clock in
the test's hands.

``Site.call`` calls a service as a user (the permission check and the audit as through the API);
``ask`` is a guard asking for an hour of the south gate's footage.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integrations.dashboard.conftest import PASSWORD, audit_acts, browser
from xiaoqu.core.auth import Actor
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.const import MATCH_ALL
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.cctv import Cctv, get_cctv

__all__ = ["PASSWORD", "START", "Site", "audit_acts", "browser", "cctv_config", "site"]

SITE_TZ = ZoneInfo("Asia/Shanghai")
#: Monday 2 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 2, 10, 0, tzinfo=SITE_TZ)
USERS = {"boss": "manager", "deputy": "manager", "guard": "guard", "guard2": "guard", "fixer": "maintenance",
         "cashier": "finance"}
NVR = {"id": "nvr-1", "name": "一号录像机 NVR 1",
       "playback_url": "rtsp://{username}:{password}@10.0.1.5:554/Streaming/tracks/{channel}01"
                       "?starttime={start:%Y%m%dT%H%M%SZ}&endtime={end:%Y%m%dT%H%M%SZ}",
       "username": "viewer", "password": "s3cret/pw"}


def cctv_config(address: str | None = None, **section: Any) -> dict[str, Any]:
    cameras: list[dict[str, Any]] = [
        {"id": "gate-1", "name": "南门 South gate", "location": "South gate", "area": "the gate and its lanes",
         "nvr": "nvr-1", "channel": 1, "retention_days": 30},
        {"id": "lobby-1", "name": "1栋大堂 Building 1 lobby", "location": "Building 1", "nvr": "nvr-1", "channel": 2,
         "retention_days": 30, "stale_after": 120},
    ]
    if address is not None:
        cameras.append({"id": "gate-2", "name": "北门 North gate", "nvr": "nvr-1", "channel": 3,
                        "retention_days": 30, "address": address, "check_interval": 10})
    return {"nvrs": [NVR], "cameras": cameras, **section}


class Site:
    def __init__(self, hub: Hub, clock: ManualClock) -> None:
        self.hub = hub
        self.clock = clock
        self.events: list[Event] = []
        hub.bus.listen(MATCH_ALL, self.events.append)

    @property
    def cctv(self) -> Cctv:
        return get_cctv(self.hub)

    def user(self, name: str) -> Context:
        return Context(user_id=self.hub.data["auth"].manager.user_by_name(name).id, source="api")

    async def call(self, user: str, service: str, **data: Any) -> Any:
        return await self.hub.services.call("cctv", service, data, context=self.user(user), return_response=True)

    async def ask(self, by: str = "guard", camera: str = "gate-1", **data: Any) -> str:
        request = {"camera": camera, "start": (START - timedelta(hours=2)).isoformat(),
                   "end": (START - timedelta(hours=1)).isoformat(), "reason": "a bicycle stolen at the gate", **data}
        return str((await self.call(by, "request_footage", **request))["request_id"])

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [dict(event.data) for event in self.events if event.event_type == event_type]


@asynccontextmanager
async def site(site_dir: Path, *, clock: ManualClock | None = None, config: dict[str, Any] | None = None,
               **section: Any) -> AsyncIterator[Site]:
    clock = clock or ManualClock(START)
    async with running_hub(site_dir, {"dashboard": {}, "cctv": cctv_config(**section), **(config or {})},
                           clock=clock) as hub:
        manager = hub.data["auth"].manager
        for name, role in USERS.items():
            if manager.user_by_name(name) is None:  # a restarted site has them
                await manager.add_user(name, role, PASSWORD, Actor("hub", "test"))
        yield Site(hub, clock)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path
