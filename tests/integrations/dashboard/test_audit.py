"""The audit log page: admins read it filtered, with the chain's state; a manager may not."""
from __future__ import annotations

from pathlib import Path

from tests.integrations.dashboard.conftest import audit_acts, browser, dashboard_hub


async def test_an_admin_reads_the_log_filtered_by_act(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as admin:
        await admin.sign_in("admin")
        status, text, _ = await admin.get("/dashboard/audit?act=user_added")
        assert status == 200 and 'href="/dashboard/audit"' in text
        assert text.count("<tr><td><time") == 4 and "login" not in text.split("<tbody>")[1]
        assert "这 4 条记录的哈希链完整" in text
        reads = [act for act in await audit_acts(hub) if act["act"] == "audit_read"]
        assert reads[-1]["by"] == "admin" and reads[-1]["source"] == "dashboard"
        assert reads[-1]["filters"] == {"act": "user_added"}


async def test_the_chain_over_an_unfiltered_page_is_intact(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as admin:
        await admin.sign_in("admin")
        status, text, _ = await admin.get("/dashboard/audit")
        assert status == 200 and "条记录的哈希链完整" in text and "哈希链已断开" not in text


async def test_a_manager_may_not_read_it(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        _, overview, _ = await manager.get("/dashboard/")
        assert 'href="/dashboard/audit"' not in overview
        status, _, _ = await manager.get("/dashboard/audit")
        assert status == 403
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert denied[-1]["by"] == "manager"
