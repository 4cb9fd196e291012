"""First-card unlock: the first card of a named group unlocks the door until its schedule's
window ends; other cards before that are ordinary, and after it change nothing."""
from __future__ import annotations

from datetime import datetime

from tests.conftest import SITE_TZ

from .conftest import door_site

OFFICE = [{"id": "office", "name": "Property office", "first_card_groups": ["office"]}]


async def test_the_first_staff_card_unlocks_the_office_until_office_hours_end(tmp_path, broker):
    async with door_site(tmp_path, broker, OFFICE) as site:
        await site.issue("111111", "residents")
        await site.issue("222222", "office")
        assert (await site.present("office", "111111"))["granted"] is True
        await site.probe.wait_until(lambda: site.commands("office"))
        assert site.commands("office")[-1] == {"action": "unlock", "duration": 5.0, "request_id": "q-1"}, \
            "a resident's card is an ordinary unlock"
        site.clock.advance(10)
        assert (await site.present("office", "222222"))["granted"] is True
        await site.probe.wait_until(lambda: len(site.commands("office")) == 2)
        assert site.commands("office")[-1] == {"action": "unlock", "request_id": "q-2"}, "until told"
        door = site.hub.states.get("door.office")
        assert door.state == "unlocked"
        assert door.attributes["unlocked_until"] == "2026-03-02T10:00:00+00:00"  # 18:00 in Shanghai
        await site.contact("office", "open")
        await site.contact("office", "closed")
        assert site.hub.states.get("door.office").state == "unlocked", "it stays unlocked through the day"
        assert (await site.present("office", "111111"))["granted"] is True
        await site.contact("office", "closed")
        assert len(site.commands("office")) == 2, "later cards need no command"
        site.clock.set(datetime(2026, 3, 2, 18, 0, tzinfo=SITE_TZ))
        await site.probe.wait_until(lambda: len(site.commands("office")) == 3)
        assert site.commands("office")[-1] == {"action": "lock"}
        assert site.hub.states.get("door.office").state == "locked"
