"""Staff commands reach the running hub through its control socket, or the store when it is stopped."""
from __future__ import annotations

import asyncio
import getpass
import json
import stat

import pytest

from xiaoqu.core.auth import AuthError
from xiaoqu.core.auth import control as control_module
from xiaoqu.core.auth.control import RemoteCommands, open_commands, socket_path
from xiaoqu.core.testing import running_hub


async def test_commands_go_through_a_running_hub_and_take_effect_at_once(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        data_dir = hub.config.data_dir
        assert stat.S_IMODE(socket_path(data_dir).parent.stat().st_mode) == 0o700
        async with open_commands(data_dir) as commands:
            assert await commands.call("ping") == {"where": "hub"}
            await commands.call("user_add", name="li", role="manager")
            created = await commands.call("token_create", user="li", name="script", days=7)
        manager = hub.data["auth"].manager
        assert manager.validate_token(created["token"])[0].name == "li"
        async with open_commands(data_dir) as commands:
            assert [t["name"] for t in await commands.call("token_list")] == ["script"]
            await commands.call("token_revoke", id=created["id"])
            with pytest.raises(AuthError, match="no user 'nobody'"):
                await commands.call("token_create", user="nobody")
            with pytest.raises(AuthError, match="unexpected keyword argument 'colour'"):
                await commands.call("user_list", colour="red")
            with pytest.raises(AuthError, match="unknown command"):
                await commands.call("drop_tables")
        assert manager.validate_token(created["token"]) is None
        await hub.recorder.flush()
        (record,) = await hub.recorder.query("audit", where={"act": "token_revoked"})
        assert record.data["by"] == f"cli:{getpass.getuser()}" and record.data["source"] == "cli"
    assert not socket_path(data_dir).exists()


async def test_without_a_hub_the_store_is_used(tmp_path) -> None:
    data_dir = tmp_path / ".xiaoqu"
    async with open_commands(data_dir) as commands:
        assert await commands.call("ping") == {"where": "store"}
        await commands.call("user_add", name="admin", role="admin")
    async with running_hub(tmp_path, {}) as hub:
        assert hub.data["auth"].manager.user_by_name("admin").role == "admin"


async def test_a_hub_without_its_socket_is_named_in_the_error(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        await hub.data["auth_control"].stop()
        with pytest.raises(AuthError, match="hub is running .* stop the hub"):
            async with open_commands(hub.config.data_dir):
                pass


async def test_malformed_requests_get_an_error_not_a_crash(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        path = socket_path(hub.config.data_dir)
        deep = b"[" * 30_000 + b"\n"
        for line, error in ((b"{nope\n", "not JSON"), (b'["user_list"]\n', "a request is"),
                            (deep, "the request is not JSON: nested deeper than 32 levels")):
            reader, writer = await asyncio.open_unix_connection(str(path))
            writer.write(line)
            reply = json.loads(await reader.readline())
            writer.close()
            await writer.wait_closed()
            assert reply["ok"] is False and error in reply["error"]


async def test_a_long_reply_is_read_and_one_over_the_limit_is_a_clear_error(tmp_path, monkeypatch) -> None:
    """A reply is read with its own limit, far above a request's 64 KiB; one over it (or one
    that is not JSON) is an AuthError the command line prints, never a ValueError traceback."""
    async with running_hub(tmp_path, {}) as hub:
        control = hub.data["auth_control"]

        async def rows(actor, count: int) -> list[str]:
            return [f"row {n}: bad" for n in range(count)]

        control.add_command("rows", rows)
        remote = RemoteCommands(socket_path(hub.config.data_dir))
        assert len(await remote.call("rows", count=20_000)) == 20_000  # some 300 KB
        monkeypatch.setattr(control_module, "MAX_REPLY", 64 * 1024)
        with pytest.raises(AuthError, match="answer is longer than .* see the hub's log"):
            await remote.call("rows", count=20_000)
