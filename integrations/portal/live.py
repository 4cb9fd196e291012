"""The devices page kept live: each change of one of the household's entities, sent to the
phone as a server-sent event named by the entity, whose data is its row (htmx swaps it in).

A stream follows the entities the resident's scope held when it opened (one dict lookup per
state change, ``track_state_change``), and sends a change only while the scope still holds the
entity (a device staff gave to another household since is that household's); a device added
later appears on the next page load.
It ends when the session does, when the resident is no longer of the household (moved,
unlinked, erased: the page, reloaded, shows what they may see now), when the phone goes away,
or when the hub stops. A phone that
falls behind loses its oldest rows rather than holding the hub's memory.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING

from aiohttp import web

from xiaoqu.core.tracking import track_state_change
from xiaoqu.integrations.dashboard.const import CSRF_FIELD, SESSION_COOKIE
from xiaoqu.integrations.residents import get_residents

from .const import DATA_LIVE, LIVE_BACKLOG, LIVE_KEEPALIVE, ROOT
from .devices import device, household_devices

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.residents import ResidentsChange

    from .request import PortalRequest

ROW_TEMPLATE = "portal/device_row.html"


class Live:
    """The hub's open streams, so that stopping the hub ends them at once."""

    def __init__(self) -> None:
        self.closing = False
        self.wakes: set[asyncio.Event] = set()

    def stop(self) -> None:
        self.closing = True
        for wake in self.wakes:
            wake.set()


def live_of(hub: Hub) -> Live:
    found = hub.data.get(DATA_LIVE)
    if found is None:
        found = hub.data[DATA_LIVE] = Live()
    return found


def _event(name: str, html: str) -> str:
    """One server-sent event: its name, and one ``data:`` line per line of ``html``."""
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in html.splitlines() or [""]) + "\n"


def _still_theirs(page: PortalRequest, entity_id: str) -> bool:
    """Whether the resident's scope holds ``entity_id`` now: staff may have given a device the
    stream follows to another household since it opened, whose changes are not theirs to see."""
    scope = page.dashboard.access.scope_of(page.user, page.context)
    return scope is not None and scope.allows(entity_id)


def _at_home(page: PortalRequest) -> bool:
    person = get_residents(page.hub).person_for_user(page.user.name)
    return person is not None and not person.erased and person.household == page.household


async def stream(page: PortalRequest) -> web.StreamResponse:
    live = live_of(page.hub)
    template = page.dashboard.environments[page.language].get_template(ROW_TEMPLATE)
    queue: deque[str] = deque(maxlen=LIVE_BACKLOG)
    wake = asyncio.Event()

    def changed(event: Event) -> None:
        new_state = event.data.get("new_state")
        if new_state is not None and _still_theirs(page, new_state.entity_id):
            shown = device(page.hub, new_state)
            queue.append(_event(shown.entity_id, template.render(
                device=shown, root=ROOT, csrf_field=CSRF_FIELD, csrf_token=page.session.csrf)))
            wake.set()

    def moved(change: ResidentsChange) -> None:
        if change.id == page.person.id:
            wake.set()  # the loop looks whether they are still at home

    unsubscribe = track_state_change(page.hub, [shown.entity_id for shown in household_devices(page)], changed)
    unlisten = get_residents(page.hub).listen(moved)
    live.wakes.add(wake)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    cookie = page.request.cookies.get(SESSION_COOKIE)
    try:
        await response.prepare(page.request)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LIVE_KEEPALIVE):
                    await wake.wait()
            wake.clear()
            # asked before each write: a session ended meanwhile (signed out, the user removed,
            # their password reset) or a resident no longer of the household gets nothing more
            if live.closing or page.dashboard.sessions.get(cookie, touch=False) is None or not _at_home(page):
                break
            frames = "".join(queue.popleft() for _ in range(len(queue)))
            await response.write(frames.encode() if frames else b": keep-alive\n\n")
    except ConnectionResetError:
        pass  # the phone went away
    finally:
        live.wakes.discard(wake)
        unlisten()
        unsubscribe()
    return response
