"""Signing in and out, wrong passwords, the lock-out, CSRF and the language switch."""
from __future__ import annotations

from pathlib import Path

from tests.integrations.dashboard.conftest import PASSWORD, audit_acts, browser, dashboard_hub


async def test_a_page_sends_a_stranger_to_the_sign_in_form_and_back(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        status, _, response = await person.get("/dashboard/events")
        assert status == 303
        assert response.headers["Location"] == "/dashboard/login?next=%2Fdashboard%2Fevents"
        await person.get(response.headers["Location"])
        status, _, response = await person.post(response.headers["Location"],
                                                {"username": "guard", "password": PASSWORD})
        assert status == 303 and response.headers["Location"] == "/dashboard/events"
        cookie = response.cookies["xiaoqu_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
        status, text, _ = await person.get("/dashboard/events")
        assert status == 200 and "guard" in text
        assert [act["act"] for act in await audit_acts(hub)][-1:] == ["login"]


async def test_a_wrong_password_is_refused_and_audited(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        status, text, response = await person.sign_in("guard", "not the password")
        assert status == 401 and "xiaoqu_session" not in response.cookies
        assert (await person.get("/dashboard/"))[0] == 303
        failed = [act for act in await audit_acts(hub) if act["act"] == "login_failed"]
        assert failed[-1]["username"] == "guard" and failed[-1]["source"] == "dashboard"


async def test_repeated_failures_lock_the_address_out(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path, {"http": {"server_port": 0, "login_attempts_threshold": 3}}) as hub, \
            browser(hub) as person:
        statuses = [(await person.sign_in("guard", f"wrong {n}"))[0] for n in range(3)]
        assert statuses == [401, 401, 403]
        assert (await person.post("/dashboard/login", {"username": "guard", "password": PASSWORD}))[0] == 403
        assert "ip_banned" in [act["act"] for act in await audit_acts(hub)]


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        await person.sign_in("manager")
        status, _, _ = await person.post("/dashboard/language", {"language": "en"}, csrf="forged")
        assert status == 403
        assert hub.data["dashboard"].preferences.language(hub.data["auth"].manager.user_by_name("manager").id) == "zh_CN"
        refused = [act for act in await audit_acts(hub) if act["act"] == "dashboard_csrf_refused"]
        assert refused[-1]["by"] == "manager" and refused[-1]["page"] == "language"


async def test_the_sign_in_form_needs_its_own_csrf_token(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        await person.get("/dashboard/login")
        status, _, _ = await person.post("/dashboard/login", {"username": "guard", "password": PASSWORD}, csrf="x")
        assert status == 403


async def test_the_language_is_each_users_own(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as manager, browser(hub) as guard:
        await manager.sign_in("manager")
        await guard.sign_in("guard")
        text = (await manager.get("/dashboard/events"))[1]
        assert "实时事件" in text and "Live events" not in text
        status, _, response = await manager.post("/dashboard/language", {"language": "en", "next": "/dashboard/events"})
        assert status == 303 and response.headers["Location"] == "/dashboard/events"
        text = (await manager.get("/dashboard/events"))[1]
        assert "Live events" in text and "实时事件" not in text and 'lang="en"' in text
        assert "实时事件" in (await guard.get("/dashboard/events"))[1]


async def test_signing_out_ends_the_session(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        await person.sign_in("guard")
        await person.get("/dashboard/")
        assert (await person.post("/dashboard/logout", {}))[0] == 303
        assert (await person.get("/dashboard/"))[0] == 303


async def test_a_password_change_needs_the_current_one(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person, browser(hub) as other:
        await person.sign_in("guard")
        await other.sign_in("guard")
        await person.get("/dashboard/password")
        new = "a new long passphrase 2026"
        assert (await person.post("/dashboard/password", {"current": "wrong", "new": new, "again": new}))[0] == 403
        assert (await person.post("/dashboard/password", {"current": PASSWORD, "new": new, "again": new}))[0] == 200
        assert (await person.get("/dashboard/"))[0] == 200
        assert (await other.get("/dashboard/"))[0] == 303
        assert (await person.sign_in("guard", new))[0] == 303
