"""The demo community's script: the night rounds automation tells the guard room at 22:00."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from xiaoqu.core.testing import running_hub

DEMO = Path(__file__).resolve().parents[3] / "config.yaml"


async def test_the_night_rounds_call_the_demo_script(tmp_path, clock, seen_on):
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    config = {
        "notify": demo["notify"],
        "script": demo["script"],
        "automation": [a for a in demo["automation"] if a["id"] == "night_rounds"],
    }
    async with running_hub(tmp_path, config, clock=clock) as hub:
        seen = seen_on(hub)
        seen.listen("notification_sent")
        clock.advance(timedelta(hours=14))  # 08:00 → 22:00
        await hub.block_till_done()
        assert seen.data("notification_sent", target="guard_room") == [{
            "target": "guard_room", "title": "夜间巡更 Night round", "recipients": [],
            "message": "22:00: 北门 North gate → 3 号楼 Building 3 → 地下车库 Car park → 北门 North gate",
        }]
        trace = hub.data["script"].trace("night_round_notice")
        assert trace["script_execution"] == "finished"
        assert trace["context"]["parent_id"] == hub.data["automation"].trace("night_rounds")["context"]["id"]

        await hub.services.call("script", "night_round_notice", {"round": "加巡 extra", "route": "3 号楼 Building 3"})
        assert seen.messages("guard_room")[-1] == "加巡 extra: 3 号楼 Building 3"
