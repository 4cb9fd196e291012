"""The shipped lot_full blueprint on a real hub: the guard room is told once when a lot's free
spaces fall to the threshold, with the lot and the count, and once when they recover."""
from __future__ import annotations

from xiaoqu.core.testing import running_hub

SENSOR = "sensor.main_free_spaces"


def sections(threshold: int) -> dict:
    return {"notify": [{"name": "guard_room"}], "automation": [{"id": "lot_full", "use_blueprint": {
        "path": "lot_full.yaml", "input": {"free_spaces": SENSOR, "threshold": threshold,
                                           "guard_room": "notify.guard_room"}}}]}


async def test_the_guard_room_is_told_once_per_full_episode_and_when_it_recovers(tmp_path, clock) -> None:
    async with running_hub(tmp_path, sections(0), clock=clock) as hub:
        sent: list = []
        hub.bus.listen("notification_sent", lambda e: sent.append((e.data["target"], e.data["message"])))

        async def free(count: int | str, occupied: int = 0) -> None:
            hub.states.set(SENSOR, str(count), {"friendly_name": "正门停车场 free spaces", "capacity": 120,
                                                 "occupied": occupied})
            await hub.block_till_done()

        for count in (3, 1):
            await free(count)
        assert sent == []
        await free(0, 120)
        await free(0, 121)  # the attributes change, the lot stays full: no second notice
        assert sent == [("guard_room", "正门停车场 free spaces: 0 free spaces of 120 (sensor.main_free_spaces; full "
                                       "at 0 or fewer). Turn cars without a space away or send them to another lot.")]
        await free(1)
        await free(2)
        assert sent[1:] == [("guard_room", "正门停车场 free spaces: 1 free spaces of 120 again "
                                           "(sensor.main_free_spaces).")]
        await free("unavailable")
        await free(0)
        assert len(sent) == 3 and sent[2][1].startswith("正门停车场 free spaces: 0 free spaces")


async def test_a_threshold_above_zero(tmp_path, clock) -> None:
    async with running_hub(tmp_path, sections(5), clock=clock) as hub:
        sent: list = []
        hub.bus.listen("notification_sent", lambda e: sent.append(e.data["message"]))
        for count in (8, 6, 5, 2, 0, 6):
            hub.states.set(SENSOR, str(count), {"capacity": 120})
            await hub.block_till_done()
        assert [m.split(" (")[0] for m in sent] == [f"{SENSOR}: 5 free spaces of 120", f"{SENSOR}: 6 free spaces of 120 again"]
