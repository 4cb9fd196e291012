"""The staff dashboard tried as an attacker would, on a real hub: what a security review found,
each kept fixed here."""
from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.integrations.access.test_dashboard_pages import estate_with_entries
from tests.integrations.attendance.test_dashboard import punched
from tests.integrations.cards.test_dashboard import centre
from tests.integrations.dashboard.conftest import CSRF, PASSWORD, browser, dashboard_hub
from xiaoqu.core.auth import Actor
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.access import get_access

STAFF_CLI = Actor("cli", "cli:root")
#: Bodies that are no form aiohttp can read: a multipart cut short, one without its boundary,
#: a part in an encoding nobody has, a part in an unknown transfer encoding.
BROKEN_FORMS = (
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="language"\r\n\r\nen'),
    ("multipart/form-data", b"language=en"),
    ("application/x-www-form-urlencoded; charset=no-such-charset", b"language=en"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="language"\r\n'
                                        b"Content-Transfer-Encoding: bogus\r\n\r\nen\r\n--x--\r\n"),
)


async def test_a_password_reset_elsewhere_signs_every_session_out(tmp_path: Path) -> None:
    """``xiaoqu user passwd`` after a leak: the thief's browser is signed out, not left in for its shift."""
    async with dashboard_hub(tmp_path) as hub, browser(hub) as owner, browser(hub) as thief:
        await owner.sign_in("guard")
        await thief.sign_in("guard")
        await hub.data["auth"].manager.set_password("guard", "a brand new passphrase", STAFF_CLI)
        for person in (owner, thief):
            status, _, response = await person.get("/dashboard/")
            assert status == 303 and response.headers["Location"].startswith("/dashboard/login"), status
        assert (await owner.sign_in("guard", "a brand new passphrase"))[0] == 303
        assert (await owner.get("/dashboard/"))[0] == 200


