"""How much a dashboard form may send: a form typed by hand fits; more is refused before a
byte of it is read, signed in or not."""
from __future__ import annotations

import io
from pathlib import Path

from tests.integrations.dashboard.conftest import browser, dashboard_hub


async def test_a_long_typed_form_reaches_its_page(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        await person.sign_in("manager")
        await person.get("/dashboard/password")
        status, text, _ = await person.post("/dashboard/password", {"current": "x" * 20_000, "new": "y", "again": "y"})
        assert status == 400  # the page's own answer about the password, not the frame's 413
        assert "413" not in text


async def test_fifteen_megabytes_are_refused_with_nothing_read(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as person:
        await person.sign_in("manager")
        await person.get("/dashboard/password")
        body = io.BytesIO(f"csrf_token={person.csrf}&language=en&pad=".encode() + b"x" * 15_000_000)
        async with person.session.post(person.base + "/dashboard/language", data=body, allow_redirects=False,
                                       headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert response.status == 413
        assert hub.data["dashboard"].preferences.language(hub.data["auth"].manager.user_by_name("manager").id) == "zh_CN"
