"""Home and entry records: the household's own people, cards and entries, and nothing of any
other household's, whatever the page is asked."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, CARDS, DOOR, audit_acts, portal
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.residents import get_residents


async def test_home_shows_the_household_its_people_masked_and_its_cards(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        residents = get_residents(site.hub)
        await residents.add_person(household=ALICE, role="family", name="Carol", phone="13900001111",
                                   id_number="11010519491231002X")
        gone = await residents.add_person(household=ALICE, role="tenant", name="Zed")
        await residents.erase_person(gone.id)
        await site.hub.services.call("cards", "recharge", {"card": CARDS["alice"], "amount_fen": 12345,
                                                           "payment_id": "t-1", "method": "cash"})
        await alice.sign_in("alice")
        status, text, _ = await alice.get("/portal/")
        assert status == 200
        assert "Carol" in text and "139****1111" in text and "13900001111" not in text
        assert "002X" not in text and "Zed" not in text and "Bob" not in text
        assert "04A2****" in text and "¥123.45" in text and CARDS["alice"] not in text and "0A1B" not in text


async def test_entries_are_the_households_own(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        access = get_access(site.hub)
        assert access.check("card", CARDS["alice"], DOOR).granted
        assert access.check("card", CARDS["bob"], DOOR).granted
        assert not access.check("card", CARDS["alice"], "no-such-door").granted
        await alice.sign_in("alice")
        status, text, _ = await alice.get("/portal/entries")
        assert status == 200
        assert "南门 South gate" in text and text.count('class="badge ok"') == 1 and "Alice" in text
        assert "Bob" not in text and "0A1B" not in text

        # another household, another person, by the page's own filters: refused or empty
        assert (await alice.get(f"/portal/entries?member={site.person('bob')}"))[0] == 400
        assert (await alice.get("/portal/entries?from=yesterday"))[0] == 400
        text = (await alice.get(f"/portal/entries?member={site.person('alice')}&household=2-1-0202"))[1]
        assert "Bob" not in text and "Alice" in text

        status, body, response = await alice.get("/portal/entries?format=csv")
        assert status == 200 and response.headers["Content-Disposition"] == 'attachment; filename="entries.csv"'
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert len(rows) == 3 and all("Bob" not in cell for row in rows for cell in row)
        exported = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_export"]
        assert [(act["by"], act["rows"]) for act in exported] == [("alice", 2)]
        async with alice.session.get(alice.base + "/portal/entries?format=xlsx") as response:
            assert response.status == 200 and (await response.read()).startswith(b"PK")
