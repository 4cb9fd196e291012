"""schemathesis against ``GET /api/openapi.json`` on a real hub with residents, access and doors.

Every operation of the document is called with generated requests, valid and invalid for the
document, as an admin and without a token: no answer may be a 500, and without a token every route but the public ones answers
401. The examples are few per operation, so the whole run takes seconds, not minutes; the
document is the hub's own, so a route or service added later is fuzzed without a change here.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import hypothesis
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase

from tests.core.http.conftest import add_user
from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.door.conftest import ACCESS, DOORS
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt

EXAMPLES = 6
#: Public without a token: whether the hub runs, signing in, and webhooks (their id is their secret).
PUBLIC = {"/api/health", "/api/auth/login", "/api/webhook/{webhook_id}"}
#: Called only without a token: as the admin they would end the run's own session.
NOT_AS_ADMIN = {"/api/auth/logout"}
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fuzz(spec: dict[str, Any], base_url: str, token: str) -> list[str]:
    """What went wrong, one line per operation and kind of problem (blocking: run in a thread)."""
    problems: set[str] = set()
    for result in schemathesis.openapi.from_dict(spec).get_all_operations():
        fuzz_operation(result.ok(), base_url, {"Authorization": f"Bearer {token}"}, problems)
    return sorted(problems)


def fuzz_operation(operation: schemathesis.APIOperation, base_url: str, admin: dict[str, str],
                   problems: set[str]) -> None:
    path = operation.path
    public = path in PUBLIC
    strategy = operation.as_strategy() | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)

    @SETTINGS
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        anonymous = case.call(base_url=base_url)
        if anonymous.status_code >= 500 or (not public and anonymous.status_code != 401):
            problems.add(f"{case.method} {path} without a token: {anonymous.status_code}")
        if path not in NOT_AS_ADMIN and (answer := case.call(base_url=base_url, headers=admin)).status_code >= 500:
            problems.add(f"{case.method} {case.formatted_path} as admin: {answer.status_code} {answer.text[:200]}")

    run()


async def test_no_500_and_no_route_open_without_a_token(tmp_path: Path, broker: BrokerProcess) -> None:
    site = tmp_path / "site"
    site.mkdir()
    config = {
        "http": {"server_port": 0, "ip_ban_enabled": False},  # fuzzing logins must not ban the fuzzer
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": ACCESS,
        "door": {"doors": DOORS},
    }
    async with running_hub(site, config) as hub:
        await mqtt.wait_connected(hub)
        token = await add_user(hub, "admin", "admin")
        server = hub.data["http"]
        base_url = f"http://127.0.0.1:{server.port}"
        async with asyncio.timeout(60):
            spec = await _spec(base_url, token)
            problems = await asyncio.to_thread(fuzz, spec, base_url, token)
    assert problems == []


async def _spec(base_url: str, token: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, \
            session.get(f"{base_url}/api/openapi.json", headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        spec: dict[str, Any] = await response.json()
        return spec
