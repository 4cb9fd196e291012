"""``xiaoqu user`` / ``token`` / ``ban`` as staff type them, with and without a running hub."""
from __future__ import annotations

import asyncio
import io
import json
import sys

import aiohttp

from xiaoqu.core.cli import main
from xiaoqu.core.testing import running_hub, write_config


def _config(tmp_path):
    return str(write_config(tmp_path, {"xiaoqu": {"site": "cli_test"}}))


def test_user_and_token_commands_on_a_stopped_hub(tmp_path, capsys, monkeypatch) -> None:
    config = _config(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-good-password\n"))
    assert main(["user", "add", "admin", "--role", "admin", "--password-stdin", "-c", config]) == 0
    assert "Added admin (admin), with a password." in capsys.readouterr().out
    assert main(["user", "add", "gate", "--role", "guard", "-c", config]) == 0
    assert main(["token", "create", "lpr-north", "--user", "gate", "--days", "30", "-c", config]) == 0
    out, err = capsys.readouterr()
    token = out.strip().splitlines()[-1]
    assert token.startswith("xq_") and "shown only this once" in err and token not in err

    assert main(["user", "list", "--json", "-c", config]) == 0
    users = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"], u["tokens"]) for u in users] == [("admin", "admin", 0), ("gate", "guard", 1)]
    assert main(["token", "list", "-c", config]) == 0
    listing = capsys.readouterr().out
    assert "lpr-north" in listing and token not in listing
    token_id = listing.splitlines()[1].split()[0]
    assert main(["token", "revoke", token_id, "-c", config]) == 0
    assert main(["token", "list", "-c", config]) == 0
    assert "No tokens yet" in capsys.readouterr().out

    assert main(["user", "add", "x", "--role", "boss", "-c", config]) == 1
    assert "role 'boss' does not exist" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "passwd", "admin", "-c", config]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["user", "remove", "gate", "-c", config]) == 0
    assert main(["ban", "list", "-c", config]) == 0
    assert "No banned addresses." in capsys.readouterr().out


async def _cli(tmp_path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "xiaoqu.core.cli", *args, "-c", str(tmp_path / "config.yaml"),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_commands_reach_a_running_hub(tmp_path) -> None:
    async with running_hub(tmp_path, {"xiaoqu": {"site": "cli_test"}}) as hub:
        assert (await _cli(tmp_path, "user", "add", "admin", "--role", "admin"))[0] == 0
        code, out, err = await _cli(tmp_path, "token", "create", "admin")
        assert code == 0, err
        token = out.strip()
        url = f"http://127.0.0.1:{hub.data['http'].port}/api/states"
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers=headers) as response:
                assert response.status == 200
            token_id = hub.data["auth"].manager.tokens()[0].id
            assert (await _cli(tmp_path, "token", "revoke", token_id))[0] == 0
            async with session.get(url, headers=headers) as response:
                assert response.status == 401
