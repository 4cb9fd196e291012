"""The demo hub served for a real browser, and what the browser tests share: Debian's
Chromium, the demo's manager, screenshots, signing in.

The hub runs on its own event loop in a thread of its own, on the real clock, so the simulator
keeps swiping cards while the browser (in the test's thread, Playwright's sync API) signs in
and watches the pages.
"""
from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.e2e.demo import demo_config, import_the_estate
from xiaoqu.core.auth import Actor
from xiaoqu.core.bus import Event
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.dashboard.const import LOGIN_PATH
from xiaoqu.integrations.door.const import DATA_DOORS

#: Debian's package, installed by .ci/run; Playwright never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
#: Chromium as root needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Screenshots of each main page, kept after the run (gitignored) for a person to look at.
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MANAGER = "manager-wang"
PASSWORD = "gate-and-garden-2026"
#: How long a page may take to show what the hub did (a swipe comes every few seconds).
LIVE_TIMEOUT_MS = 15_000

T = TypeVar("T")


class DemoSite:
    """The demo hub on a thread's event loop; the tests reach into it only through ``call``."""

    def __init__(self, config_dir: Path) -> None:
        self._config_dir = config_dir
        self._config = demo_config()
        self._ready: Future[Hub] = Future()
        self.hub: Hub | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, name="demo-hub", daemon=True)

    def start(self) -> Hub:
        """Import the estate as ``make run`` does, start the hub, and wait until it serves."""
        import_the_estate(self._config_dir, self._config)
        self._thread.start()
        self.hub = self._ready.result(timeout=60)
        return self.hub

    @property
    def base_url(self) -> str:
        assert self.hub is not None
        return f"http://127.0.0.1:{self.hub.data['http'].port}"

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the hub's loop (the hub is not thread-safe) and return its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def watch(self, *event_types: str) -> list[Event]:
        """The hub's events of ``event_types`` from now on: a list the hub's thread fills as
        they happen, so a test can ask what the hub did after the browser acted."""
        seen: list[Event] = []
        self.call(self._listen(event_types, seen.append))
        return seen

    async def _listen(self, event_types: tuple[str, ...], callback: Callable[[Event], None]) -> None:
        assert self.hub is not None
        for event_type in event_types:
            self.hub.bus.listen(event_type, callback)

    def records(self, kind: str) -> list[dict[str, Any]]:
        """The recorder's records of ``kind`` (the access log, the audit log), flushed first."""
        return self.call(self._records(kind))

    async def _records(self, kind: str) -> list[dict[str, Any]]:
        assert self.hub is not None
        await self.hub.recorder.flush()
        return [record.data for record in await self.hub.recorder.query(kind, limit=None)]

    def doors(self) -> dict[str, str]:
        """The simulator's doors as the hub knows them: id to name."""
        assert self.hub is not None
        return {door.door_id: door.settings.name for door in self.hub.data[DATA_DOORS].doors()}

    def _serve(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            async with running_hub(self._config_dir, self._config) as hub:
                await hub.data["auth"].manager.add_user(MANAGER, "manager", PASSWORD, Actor("hub", "test"))
                self._ready.set_result(hub)
                await self._stop.wait()
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here; None when they can. Under .ci/run (which installs
    Chromium and sets XIAOQU_CI) a missing browser is a failure, never a skip."""
    if CHROMIUM.exists():
        return None
    message = f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does)"
    if os.environ.get("XIAOQU_CI"):
        pytest.fail(message)
    return message


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``artifacts/<name>.png``: the record a person looks at after CI."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def sign_in(page: Page, name: str, password: str) -> None:
    """Fill and send the sign-in form, as a person would."""
    page.goto(LOGIN_PATH)
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.locator("form", has=page.locator("input[name=password]")).locator("button").click()
