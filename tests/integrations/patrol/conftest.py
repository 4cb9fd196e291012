"""A small estate's patrol on a real hub: four checkpoints, a day route and a night route, three wands."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub

KEY = Fernet.generate_key().decode()

PATROL: dict[str, Any] = {
    "checkpoints": [
        {"id": "cp-gate", "name": "大门", "location": "东门岗亭", "x": 50, "y": 92},
        {"id": "cp-b1", "name": "1号楼", "location": "1号楼北门", "x": 20, "y": 40},
        {"id": "cp-b2", "tag": "tag-b2", "name": "2号楼", "location": "2号楼北门", "x": 50, "y": 30},
        {"id": "cp-pump", "name": "水泵房", "location": "地下一层", "x": 80, "y": 60},
    ],
    "routes": [
        {"id": "day", "name": "日巡", "checkpoints": [{"checkpoint": "cp-gate", "offset_minutes": 0},
                                                    {"checkpoint": "cp-b1", "offset_minutes": 15}]},
        {"id": "night", "name": "夜巡", "ordered": True, "tolerance_minutes": 5, "early_limit_minutes": 15,
         "late_limit_minutes": 30,
         "checkpoints": [{"checkpoint": "cp-gate", "offset_minutes": 0}, {"checkpoint": "cp-b1", "offset_minutes": 10},
                         {"checkpoint": "cp-b2", "offset_minutes": 20}, {"checkpoint": "cp-pump", "offset_minutes": 30}]},
    ],
    "schedules": [{"route": "day", "every_hours": 4, "from": "08:00", "until": "17:00"},
                  {"route": "night", "times": ["20:00", "22:00"]}],
    "patrollers": [{"person": "S000001", "wand": "wand-1", "routes": ["day", "night"]},
                   {"person": "S000002", "wand": "wand-2", "routes": ["day"]},
                   {"person": "S000003", "wand": "wand-3", "routes": ["day"]}],
}


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SITE_TZ)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """A real broker (Mosquitto where installed) in its own process."""
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    async def call(self, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return await self.hub.services.call("patrol", service, data, return_response=True, **kwargs)

    async def move(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.hub.block_till_done()


@asynccontextmanager
async def site(tmp_path: Path, start: datetime, patrol: dict[str, Any] | None = None,
               **sections: Any) -> AsyncIterator[Site]:
    clock = ManualClock(start, SITE_TZ)
    config = {"residents": {"encryption_key": KEY}, "patrol": patrol or PATROL, **sections}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        place = Site(hub, clock)
        hub.bus.listen("*", lambda event: place.events.append((event.event_type, dict(event.data)))
                       if event.event_type.startswith("patrol.") else None)
        yield place