async def test_a_password_changed_in_a_session_keeps_that_one_only(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as here, browser(hub) as elsewhere:
        await here.sign_in("guard")
        await elsewhere.sign_in("guard")
        await here.get("/dashboard/password")
        status, _, _ = await here.post("/dashboard/password", {"current": PASSWORD, "new": "a brand new passphrase",
                                                                "again": "a brand new passphrase"})
        assert status == 200
        assert (await here.get("/dashboard/"))[0] == 200
        assert (await elsewhere.get("/dashboard/"))[0] == 303


async def test_a_removed_users_live_events_stop(tmp_path: Path, clock: ManualClock) -> None:
    """The open event stream of a user removed (or whose password was reset) ends and sends
    nothing more, though nothing else of theirs reaches a page."""
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        access = get_access(hub)
        async with manager.session.get(manager.base + "/dashboard/events/stream") as stream:
            assert stream.status == 200
            access.check("card", "DEADBEEF", "b1_east")
            assert (await stream.content.readline()) == b"event: line\n"
            await stream.content.readline()
            await stream.content.readline()
            await hub.data["auth"].manager.remove_user("manager", STAFF_CLI)
            access.check("card", "CAFEF00D", "b1_east")
            async with asyncio.timeout(5):
                rest = await stream.content.read()
        assert b"CAFE" not in rest and b"event: line" not in rest


@pytest.mark.parametrize(("content_type", "body"), BROKEN_FORMS)
async def test_a_body_that_is_no_form_is_refused_not_a_server_error(tmp_path: Path, content_type: str,
                                                                    body: bytes) -> None:
    """Every POST reads its form (the CSRF token first): a broken one is a form without the
    token (403, audited), or with the token in htmx's header a form without its fields (400)."""
    async with dashboard_hub(tmp_path) as hub, browser(hub) as manager:
        async with manager.session.post(manager.base + "/dashboard/login", data=body,
                                        headers={"Content-Type": content_type}) as response:
            assert response.status == 403
        await manager.sign_in("manager")
        await manager.get("/dashboard/")
        htmx = {"X-CSRF-Token": manager.csrf, "HX-Request": "true"}
        for path, headers, expected in (("/dashboard/language", {}, 403), ("/dashboard/password", {}, 403),
                                        ("/dashboard/language", htmx, 400), ("/dashboard/password", htmx, 400),
                                        ("/dashboard/logout", {}, 403)):
            async with manager.session.post(manager.base + path, data=body, allow_redirects=False,
                                            headers={"Content-Type": content_type, **headers}) as response:
                assert response.status == expected, (path, headers, response.status)
        assert (await manager.get("/dashboard/"))[0] == 200
        user = hub.data["auth"].manager.user_by_name("manager")
        assert hub.data["dashboard"].preferences.language(user.id) == "zh_CN"


@pytest.mark.parametrize("target", ["/dashboard/%0d%0aSet-Cookie:%20xiaoqu_session=planted", "/dashboard/%0aX:1",
                                    "/dashboard/%09/evil", "//evil.example", "/\\evil.example", "https:evil.example",
                                    "/portal/"])
async def test_where_a_sign_in_lands_is_a_page_of_ones_own(tmp_path: Path, target: str) -> None:
    """``next=`` of the sign-in and the language form: another site, another area or a line
    break lands on the overview; nothing breaks the answer (before, a line break in it made the
    hub drop the connection after the password was accepted and a session opened)."""
    async with dashboard_hub(tmp_path) as hub, browser(hub) as guard:
        await guard.get("/dashboard/login")
        async with guard.session.post(f"{guard.base}/dashboard/login?next={target}", allow_redirects=False,
                                      data={"csrf_token": guard.csrf, "username": "guard", "password": PASSWORD}
                                      ) as response:
            assert response.status == 303 and response.headers["Location"] == "/dashboard/"
        await guard.get("/dashboard/")
        status, _, response = await guard.post("/dashboard/language", {"language": "en",
                                                                         "next": unquote(target)})
        assert status == 303 and response.headers["Location"] == "/dashboard/"


async def test_the_calendars_ends_in_a_reports_days_are_a_bad_filter(tmp_path: Path) -> None:
    """A period through 9999-12-31 ends on a day there is none of: 400 naming the field, not a 500."""
    async with centre(tmp_path) as hub, browser(hub) as clerk:
        await clerk.sign_in("finance")
        for query in ("to=9999-12-31", "from=9999-12-31&to=9999-12-31"):
            status, text, _ = await clerk.get(f"/dashboard/cards/reports?{query}")
            assert status == 400 and "2026-03-02" in text, query


@pytest.mark.parametrize("path", ["/dashboard/attendance/month", "/dashboard/attendance/month/export"])
async def test_month_zero_of_year_zero_is_a_bad_filter(tmp_path: Path, path: str) -> None:
    async with punched(tmp_path) as site, browser(site.hub) as manager:
        await manager.sign_in("manager")
        status, text, _ = await manager.get(path, params={"month": "0000-01"})
        assert status == 400 and "2026-10" in text


async def test_behind_a_tls_proxy_the_session_cookie_is_secure(tmp_path: Path) -> None:
    """docs/security.md puts the hub behind nginx for TLS, so the hub itself speaks HTTP: the
    session and form cookies must still be sent over TLS only, or one plain http:// request
    (a typed address, a planted link) hands the session to whoever is on the network."""
    async with dashboard_hub(tmp_path) as hub, browser(hub) as guard:
        proxied = {"X-Forwarded-Proto": "https"}
        async with guard.session.get(guard.base + "/dashboard/login", headers=proxied) as response:
            form_cookie = response.cookies["xiaoqu_login"]
            assert form_cookie["secure"]
            guard.csrf = CSRF.search(await response.text()).group(1)  # type: ignore[union-attr]
        # the proxy passes on what the browser sends it over TLS
        proxied["Cookie"] = f"xiaoqu_login={form_cookie.value}"
        async with guard.session.post(guard.base + "/dashboard/login", headers=proxied, allow_redirects=False,
                                      data={"csrf_token": guard.csrf, "username": "guard", "password": PASSWORD}
                                      ) as response:
            assert response.status == 303 and response.cookies["xiaoqu_session"]["secure"]
        async with guard.session.get(guard.base + "/dashboard/login") as response:
            assert not response.cookies["xiaoqu_login"]["secure"]  # plain HTTP to the hub, as in the tests
