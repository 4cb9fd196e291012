"""The button domain: the state is when the button was last pressed, by the hub's clock."""
from __future__ import annotations

from tests.conftest import START
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.button.entity import ButtonEntity


class Chime(ButtonEntity):
    _attr_name = "Gate chime"

    def __init__(self) -> None:
        self.rung = 0

    async def press(self) -> None:
        self.rung += 1
        self.record_press()


async def test_the_state_is_the_time_of_the_last_press(tmp_path):
    clock = ManualClock(START)
    async with running_hub(tmp_path, {"button": None}, clock=clock) as hub:
        chime = Chime()
        await hub.entities.add("test", [chime])
        assert hub.states.get("button.gate_chime").state == "unknown"
        clock.advance(90)
        await hub.services.call("button", "press", {"entity_id": "button.gate_chime"})
        assert chime.rung == 1
        assert hub.states.get("button.gate_chime").state == "2026-03-02T00:01:30+00:00"  # 08:01:30 in Shanghai
