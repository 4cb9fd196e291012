"""The live event stream: the registered feeds' events as server-sent events, each browser
getting only what its user's role may see and its page's filters ask for.

One bus listener per feed fans each event out to the open streams; a line is rendered once
per language. A browser that falls behind loses its oldest lines rather than holding the
hub's memory. The last lines are kept, so a page opened now starts with what just happened.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from aiohttp import web

from .const import SESSION_COOKIE, STREAM_BACKLOG, STREAM_KEEPALIVE

if TYPE_CHECKING:
    from collections.abc import Callable

    from xiaoqu.core.auth import User
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

    from .registry import Feed
    from .request import PageRequest
    from .runtime import Dashboard

#: Lines kept for pages opened later.
RECENT: Final = 50
ROW_TEMPLATE: Final = "event_row.html"


@dataclass(frozen=True, slots=True)
class Line:
    """One event as the dashboard shows it."""

    time: float
    event_type: str
    label: str
    door: str | None
    detail: str
    permission: str


@dataclass(slots=True)
class Filters:
    """What a page asks for: event types (none: all) and one door."""

    types: frozenset[str] = frozenset()
    door: str | None = None

    def match(self, line: Line) -> bool:
        return (not self.types or line.event_type in self.types) and (self.door is None or line.door == self.door)


@dataclass(slots=True, eq=False)
class Client:
    """One open stream (compared by identity: two tabs of one user are two clients)."""

    user: User
    language: str
    filters: Filters
    queue: deque[str] = field(default_factory=lambda: deque(maxlen=STREAM_BACKLOG))
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class Streams:
    def __init__(self, hub: Hub, dashboard: Dashboard) -> None:
        self._hub = hub
        self._dashboard = dashboard
        self._clients: set[Client] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._closing = asyncio.Event()
        self.recent: deque[Line] = deque(maxlen=RECENT)

    def start(self) -> None:
        for feed in self._dashboard.registry.feeds.values():
            self._unsubscribe.append(self._hub.bus.listen(feed.event_type, self._on_event))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._closing.set()
        for client in self._clients:
            client.wake.set()

    def lines(self, user: User, filters: Filters) -> list[Line]:
        """The recent lines ``user`` may see that ``filters`` match, newest first."""
        allows = self._dashboard.access.allows
        return [line for line in reversed(self.recent) if allows(user, line.permission) and filters.match(line)]

    def _on_event(self, event: Event) -> None:
        feed: Feed = self._dashboard.registry.feeds[event.event_type]
        door = event.data.get("door")
        line = Line(event.time_fired, event.event_type, feed.label, door if isinstance(door, str) else None,
                    feed.detail(event), feed.permission)
        self.recent.append(line)
        rendered: dict[str, str] = {}
        for client in self._clients:
            if not (self._dashboard.access.allows(client.user, line.permission) and client.filters.match(line)):
                continue
            if client.language not in rendered:
                template = self._dashboard.environments[client.language].get_template(ROW_TEMPLATE)
                rendered[client.language] = template.render(line=line)
            client.queue.append(rendered[client.language])
            client.wake.set()

    async def serve(self, page: PageRequest, filters: Filters) -> web.StreamResponse:
        """Stream to one browser until it leaves, its session ends or the hub stops."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(page.request)
        client = Client(page.user, page.language, filters)
        self._clients.add(client)
        cookie = page.request.cookies.get(SESSION_COOKIE)
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(STREAM_KEEPALIVE):
                        await client.wake.wait()
                client.wake.clear()
                # asked before each write: a session ended meanwhile (signed out, the user removed,
                # their password reset) gets nothing more
                if self._closing.is_set() or self._dashboard.sessions.get(cookie, touch=False) is None:
                    break
                await response.write(_frames(client.queue) or b": keep-alive\n\n")
        except ConnectionResetError:
            pass  # the browser went away
        finally:
            self._clients.discard(client)
        return response


def _frames(queue: deque[str]) -> bytes:
    """Every queued line as an SSE ``line`` event (one ``data:`` per line of HTML)."""
    frames = []
    while queue:
        data = "".join(f"data: {part}\n" for part in queue.popleft().splitlines() or [""])
        frames.append(f"event: line\n{data}\n")
    return "".join(frames).encode()
