"""Every role through every dashboard and portal page and act, on the demo: allowed or refused
exactly as the one permission table says, and as docs/security.md's table of pages says.

Staff's pages (``/dashboard/``) admit the staff roles the table lets in; the residents' portal
(``/portal/``) admits residents with a household, and nobody else. The walk reads the pages
from the registries, so a page a domain adds later is walked too; a page whose path has a part
this walk cannot fill in fails it until :data:`SAMPLES` learns to fill it. A refused page
answers 403 and is audited; an allowed one answers what a person would see (200 for a page; for
an act sent empty, the form's own complaint, never 403 or 500). Nothing here swipes or opens a
door: acts are sent without the fields they need.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.demo import demo_config, import_the_estate
from tests.integrations.dashboard.conftest import PASSWORD, Browser, audit_acts, browser
from xiaoqu.core.auth import Actor
from xiaoqu.core.auth.permissions import ROLES, SCOPED_ROLES
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.dashboard.const import AUDIT_PAGE_DENIED, DATA_DASHBOARD
from xiaoqu.integrations.dashboard.const import ROOT as STAFF_ROOT
from xiaoqu.integrations.dashboard.registry import Page
from xiaoqu.integrations.door.const import DATA_DOORS
from xiaoqu.integrations.notices import get_notices
from xiaoqu.integrations.parking import get_parking
from xiaoqu.integrations.portal.const import ROOT as PORTAL_ROOT
from xiaoqu.integrations.portal.registry import registry as portal_registry
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.tickets import get_tickets
from xiaoqu.integrations.tickets.models import Ticket

SECURITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
#: Acts whose empty form still does something to the walker itself.
SKIPPED_ACTS = {"logout"}
PARAMETER = re.compile(r"{(\w+)}")


def _first(values: list[str]) -> str:
    assert values, "the demo has none to walk with"
    return sorted(values)[0]


#: How to fill each part of a path in, from the running demo.
SAMPLES: dict[str, Callable[[Hub], str]] = {
    "door": lambda hub: _first([door.door_id for door in hub.data[DATA_DOORS].doors()]),
    "entity_id": lambda hub: "lock.gate_1" if hub.states.get("lock.gate_1") else _first(hub.states.entity_ids()),
    "device_id": lambda hub: _first([device.id for device in hub.devices.all()]),
    "household": lambda hub: _first([household.id for household in get_residents(hub).households()]),
    "card": lambda hub: _first([card for person in get_residents(hub).persons() for card in person.cards]),
    "visit": lambda hub: "V-walk-0001",  # none yet: an act on it answers "not found", or 403 first
    "request": lambda hub: "R00000000",  # a footage request none has made: "no request", or 403 first
    "notice": lambda hub: _first(list(get_notices(hub).notices)),
    "automation_id": lambda hub: _first([state.entity_id.split(".", 1)[1] for state in hub.states.all("automation")]),
    "lot": lambda hub: _first(list(get_parking(hub).lots)),
    "session": lambda hub: _parking_session(hub),
    "ticket": lambda hub: _ticket(hub),
    "plan": lambda hub: "fire",  # the walk's empty form is refused for its reason before anything starts
}


def _parking_session(hub: Hub) -> str:
    """A car park session to walk with: the first there is, else one opened for a car named at
    the first entry lane (no gate is commanded: the session is only written down)."""
    parking = get_parking(hub)
    if not parking.sessions.by_id:
        lane = next(lane for lane in parking.lanes.values() if lane.direction == "in")
        now = hub.clock.time()
        read = parking.read_at(lane, "粤B12345", now)
        parking.open_session(read, parking.rules.who(parking.lots[lane.lot], read.plate, now), "walk", "walk", now)
    return _first(list(parking.sessions.by_id))


def _ticket(hub: Hub) -> str:
    """A ticket to walk to: the first there is, else one of the demo's first category kept in
    memory only (nothing is written or announced)."""
    tickets = get_tickets(hub)
    if not tickets.tickets:
        now = hub.clock.time()
        tickets.tickets["T0000A1B2"] = Ticket("T0000A1B2", next(iter(tickets.categories)), "walk", now, now + 3600,
                                              "walk", "new")
    return _first(list(tickets.tickets))


def filled(hub: Hub, root: str, page: Page) -> str:
    """``page``'s URL under ``root`` with each ``{part}`` filled from the demo."""
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in SAMPLES, f"page {page.path!r}: the walk cannot fill {{{name}}}; add it to SAMPLES"
        return SAMPLES[name](hub)
    return f"{root}/{PARAMETER.sub(fill, page.path)}"


