"""A small estate with a card centre on a real hub: a building's door, a canteen's staff, cards."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.cards import Cards, get_cards
from xiaoqu.integrations.residents import get_residents

KEY = Fernet.generate_key().decode()
#: 王芳's card on the office's sheet: 04A2B3C4 = Wiegand-26 162,46020.
SHEET_CARD = "04A2B3C4"
LOW_BALANCE_FEN = 1000

ACCESS: dict[str, Any] = {
    "schedules": {"residents": {"name": "住户", "workdays": ["06:00-23:00"], "weekends": ["07:00-23:00"]}},
    "groups": [
        {"id": "b1", "name": "1号楼住户", "doors": ["b1_*", "gate_south"], "schedule": "residents",
         "members": {"buildings": [1]}},
        {"id": "pool", "name": "泳池", "doors": ["pool"], "members": {"buildings": [9]}},
    ],
}


def config(**cards: Any) -> dict[str, Any]:
    return {"residents": {"encryption_key": KEY}, "access": ACCESS,
            "cards": {"low_balance_fen": LOW_BALANCE_FEN, **cards}}


@dataclass
class Estate:
    hub: Hub
    clock: ManualClock
    cards: Cards
    people: dict[str, str]

    async def call(self, service: str, data: dict[str, Any]) -> Any:
        answer = await self.hub.services.call("cards", service, data, return_response=True)
        await self.hub.block_till_done()
        return answer

    def door(self, card: str, door: str = "b1_east") -> Any:
        return get_access(self.hub).check("card", card, door)


@asynccontextmanager
async def estate(tmp_path: Path, clock: ManualClock, **cards: Any) -> AsyncIterator[Estate]:
    async with running_hub(tmp_path, config(**cards), clock=clock) as hub:
        people = await populate(hub)
        access = get_access(hub)
        for door in ("b1_east", "gate_south", "pool"):
            access.register_door(door)
        yield Estate(hub, clock, get_cards(hub), people)


async def populate(hub: Hub) -> dict[str, str]:
    residents = get_residents(hub)
    if residents.person_by_uid(int(SHEET_CARD, 16)) is not None:  # a restarted hub keeps its people
        return {p.name: p.id for p in residents.persons()}
    await residents.add_household("1-2-0601")
    people = {}
    for name, role, cards in (("王芳", "owner", [SHEET_CARD]), ("李强", "family", [])):
        people[name] = (await residents.add_person(kind="resident", name=name, household="1-2-0601", role=role,
                                                   cards=cards)).id
    people["赵敏"] = (await residents.add_person(kind="staff", name="赵敏", department="物业")).id
    return people
