"""A small estate on a real hub: two buildings, a gate, a car gate, a few people and cards."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import Access, get_access
from xiaoqu.integrations.residents import get_residents

KEY = Fernet.generate_key().decode()
#: 王芳's card: 04A2B3C4 = 0077771716 in decimal = Wiegand-26 (162,46020).
CARD = "04A2B3C4"

ACCESS: dict[str, Any] = {
    "schedules": {
        "residents": {"name": "住户", "workdays": ["06:00-23:00"], "weekends": ["07:00-23:00"]},
        "office": {"name": "办公", "workdays": ["08:00-17:30"]},
    },
    "groups": [
        {"id": "b1", "name": "1号楼住户", "doors": ["b1_*", "gate_south"], "schedule": "residents",
         "members": {"buildings": [1], "kinds": ["resident"]}},
        {"id": "b2", "name": "2号楼住户", "doors": ["b2_*", "gate_south"], "schedule": "residents",
         "members": {"buildings": [2]}},
        {"id": "cars", "name": "车辆", "doors": ["gate_car"], "members": {"kinds": ["resident"]}},
        {"id": "staff", "name": "物业", "doors": ["*"], "schedule": "office", "members": {"kinds": ["staff"]}},
    ],
}


def config(**access: Any) -> dict[str, Any]:
    return {"residents": {"encryption_key": KEY}, "access": {**ACCESS, **access}}


@asynccontextmanager
async def estate(tmp_path: Path, clock: ManualClock, **access: Any) -> AsyncIterator[tuple[Hub, Access, dict[str, str]]]:
    """The hub, access, and the estate's people by name (their ids)."""
    async with running_hub(tmp_path, config(**access), clock=clock) as hub:
        people = await populate(hub)
        access_ = get_access(hub)
        for door, kind in (("b1_east", "pedestrian"), ("b2_east", "pedestrian"), ("gate_south", "pedestrian"),
                           ("gate_car", "vehicle")):
            access_.register_door(door, kind)
        yield hub, access_, people


async def populate(hub: Hub) -> dict[str, str]:
    residents = get_residents(hub)
    if residents.person_by_uid(int(CARD, 16)) is not None:  # a restarted hub keeps its people
        return {p.name: p.id for p in residents.persons()}
    for household in ("1-1-0101", "1-2-0601", "2-1-0301"):
        await residents.add_household(household)
    people = {}
    for name, household, role, card, face in (("王芳", "1-2-0601", "owner", CARD, "face-wf"),
                                              ("李强", "1-2-0601", "family", "11223344", "face-lq"),
                                              ("张伟", "2-1-0301", "tenant", "55667788", "face-zw")):
        person = await residents.add_person(kind="resident", name=name, household=household, role=role, cards=[card],
                                            face_id=face)
        people[name] = person.id
    staff = await residents.add_person(kind="staff", name="赵敏", department="物业", cards=["0A0B0C0D"])
    people["赵敏"] = staff.id
    await residents.add_vehicle("沪A12345", "1-2-0601", people["王芳"])
    await residents.add_vehicle("沪B54321", "2-1-0301")
    return people
