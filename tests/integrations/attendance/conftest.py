"""A site with an office on the day shift and a guard team on a rotation, on a real hub.

Punches are made as a reader makes them: the clock is moved to the moment and access decides
the card at an attendance terminal (``source="reader:<id>"``), so each punch goes through
the same events a card at the door would.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.residents import get_residents

KEY = Fernet.generate_key().decode()
OFFICE_CARD, GUARD_CARD, BOSS_CARD = "0A0B0C01", "0A0B0C02", "0A0B0C03"

ATTENDANCE: dict[str, Any] = {
    "terminals": ["clock_office", "gate_guard"],
    "shifts": {
        "day": {"name": "白班", "start": "08:30", "end": "17:30", "grace_minutes": 5, "early_leave_grace": 5},
        "night": {"name": "夜班", "start": "20:00", "end": "08:00"},
    },
    "rotations": {"security_a": {"pattern": ["day", "day", "night", "night", "off", "off"], "start": "2026-03-01"}},
    "teams": [
        {"id": "office", "name": "行政部", "department": "行政部", "shift": "day", "supervisor": "P000001"},
        {"id": "guards", "name": "保安A组", "department": "保安部", "rotation": "security_a", "holidays": "work",
         "supervisor": "P000001"},
    ],
}
#: Staff may pass the office door in office hours only: a punch outside them is denied, and still a punch.
ACCESS: dict[str, Any] = {
    "schedules": {"office": {"name": "办公", "workdays": ["07:00-18:00"]}},
    "groups": [{"id": "staff", "name": "员工", "doors": ["*"], "schedule": "office", "members": {"kinds": ["staff"]}}],
}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SITE_TZ)  # type: ignore[misc]


def config(**attendance: Any) -> dict[str, Any]:
    return {"residents": {"encryption_key": KEY}, "access": ACCESS, "attendance": {**ATTENDANCE, **attendance},
            "notify": [{"name": "supervisors"}]}


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    people: dict[str, str]

    async def punch(self, card: str, moment: datetime, terminal: str = "clock_office") -> None:
        self.clock.set(moment)
        get_access(self.hub).check("card", card, terminal, source=f"reader:{terminal}")
        await self.hub.block_till_done()

    async def call(self, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return await self.hub.services.call("attendance", service, data, return_response=True, **kwargs)


@asynccontextmanager
async def site(tmp_path: Path, start: datetime, **sections: Any) -> AsyncIterator[Site]:
    clock = ManualClock(start, SITE_TZ)
    async with running_hub(tmp_path, {**config(), **sections}, clock=clock) as hub:
        residents = get_residents(hub)
        people = {}
        for name, department, card in (("赵敏", "管理处", BOSS_CARD), ("王芳", "行政部", OFFICE_CARD),
                                       ("李强", "保安部", GUARD_CARD)):
            people[name] = (await residents.add_person(kind="staff", name=name, department=department,
                                                       cards=[card])).id
        for door in ATTENDANCE["terminals"]:
            get_access(hub).register_door(door)
        yield Site(hub, clock, people)
