"""A real hub serving the dashboard, users of each staff role with passwords, and a browser-like
client per user (its own cookie jar) that signs in through the form."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.auth import Actor
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "manager", "guard", "finance")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """One person's browser: cookies kept between requests, redirects not followed."""

    def __init__(self, hub: Hub, session: aiohttp.ClientSession) -> None:
        self.hub = hub
        self.session = session
        self.csrf = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data['http'].port}"

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.session.get(self.base + path, allow_redirects=False, **kwargs) as response:
            text = await response.text()
        if found := CSRF.search(text):
            self.csrf = found.group(1)
        return response.status, text, response

    async def post(self, path: str, data: Mapping[str, str], *, csrf: str | None = None
                   ) -> tuple[int, str, aiohttp.ClientResponse]:
        form = {"csrf_token": self.csrf if csrf is None else csrf, **data}
        async with self.session.post(self.base + path, data=form, allow_redirects=False) as response:
            return response.status, await response.text(), response

    async def sign_in(self, name: str, password: str = PASSWORD) -> tuple[int, str, aiohttp.ClientResponse]:
        await self.get("/dashboard/login")
        return await self.post("/dashboard/login", {"username": name, "password": password})


@asynccontextmanager
async def dashboard_hub(config_dir: Path, config: Mapping[str, Any] | None = None, **kwargs: Any
                        ) -> AsyncIterator[Hub]:
    """A hub with the dashboard on (and whatever else ``config`` names) and a user per role."""
    async with running_hub(config_dir, {"dashboard": {}, **(config or {})}, **kwargs) as hub:
        manager = hub.data["auth"].manager
        for role in ROLES:
            await manager.add_user(role, role, PASSWORD, Actor("hub", "test"))
        yield hub


@asynccontextmanager
async def browser(hub: Hub) -> AsyncIterator[Browser]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield Browser(hub, session)


async def audit_acts(hub: Hub) -> list[dict[str, Any]]:
    await hub.recorder.flush()
    return [record.data for record in await hub.recorder.query("audit", limit=None, newest_first=False)]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """The MQTT broker doors are reached through."""
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process
