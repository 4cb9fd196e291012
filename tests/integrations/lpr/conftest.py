"""Plate cameras on a real hub: HTTP pushes through the hub's own aiohttp server, MQTT reads
through a real broker, a manual clock for the fold window, and the events fired."""
from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import SITE_TZ, START
from xiaoqu.core.bus import Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.lpr import Lpr, get_lpr

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lpr"
SECRET = "s3cret-0123456789abcdef"
CAMERAS: list[dict[str, Any]] = [
    {"id": "vz-1", "name": "北门入口", "lane": "north-in", "direction": "in", "format": "vzenith", "secret": SECRET},
    {"id": "hik-1", "name": "正门出口", "lane": "main-out", "direction": "out", "format": "hikvision", "secret": SECRET},
    {"id": "dh-1", "name": "东门入口", "direction": "in", "format": "dahua", "secret": SECRET},
    {"id": "qy-1", "name": "后门", "format": "vzenith", "codes": "qianyi", "secret": SECRET},
    {"id": "cam-1", "name": "正门入口", "lane": "main-1", "direction": "in"},
]
EVENTS = ("plate_read", "plate_read_uncertain", "plate_unreadable")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def jsonc(name: str) -> bytes:
    """A vendor document's JSON with its ``//`` comments and trailing commas taken out."""
    text = re.sub(r"//[^\n]*", "", (FIXTURES / name).read_text(encoding="utf-8"))
    return re.sub(r",(\s*[}\]])", r"\1", text).encode()


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    session: aiohttp.ClientSession
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def lpr(self) -> Lpr:
        return get_lpr(self.hub)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data[DATA_SERVER].port}"

    def url(self, camera: str, secret: str = SECRET, tail: str = "") -> str:
        return f"{self.base}/api/lpr/{camera}/{secret}{tail}"

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    async def post(self, camera: str, body: bytes, content_type: str = "application/json", *, secret: str = SECRET,
                   tail: str = "") -> tuple[int, bytes]:
        async with self.session.post(self.url(camera, secret, tail), data=io.BytesIO(body),
                                     headers={"Content-Type": content_type}) as response:
            answer = await response.read()
            status = response.status
        await self.hub.block_till_done()
        return status, answer


@asynccontextmanager
async def lpr_site(tmp_path: Path, **sections: Any) -> AsyncIterator[Site]:
    clock = ManualClock(START, SITE_TZ)
    lpr = {"cameras": CAMERAS, "reply_timeout": 0.3, **sections.pop("lpr", {})}
    async with running_hub(tmp_path, {"lpr": lpr, **sections}, clock=clock) as hub, aiohttp.ClientSession() as session:
        site = Site(hub, clock, session)

        def seen(event: Event) -> None:
            if event.event_type in EVENTS:
                site.events.append((event.event_type, dict(event.data)))

        hub.bus.listen("*", seen)
        yield site
