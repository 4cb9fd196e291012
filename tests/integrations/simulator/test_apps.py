"""The residents' apps and the service desk on a real broker: tickets opened from the apps over
MQTT for their own households, moved along by the desk (assigned to the maintenance user,
resolved, rated), and the desk's outage notice reaching a building, signed by some households'
apps and not by others."""
from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import MqttProbe
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.notices import get_notices
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.importer import import_sheet
from xiaoqu.integrations.residents.sheet import read_sheet
from xiaoqu.integrations.simulator.apps import PROBLEMS
from xiaoqu.integrations.simulator.schema import CONFIG_SCHEMA
from xiaoqu.integrations.simulator.sheet import estate_of, write_sheet
from xiaoqu.integrations.tickets import get_tickets

from .conftest import settle, simulated

#: Monday morning, 09:00: the office is in.
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=SITE_TZ)
SECTIONS = {
    "residents": {},
    "tickets": {"categories": {"repair": {"name": "报修 Repair", "arrive_within": {"hours": 4}},
                               "complaint": {"name": "投诉 Complaint", "reply_within_workdays": 3}}},
    "notices": {"default_channels": ["mqtt"]},
}
SPEED = 60  # a second of the hub's clock is a simulated minute


async def import_estate(site: Path) -> None:
    """What ``make run`` does first: the simulator's people in residents before the hub starts,
    so the desk's notice at start finds the building's households."""
    site.mkdir(exist_ok=True)
    sheet = site / "estate.csv"
    write_sheet(estate_of(CONFIG_SCHEMA({})), sheet)
    async with running_hub(site, {"residents": {}}) as hub:
        report = await import_sheet(get_residents(hub), read_sheet(sheet))
        assert report.error_count == 0


async def live_for(hub, clock: ManualClock, seconds: int) -> None:
    """A second at a time, each with a moment of real time for the broker's round trips."""
    for _ in range(seconds):
        clock.advance(1)
        await hub.block_till_done()
        await asyncio.sleep(0.01)
    await settle(hub)


async def test_apps_open_rate_and_sign_and_the_desk_moves_tickets(tmp_path: Path, broker):
    await import_estate(tmp_path / "site")
    clock = ManualClock(MORNING, SITE_TZ)
    household_topics = "xiaoqu/demo/household/+/#"
    async with MqttProbe(broker, household_topics) as probe, \
            simulated(tmp_path, broker, clock, simulator={"speed": SPEED}, **SECTIONS) as hub:
        await get_access(hub).manager.add_user("tech", "maintenance", None, Actor("hub", "test"))
        sim = hub.data["simulator"]
        assert sim.apps is not None and sim.desk is not None
        app_homes = sorted(sim.apps.signs)
        for household in app_homes[:8]:  # a busy morning, besides the stream's own
            sim.apps.opens(household)
        await live_for(hub, clock, 8 * 60)  # eight simulated hours
        tickets = {t.id: t for t in get_tickets(hub).tickets.values()}
        notice_id = sim.desk.notice
        assert notice_id is not None
        notice = get_notices(hub).notices[notice_id]
        recipients = get_notices(hub).recipients_of(notice_id)
        opened = dict(sim.apps.opened)

    # Tickets from the apps, each for the household whose prefix it was published on.
    assert len(opened) >= 8
    opens = [m for m in probe.messages if m.topic.value.endswith("/tickets/open")]
    assert len(opens) >= len(opened)
    for ticket_id, household in opened.items():
        ticket = tickets[ticket_id]
        assert ticket.household == household
        assert ticket.history[0].by == f"household {household} (app)" and ticket.history[0].how == "mqtt"
        assert ticket.description in {text for problems in PROBLEMS.values() for text, _ in problems}
    # The desk moved them along as the hub's caller naming its clerk: assigned to the maintenance
    # user, on site, resolved with what was done; residents rated some over MQTT.
    steps = [step for ticket_id in opened for step in tickets[ticket_id].history[1:]]
    assert any(step.state == "assigned" and step.assignee == "tech" for step in steps)
    assert {"in_progress", "resolved"} <= {step.state for step in steps}
    assert all(step.by.startswith("simulator: 客服 ") for step in steps if step.how != "mqtt")
    # Asked, the resident answered (by phone: no app topic takes a note), and the work went on.
    asked = [t for t in opened if any(step.state == "waiting_for_resident" for step in tickets[t].history)]
    assert asked and any("来电答复" in (step.note or "") for t in asked for step in tickets[t].history)
    rates = [m for m in probe.messages if m.topic.value.endswith("/rate")]
    assert rates and all(m.qos == 1 and not m.retain for m in rates)
    assert any(tickets[t].rating is not None for t in opened)

    # The desk's outage notice reached every household of one building, on each one's prefix;
    # some apps signed it over MQTT, others never did.
    assert notice.template == "outage" and notice.ref.startswith("simulator:outage:")
    homes = {row["household"] for row in recipients}
    buildings = {home.split("-")[0] for home in homes}
    assert len(buildings) == 1 and len(homes) >= 10
    delivered = {m.topic.value.split("/")[3] for m in probe.messages
                 if m.topic.value.endswith(f"/notices/{notice_id}")}
    assert delivered == homes
    signed = {row["household"] for row in recipients if row["acknowledged_at"] is not None}
    assert signed and signed < homes
    assert all(row["acknowledged_how"] == "mqtt" and row["acknowledged_by"] == f"household {row['household']} (app)"
               for row in recipients if row["household"] in signed)
    assert signed <= {home for home, signs in sim.apps.signs.items() if signs}
    acks = {m.topic.value.split("/")[3] for m in probe.messages if m.topic.value.endswith(f"/{notice_id}/ack")}
    assert acks == signed


async def test_without_tickets_or_notices_no_apps(tmp_path: Path, broker):
    """The simulator as before: no households' apps connection, no desk."""
    clock = ManualClock(MORNING, SITE_TZ)
    async with simulated(tmp_path, broker, clock) as hub:
        sim = hub.data["simulator"]
        assert sim.apps is None and sim.desk is None
        assert not [c for c in sim.connections if "household-apps" in c.client_id]
