"""The one sign-in and its two areas: a resident lands on the portal, staff on the dashboard;
neither reaches the other's pages (403 in their own area's look, audited), a resident's session
is no credential on the API, and a resident with no household gets one page saying so."""
from __future__ import annotations

from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, audit_acts, portal
from xiaoqu.integrations.residents import get_residents


async def test_a_resident_lands_on_their_home_and_staff_on_the_dashboard(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice, site.browser() as staff:
        status, _, response = await alice.sign_in("alice")
        assert status == 303 and response.headers["Location"] == "/portal/"
        assert response.cookies["xiaoqu_session"]["path"] == "/"
        status, text, _ = await alice.get("/portal/")
        assert status == 200
        assert "1号楼 1单元 0101室" in text and "Alice" in text and "138****5678" in text and "13812345678" not in text
        assert 'class="tabs"' in text and "/portal/devices" in text and "/portal/entries" in text
        status, _, response = await staff.sign_in("staff")
        assert status == 303 and response.headers["Location"] == "/dashboard/"


async def test_a_page_asked_for_signed_out_is_reached_after_signing_in(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        status, _, response = await alice.get("/portal/entries")
        assert status == 303 and response.headers["Location"] == "/dashboard/login?next=%2Fportal%2Fentries"
        await alice.get(response.headers["Location"])
        status, _, response = await alice.post(response.headers["Location"], {"username": "alice",
                                                                              "password": "correct horse battery staple"})
        assert status == 303 and response.headers["Location"] == "/portal/entries"


async def test_staff_are_refused_the_portal(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as staff:
        await staff.sign_in("staff")
        for path in ("/portal/", "/portal/devices", "/portal/entries"):
            status, text, _ = await staff.get(path)
            assert status == 403 and "/dashboard/" in text and 'class="tabs"' not in text, path
        status, _, _ = await staff.post("/portal/devices/act", {"entity_id": "light.x", "action": "turn_on"})
        assert status == 403
        denied = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_denied"]
        assert [(act["by"], act["area"]) for act in denied] == [("staff", "/portal")] * 4
        assert denied[0]["source"] == "dashboard"


async def test_a_resident_is_refused_the_dashboard_and_the_api(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        for path in ("/dashboard/", "/dashboard/events", "/dashboard/password", "/dashboard/audit"):
            status, text, _ = await alice.get(path)
            assert status == 403 and "/portal/" in text and 'class="tabs"' in text, path  # in the portal's frame
        assert (await alice.post("/dashboard/language", {"language": "en"}))[0] == 403
        denied = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_denied"]
        assert {(act["by"], act["area"], act["source"]) for act in denied} == {("alice", "/dashboard", "portal")}
        assert len(denied) == 5
        # the session cookie is no credential on the API, whatever it may reach in the browser
        status, _, _ = await alice.get("/api/states")
        assert status == 401
        # with her own token she reaches her household's entities only: none of the estate's
        status, states = await site.request("GET", "/api/states", "alice")
        assert status == 200 and states == []


async def test_a_resident_with_no_household_gets_one_page(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        assert (await alice.get("/portal/"))[0] == 200
        await get_residents(site.hub).erase_person(site.person("alice"))
        for path in ("/portal/", "/portal/devices", "/portal/entries", "/dashboard/"):
            status, text, _ = await alice.get(path)
            assert status == 403 and "property office" in text.lower() or "物业办公室" in text, path
            assert 'class="tabs"' not in text and ALICE not in text and "0101" not in text
        # she can still leave
        status, _, response = await alice.post("/portal/logout", {})
        assert status == 303 and response.headers["Location"] == "/dashboard/login"


async def test_the_language_and_signing_out(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        assert "我的设备" in (await alice.get("/portal/devices"))[1]
        status, _, response = await alice.post("/portal/language", {"language": "en", "next": "/portal/devices"})
        assert status == 303 and response.headers["Location"] == "/portal/devices"
        text = (await alice.get("/portal/devices"))[1]
        assert "My devices" in text and 'lang="en"' in text
        # a "next" outside her area lands her on her home, never on a page that refuses her
        status, _, response = await alice.post("/portal/language", {"language": "zh_CN", "next": "/dashboard/"})
        assert response.headers["Location"] == "/portal/"
        status, text, _ = await alice.get("/portal/password")
        assert status == 200 and 'action="/portal/password"' in text and 'class="tabs"' in text
        assert (await alice.post("/portal/logout", {}))[0] == 303
        assert (await alice.get("/portal/"))[0] == 303
        assert [act["act"] for act in await audit_acts(site.hub)].count("logout") == 1


async def test_a_form_without_the_sessions_token_changes_nothing(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        await alice.get("/portal/")
        status, text, _ = await alice.post("/portal/language", {"language": "en"}, csrf="forged")
        assert status == 403 and 'class="tabs"' in text
        user = site.hub.data["auth"].manager.user_by_name("alice")
        assert site.hub.data["dashboard"].preferences.language(user.id) == "zh_CN"
        refused = [act for act in await audit_acts(site.hub) if act["act"] == "dashboard_csrf_refused"]
        assert [(act["by"], act["area"]) for act in refused] == [("alice", "/portal")]
