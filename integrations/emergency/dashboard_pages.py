"""The emergency pages on the staff dashboard: the plans with their state and the forms to
activate or stand one down with a reason; an active plan's actions with each target's outcome,
live; the drills with their evaluation; the supplies by expiry; the contact tree with who is on
duty. Acts are the services as the signed-in user (``page.call``), so the plan's roles and the
audit apply as through the API."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from xiaoqu.integrations.dashboard import N_, Feed, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.stream import Filters

from .const import (
    DOMAIN,
    EVENT_ACTIVATED,
    EVENT_DRILL_RECORDED,
    EVENT_INPUT_IGNORED,
    EVENT_STOOD_DOWN,
    EVENT_SUPPLY_EXPIRING,
    SERVICE_ACTIVATE,
    SERVICE_CONTACTS,
    SERVICE_DRILLS,
    SERVICE_PLANS,
    SERVICE_STAND_DOWN,
    SERVICE_SUPPLIES,
)
from .runtime import get_emergency
from .views import plan_row

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event

PLANS: Final = f"{DOMAIN}.{SERVICE_PLANS}"
#: The events the plans page shows live: each activation's and stand-down's outcomes as they come.
LIVE: Final = frozenset({EVENT_ACTIVATED, EVENT_STOOD_DOWN, EVENT_INPUT_IGNORED})
EMERGENCY: Final = N_("Emergency")
OUTCOME_BADGES: Final = {"confirmed": "ok", "sent": "", "failed": "bad", "skipped": "warn"}
OUTCOME_LABELS: Final = {"confirmed": N_("confirmed"), "sent": N_("sent"), "failed": N_("failed"),
                         "skipped": N_("skipped")}
VERDICT_LABELS: Final = {"within": N_("within target"), "over": N_("over target"), "no target": N_("no target"),
                         "not done": N_("not done")}


async def plans_page(page: PageRequest) -> web.Response:
    emergency = get_emergency(page.hub)
    role = page.user.role
    rows = [{**plan_row(emergency, plan), "may_act": emergency.plans.may(plan, role)}
            for plan in emergency.plans.plans.values()]
    live = Filters(LIVE)
    return page.render("emergency/plans.html", plans=rows, badges=OUTCOME_BADGES, labels=OUTCOME_LABELS,
                       lines=page.dashboard.streams.lines(page.user, live),
                       stream_query=urlencode([("type", kind) for kind in sorted(LIVE)]),
                       may_activate=page.allows(f"{DOMAIN}.{SERVICE_ACTIVATE}"),
                       may_stand_down=page.allows(f"{DOMAIN}.{SERVICE_STAND_DOWN}"),
                       past=[a.as_dict() for a in emergency.plans.past()])


async def _act(page: PageRequest, service: str) -> web.Response:
    form = await Form.of(page)
    reason = form.required("reason", N_("Reason"))
    plan = page.request.match_info["plan"]
    await page.call(DOMAIN, service, {"plan": plan, "reason": reason}, return_response=True)
    return page.redirect(f"{page.request.path.rsplit('/', 3)[0]}/plans")


async def activate(page: PageRequest) -> web.Response:
    return await _act(page, SERVICE_ACTIVATE)


async def stand_down(page: PageRequest) -> web.Response:
    return await _act(page, SERVICE_STAND_DOWN)


async def drills_page(page: PageRequest) -> web.Response:
    return page.render("emergency/drills.html", drills=get_emergency(page.hub).drills.list(),
                       verdicts=VERDICT_LABELS)


async def supplies_page(page: PageRequest) -> web.Response:
    return page.render("emergency/supplies.html", supplies=get_emergency(page.hub).supplies.rows())


async def contacts_page(page: PageRequest) -> web.Response:
    return page.render("emergency/contacts.html", tree=get_emergency(page.hub).contact_tree())


def _detail(event: Event) -> str:
    """The plan and, for an activation or a stand-down, each outcome's count and what failed."""
    data = event.data
    said = str(data.get("plan") or data.get("name") or "")
    if "outcomes" in data:
        said += ": " + ", ".join(f"{count} {outcome}" for outcome, count in sorted(data["outcomes"].items()))
        failed = [r["target"] for r in data.get("results", ()) if r["outcome"] == "failed"]
        if failed:
            said += f" ({', '.join(failed)})"
    elif "state" in data:
        said += f": {data['entity_id']} {data['state']}"
    return said


PAGES: Final = (
    Page("emergency/plans", plans_page, permission=PLANS, title=N_("Emergency plans"), order=5, group=EMERGENCY),
    Page("emergency/plans/{plan}/activate", activate, permission=f"{DOMAIN}.{SERVICE_ACTIVATE}", method="POST"),
    Page("emergency/plans/{plan}/stand_down", stand_down, permission=f"{DOMAIN}.{SERVICE_STAND_DOWN}",
         method="POST"),
    Page("emergency/drills", drills_page, permission=f"{DOMAIN}.{SERVICE_DRILLS}", title=N_("Drills"), order=6,
         group=EMERGENCY),
    Page("emergency/supplies", supplies_page, permission=f"{DOMAIN}.{SERVICE_SUPPLIES}",
         title=N_("Emergency supplies"), order=7, group=EMERGENCY),
    Page("emergency/contacts", contacts_page, permission=f"{DOMAIN}.{SERVICE_CONTACTS}", title=N_("Contact tree"),
         order=8, group=EMERGENCY),
)
FEEDS: Final = (Feed(EVENT_ACTIVATED, N_("Emergency plan activated"), _detail, PLANS),
                Feed(EVENT_STOOD_DOWN, N_("Emergency plan stood down"), _detail, PLANS),
                Feed(EVENT_INPUT_IGNORED, N_("Fire-alarm input changed while latched"), _detail, PLANS),
                Feed(EVENT_DRILL_RECORDED, N_("Drill recorded"), _detail, f"{DOMAIN}.{SERVICE_DRILLS}"),
                Feed(EVENT_SUPPLY_EXPIRING, N_("Emergency supply expiring"), _detail,
                     f"{DOMAIN}.{SERVICE_SUPPLIES}"))
