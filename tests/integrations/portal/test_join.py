"""Residents' accounts: the office's one-time code (``residents.invite``, ``xiaoqu residents
invite``) and ``/portal/join``, where a resident makes a ``resident`` user linked to their
person. A code is good once, for 7 days, until replaced; one that does not admit counts toward
the sign-in ban; the form is refused without its token or over 4 KiB."""
from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, Portal, audit_acts, portal
from xiaoqu.core.auth.control import RemoteCommands, socket_path
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.invites import ALPHABET, STORE, typed

NEW_PASSWORD = "tea-and-dumplings-42"


async def _carol(site: Portal) -> str:
    """Alice's daughter: a resident with no account yet."""
    return (await get_residents(site.hub).add_person(household=ALICE, role="family", name="Carol")).id


async def _join(site: Portal, code: str, name: str = "carol", password: str = NEW_PASSWORD,
                again: str | None = None) -> tuple[int, str]:
    async with site.browser() as browser:
        await browser.get("/portal/join")
        status, text, _ = await browser.post("/portal/join", {"code": code, "username": name, "password": password,
                                                              "again": password if again is None else again})
        return status, text


async def test_an_invited_resident_makes_their_account_and_signs_in(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        carol = await _carol(site)
        answer = await site.invite(carol)
        code = answer["code"]
        assert answer["person"] == carol and len(code) == 11 and code[5] == "-"
        assert typed(code) is not None and all(char in ALPHABET for char in code.replace("-", ""))
        # only a keyed digest is kept (below, on disk); nor is the code in the audit log
        invited = [act for act in await audit_acts(site.hub) if act["act"] in ("resident_invited", "service_call")]
        assert code not in json.dumps(invited) and invited[-1]["person"] == carol

        status, text = await _join(site, code.lower().replace("-", " "))  # as a person might type it
        assert status == 200 and "carol" in text
        user = site.hub.data["auth"].manager.user_by_name("carol")
        assert user is not None and user.role == "resident"
        assert get_residents(site.hub).person(carol).user == "carol"
        acts = await audit_acts(site.hub)
        joined = [act for act in acts if act["act"] == "portal_joined"]
        assert [(act["by"], act["person"], act["source"]) for act in joined] == [("carol", carol, "portal")]
        assert any(act["act"] == "user_added" and act["user"] == "carol" for act in acts)

        async with site.browser() as browser:
            status, _, response = await browser.sign_in("carol", NEW_PASSWORD)
            assert status == 303 and response.headers["Location"] == "/portal/"
            assert "Carol" in (await browser.get("/portal/"))[1]
        second = (await site.invite(await _carol_again(site)))["code"]
    stored = (site_dir / ".xiaoqu" / f"{STORE}.json").read_text()
    assert typed(second) not in stored and second not in stored and '"digest"' in stored


async def _carol_again(site: Portal) -> str:
    return (await get_residents(site.hub).add_person(household=ALICE, role="family", name="Dave")).id


async def test_a_code_works_once_and_only_the_newest(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        carol = await _carol(site)
        first = (await site.invite(carol))["code"]
        second = (await site.invite(carol))["code"]
        status, text = await _join(site, first)
        assert status == 403 and "not valid" in text or "无效" in text
        assert site.hub.data["auth"].manager.user_by_name("carol") is None
        assert (await _join(site, second))[0] == 200
        status, _ = await _join(site, second, name="carol2")
        assert status == 403 and site.hub.data["auth"].manager.user_by_name("carol2") is None
        refused = [act for act in await audit_acts(site.hub) if act["act"] == "portal_join_refused"]
        assert len(refused) == 2 and all(act["by"] is None and act["ip"] for act in refused)
        # a person who has an account is not invited again until the office unlinks them
        answer = await site.hub.services.call("residents", "get_person", {"id": carol}, return_response=True)
        assert answer["person"]["user"] == "carol"


async def test_a_code_expires_after_seven_days(site_dir: Path, broker: BrokerProcess) -> None:
    clock = ManualClock(1_800_000_000)
    async with portal(site_dir, broker, clock=clock) as site:
        carol = await _carol(site)
        code = (await site.invite(carol))["code"]
        clock.advance(7 * 86_400)
        assert (await _join(site, code))[0] == 403
        code = (await site.invite(carol))["code"]
        clock.advance(7 * 86_400 - 60)
        assert (await _join(site, code))[0] == 200


async def test_an_account_that_cannot_be_made_leaves_the_code_good(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        carol = await _carol(site)
        code = (await site.invite(carol))["code"]
        for name, password, again, expected in (("carol", "short", "short", 400),          # the password rules
                                                ("carol", NEW_PASSWORD, "other-pass-1", 400),  # typed twice alike
                                                ("Carol Wang", NEW_PASSWORD, None, 400),   # a user name's form
                                                ("alice", NEW_PASSWORD, None, 400)):        # taken
            status, _ = await _join(site, code, name, password, again)
            assert status == expected, name
        assert get_residents(site.hub).person(carol).user is None
        assert site.hub.data["auth"].manager.user_by_name("alice").role == "resident"  # untouched
        assert (await _join(site, code))[0] == 200


async def test_a_stranger_learns_nothing_without_a_good_code(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        status, text = await _join(site, "AAAAA-AAAAA", name="alice")  # a taken name: not said
        assert status == 403 and "alice" not in text


async def test_wrong_codes_count_toward_the_sign_in_ban(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker, http={"server_port": 0, "login_attempts_threshold": 3}) as site:
        carol = await _carol(site)
        code = (await site.invite(carol))["code"]
        statuses = [(await _join(site, f"ZZZZZ-ZZZZ{n}"))[0] for n in range(3)]
        assert statuses == [403, 403, 403]
        assert "ip_banned" in [act["act"] for act in await audit_acts(site.hub)]
        # banned: the good code does nothing from here, nor does signing in
        assert (await _join(site, code))[0] == 403
        assert get_residents(site.hub).person(carol).user is None
        async with site.browser() as alice:
            assert (await alice.sign_in("alice"))[0] == 403


async def test_the_form_needs_its_own_token_and_stays_small(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        carol = await _carol(site)
        code = (await site.invite(carol))["code"]
        async with site.browser() as browser:
            await browser.get("/portal/join")
            status, _, _ = await browser.post("/portal/join", {"code": code, "username": "carol",
                                                               "password": NEW_PASSWORD, "again": NEW_PASSWORD},
                                              csrf="forged")
            assert status == 403
            # 15 MB: refused before it is read
            big = urlencode({"csrf_token": browser.csrf, "code": code, "username": "carol", "password": NEW_PASSWORD,
                             "again": NEW_PASSWORD, "padding": "x" * (15 * 1024 * 1024)}).encode()
            try:
                async with browser.session.post(browser.base + "/portal/join", data=io.BytesIO(big), headers={
                        "Content-Type": "application/x-www-form-urlencoded"}) as response:
                    assert response.status == 413
            except aiohttp.ClientConnectionError:
                pass  # the hub may close the connection while the client is still sending
        assert get_residents(site.hub).person(carol).user is None
        assert site.hub.data["auth"].manager.user_by_name("carol") is None
        assert (await _join(site, code))[0] == 200


async def test_who_may_invite_whom(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        # Alice signs in already: the office unlinks her before inviting her again
        answer = await site.request("POST", "/api/services/residents/invite?return_response", "staff",
                                    json={"person": site.person("alice")})
        assert answer[0] == 400 and "already signs in as alice" in answer[1]["message"]
        staff = await get_residents(site.hub).add_person(kind="staff", name="赵敏", department="物业")
        assert (await site.request("POST", "/api/services/residents/invite?return_response", "staff",
                                   json={"person": staff.id}))[0] == 400
        # residents may not invite anyone
        status, _ = await site.request("POST", "/api/services/residents/invite?return_response", "alice",
                                       json={"person": site.person("bob")})
        assert status == 403


async def test_the_command_line_asks_the_running_hub(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site:
        carol = await _carol(site)
        data_dir = site_dir / ".xiaoqu"
        answer = await RemoteCommands(socket_path(data_dir)).call("residents_invite", person=carol.lower())
        assert answer["person"] == carol and answer["household"] == ALICE
        invited = [act for act in await audit_acts(site.hub) if act["act"] == "resident_invited"]
        assert invited[-1]["by"].startswith("cli:") and answer["code"] not in json.dumps(invited)
        assert (await _join(site, answer["code"]))[0] == 200
