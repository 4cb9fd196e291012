"""A real hub serving HTTP on a free port, a real client, and users of each role with tokens."""
from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from xiaoqu.core.auth import Actor
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub

HUB_ACTOR = Actor("hub", "test")


@dataclass
class Api:
    """The hub, its base URL, a client session and a token per role (``tokens["guard"]``)."""

    hub: Hub
    session: aiohttp.ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data['http'].port}"

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    async def request(
        self, method: str, path: str, role: str | None = "admin", **kwargs: Any
    ) -> tuple[int, Any]:
        headers = {**self.headers(role), **kwargs.pop("headers", {})}
        async with self.session.request(method, self.base + path, headers=headers, **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body


async def add_user(hub: Hub, name: str, role: str, password: str | None = None) -> str:
    """Add a user (unless a restarted hub has them) and return a fresh token for them."""
    manager = hub.data["auth"].manager
    if manager.user_by_name(name) is None:
        await manager.add_user(name, role, password, HUB_ACTOR)
    _token, secret = await manager.create_token(name, HUB_ACTOR)
    return secret


ROLES = ("admin", "manager", "guard", "resident")


@asynccontextmanager
async def serve(config_dir: Path, config: Mapping[str, Any] | None = None, **kwargs: Any) -> AsyncIterator[Api]:
    """A hub on ``config`` (HTTP on a free port unless it says otherwise) with a user per role."""
    async with running_hub(config_dir, dict(config or {}), **kwargs) as hub:
        async with aiohttp.ClientSession() as session:
            api = Api(hub, session)
            for role in ROLES:
                api.tokens[role] = await add_user(hub, role, role)
            yield api


@pytest.fixture
def serve_api():
    """``async with serve_api(tmp_path, config) as api``, for tests that need their own config."""
    return serve


@pytest.fixture
async def api(tmp_path: Path, clock) -> AsyncIterator[Api]:
    async with serve(tmp_path, clock=clock) as api:
        yield api
