"""Scripts on a real hub (built as ``xiaoqu run`` builds one, on a manual clock), written as
YAML like a site's config, and what they did: the notifications sent, the events fired and
the calls of services a test registers.
"""
from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from xiaoqu.core.bus import Event
from xiaoqu.core.hub import Hub
from xiaoqu.core.services import ServiceCall, SupportsResponse
from xiaoqu.core.testing import running_hub


@dataclass
class Seen:
    """What happened on a hub: events of the types listened to, and service calls recorded."""

    hub: Hub
    events: list[Event] = field(default_factory=list)
    calls: list[ServiceCall] = field(default_factory=list)

    def listen(self, *event_types: str) -> None:
        for event_type in event_types:
            self.hub.bus.listen(event_type, self.events.append)

    def record(self, *services: str) -> None:
        """Register each ``domain.service`` as a recorder answering ``{"count": n}``."""
        for name in services:
            domain, _, service = name.partition(".")
            self.hub.services.register(domain, service, self._record, supports_response=SupportsResponse.OPTIONAL)

    def _record(self, call: ServiceCall) -> dict[str, Any]:
        self.calls.append(call)
        return {"count": len(self.calls)}

    def data(self, event_type: str, **match: Any) -> list[dict[str, Any]]:
        """The data of the events of ``event_type`` whose data holds ``match``."""
        return [dict(e.data) for e in self.events
                if e.event_type == event_type and all(e.data.get(k) == v for k, v in match.items())]

    def called(self, name: str) -> list[dict[str, Any]]:
        return [dict(call.data) for call in self.calls if f"{call.domain}.{call.service}" == name]

    def messages(self, target: str) -> list[str]:
        """The messages notify.<target> sent."""
        return [data["message"] for data in self.data("notification_sent", target=target)]


Start = Callable[..., AbstractAsyncContextManager[Hub]]


@pytest.fixture
def start(tmp_path: Path, clock) -> Start:
    """``async with start(config_text, **other_files) as hub``: a hub running that config.

    ``other_files`` are written beside it (``scripts_yaml=...`` → ``scripts.yaml``), for
    ``!include``. With ``expect_problems=True`` a config with errors still starts.
    """

    @asynccontextmanager
    async def starting(text: str, *, expect_problems: bool = False, **files: str) -> AsyncIterator[Hub]:
        for name, content in files.items():
            (tmp_path / name.replace("_yaml", ".yaml")).write_text(textwrap.dedent(content), encoding="utf-8")
        config = textwrap.dedent(text)
        if "http:" not in config:
            config += "\nhttp: {server_port: 0}\n"
        async with running_hub(tmp_path, config, clock=clock, expect_problems=expect_problems) as hub:
            yield hub

    return starting


@pytest.fixture
def seen_on() -> Callable[[Hub], Seen]:
    return Seen


async def settle(hub: Hub) -> None:
    """Let a call started as a task reach its first wait (then every tracked task finish)."""
    for _ in range(3):
        await asyncio.sleep(0)
    await hub.block_till_done()


def call(hub: Hub, service: str, data: dict[str, Any] | None = None, **kwargs: Any) -> asyncio.Task[Any]:
    """Call ``script.<service>`` (or any ``domain.service``) as a task: the test goes on while it waits."""
    domain, _, name = service.rpartition(".")
    return asyncio.get_running_loop().create_task(hub.services.call(domain or "script", name, data, **kwargs))