def pages(hub: Hub) -> list[tuple[str, Page]]:
    """Every page of both areas, with its area's root."""
    return [*((STAFF_ROOT, page) for page in hub.data[DATA_DASHBOARD].registry.pages),
            *((PORTAL_ROOT, page.as_page()) for page in portal_registry(hub).pages)]


def may(hub: Hub, role: str, root: str, page: Page) -> bool:
    """What the table says: the area admits the role, and the role has the page's permission."""
    if (root == PORTAL_ROOT) != (role in SCOPED_ROLES):
        return False
    return page.permission is None or hub.data["auth"].permissions.allows(role, page.permission)


def documented() -> dict[tuple[str, str], set[str]]:
    """docs/security.md's table of dashboard pages: (method, path) to the roles it lists."""
    text = SECURITY_DOC.read_text(encoding="utf-8")
    section = text.split("### Dashboard pages by role", 1)[1].split("\n## ", 1)[0]
    rows: dict[tuple[str, str], set[str]] = {}
    for line in [line for line in section.splitlines() if line.startswith("|")][2:]:
        method, path, _permission, roles = (cell.strip(" `") for cell in line.strip("|").split("|"))
        rows[(method, path)] = {role.strip() for role in roles.split(",") if role.strip()}
    return rows


def table_row(hub: Hub, root: str, page: Page) -> str:
    """The row docs/security.md should have for ``page``: printed when it is missing or wrong."""
    roles = [role for role in ROLES if may(hub, role, root, page)]
    return f"| {page.method} | `{root}/{page.path}` | `{page.permission or '-'}` | {', '.join(roles)} |"


@pytest.fixture
async def demo(tmp_path: Path) -> Any:
    config = demo_config()
    config.pop("simulator")  # the walk needs the pages, not the traffic
    config["modbus"] = []
    config.pop("acme_barrier", None)
    config.pop("barrier", None)
    import_the_estate(tmp_path, config)
    async with running_hub(tmp_path, config) as hub:
        for role in ROLES:
            await hub.data["auth"].manager.add_user(f"walk-{role}", role, PASSWORD, Actor("hub", "test"))
        residents = get_residents(hub)
        await residents.link_user(next(iter(residents.persons())).id, "walk-resident")
        await get_notices(hub).send({"all": True}, title="巡查通知", body="本周巡查公共区域。")  # one to walk to
        yield hub


async def _walk(hub: Hub, who: Browser, role: str, root: str, page: Page) -> str | None:
    """One page for one role; what went wrong, or None."""
    url = filled(hub, root, page)
    allowed = may(hub, role, root, page)
    if page.method == "GET":
        async with who.session.get(who.base + url, allow_redirects=False) as response:
            status = response.status  # the body is not read: a live stream never ends
        expected = {200} if allowed else {403}
    else:
        status, _text, _ = await who.post(url, {})
        expected = set(range(200, 500)) - {401, 403} if allowed else {403}
    if status not in expected:
        return f"{role} {page.method} {url}: {status}, expected {'allowed' if allowed else 403}"
    return None


def _own_form(role: str) -> str:
    """A page each role may open, whose form carries the session's CSRF token."""
    return f"{PORTAL_ROOT}/password" if role in SCOPED_ROLES else f"{STAFF_ROOT}/password"


async def test_each_role_sees_and_does_what_the_table_says(demo: Hub) -> None:
    walked = [(root, page) for root, page in pages(demo) if page.path.split("/")[0] not in SKIPPED_ACTS]
    wrong: list[str] = []
    for role in ROLES:
        async with browser(demo) as who:
            assert (await who.sign_in(f"walk-{role}"))[0] == 303
            await who.get(_own_form(role))  # the session's CSRF token, for the acts
            for root, page in walked:
                if (found := await _walk(demo, who, role, root, page)) is not None:
                    wrong.append(found)
    assert not wrong, "\n".join(wrong)
    denied = [act for act in await audit_acts(demo) if act["act"] == AUDIT_PAGE_DENIED]
    refused = sum(1 for role in ROLES for root, page in walked if not may(demo, role, root, page))
    assert len(denied) == refused  # each refusal audited, once


async def test_docs_security_lists_every_page_with_its_roles(demo: Hub) -> None:
    rows = documented()
    expected = {(page.method, f"{root}/{page.path}"): table_row(demo, root, page) for root, page in pages(demo)}
    missing = [row for key, row in expected.items()
               if key not in rows or rows[key] != set(row.rsplit("|", 2)[1].replace(" ", "").split(","))]
    stale = [f"{method} {path}" for method, path in rows if (method, path) not in expected]
    assert not missing and not stale, (
        "docs/security.md's 'Dashboard pages by role' is out of date.\nRows to write:\n"
        + "\n".join(missing) + ("\nRows of pages that no longer exist: " + ", ".join(stale) if stale else ""))
