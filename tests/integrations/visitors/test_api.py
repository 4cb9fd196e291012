"""The visitors services through the hub's REST API: described in ``/api/openapi.json`` and
fuzzed from it (valid and invalid requests, as an admin and without a token: never a 500, never
open without one), and a resident's token reaching their own household's visits only."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import schemathesis
from cryptography.fernet import Fernet

from tests.core.http.conftest import add_user
from tests.e2e.test_api_fuzz import fuzz_operation
from tests.integrations.visitors.conftest import ACCESS, VISITORS
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents

HOUSEHOLDS = ("1-1-0101", "2-1-0202")


async def test_the_services_are_fuzzed_through_the_api_with_no_500(tmp_path: Path) -> None:
    config = {"http": {"server_port": 0, "ip_ban_enabled": False},
              "residents": {"encryption_key": Fernet.generate_key().decode()}, "access": ACCESS, "visitors": VISITORS}
    async with running_hub(tmp_path, config) as hub:
        residents = get_residents(hub)
        for household in HOUSEHOLDS:
            await residents.add_household(household)
        token = await add_user(hub, "admin", "admin")
        base_url = f"http://127.0.0.1:{hub.data['http'].port}"
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as session, session.get(f"{base_url}/api/openapi.json",
                                                                   headers=headers) as response:
            assert response.status == 200
            spec = await response.json()
        ours = [path for path in spec["paths"] if path.startswith("/api/services/visitors/")]
        assert sorted(ours) == [f"/api/services/visitors/{name}" for name in
                                ("checkout", "confirm", "log", "pass", "register", "reveal")]

        def run() -> list[str]:
            problems: set[str] = set()
            for result in schemathesis.openapi.from_dict(spec).get_all_operations():
                operation = result.ok()
                if operation.path in ours:
                    fuzz_operation(operation, base_url, headers, problems)
            return sorted(problems)

        async with asyncio.timeout(120):
            assert await asyncio.to_thread(run) == []


async def test_a_residents_token_answers_their_own_households_visits_only(tmp_path: Path) -> None:
    config = {"residents": {"encryption_key": Fernet.generate_key().decode()}, "access": ACCESS, "visitors": VISITORS}
    async with running_hub(tmp_path, config) as hub:
        residents = get_residents(hub)
        tokens = {}
        for user, household in zip(("alice", "bob"), HOUSEHOLDS, strict=True):
            await residents.add_household(household)
            tokens[user] = await add_user(hub, user, "resident")
            person = await residents.add_person(household=household, role="owner", name=user.title())
            await residents.link_user(person.id, user)
        visit = (await hub.services.call("visitors", "register", {
            "name": "张三", "phone": "13800000000", "host_household": HOUSEHOLDS[0], "purpose": "visit",
            "leave_by": (hub.clock.now() + timedelta(hours=1)).isoformat()},
            context=Context(), return_response=True))["visit_id"]
        base_url = f"http://127.0.0.1:{hub.data['http'].port}/api/services/visitors"
        async with aiohttp.ClientSession() as session:
            async def post(user: str, service: str, body: dict) -> tuple[int, str]:
                async with session.post(f"{base_url}/{service}?return_response", json=body,
                                        headers={"Authorization": f"Bearer {tokens[user]}"}) as response:
                    return response.status, await response.text()

            status, text = await post("bob", "confirm", {"visit_id": visit, "accept": True})
            assert status == 400 and f"visit {visit} is not found" in text
            assert (await post("bob", "register", {}))[0] == 403
            status, text = await post("alice", "confirm", {"visit_id": visit, "accept": True})
            assert status == 200 and '"confirmed"' in text
