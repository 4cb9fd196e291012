"""``xiaoqu script list`` and ``xiaoqu script trace``: a script's runs from the command line."""
from __future__ import annotations

import asyncio

import pytest

from xiaoqu.core.auth import Actor
from xiaoqu.core.cli import main
from xiaoqu.core.errors import HubError

SCRIPTS = """
script:
  lock_up:
    alias: Lock up for the night
    fields:
      gate: {required: true}
    sequence:
      - event: locking
        event_data: {gate: "{{ gate }}"}
      - stop: "The gate refused"
        error: true
  broken:
    sequence: [{delay: soon}]
"""


async def test_list_and_trace_a_script(start, capsys):
    async with start(SCRIPTS, expect_problems=True) as hub:
        with pytest.raises(HubError, match="^script.lock_up: The gate refused$"):
            await hub.services.call("script", "lock_up", {"gate": "east"})
        manager = hub.data["auth"].manager
        await manager.add_user("watcher", "guard", None, Actor("hub", "test"))
        _token, secret = await manager.create_token("watcher", Actor("hub", "test"))
        base = ["--url", f"http://127.0.0.1:{hub.data['http'].port}", "--token", secret]

        def run(*argv: str) -> tuple[int, str, str]:
            code = main(["script", *argv, *base])
            out, err = capsys.readouterr()
            return code, out, err

        code, out, _ = await asyncio.to_thread(run, "list")
        assert code == 0
        rows = {line.split()[0]: line for line in out.splitlines()}
        assert "unavailable" in rows["broken"] and "1 error(s)" in rows["broken"]
        assert "off" in rows["lock_up"] and "stopped" in rows["lock_up"]
        assert "broken: config.yaml:13: script.broken.sequence[0].delay: expected a time period" in out

        code, out, _ = await asyncio.to_thread(run, "trace", "script.lock_up")
        assert code == 0
        assert out.splitlines()[:3] == [
            "script lock_up, run " + out.split("run ")[1].split()[0],
            "  started by script.lock_up service at 2026-03-02 08:00:00",
            "  stopped in 0.000 s: The gate refused",
        ]
        assert "sequence/0" in out and '"gate": "east"' in out
        code, _, err = await asyncio.to_thread(run, "trace", "nope")
        assert code == 1 and "No script nope." in err
