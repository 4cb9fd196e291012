"""The main gate end to end over a real broker: plates read by the lanes' cameras over the
device protocol, decided by parking through access, the barrier's controller raising the arm
when told, the display showing the decision, money through the simulated WeChat Pay."""
from __future__ import annotations

from tests.fixtures_mqtt import BrokerProcess

from .conftest import IN_GATE, OUT_GATE, car_park

__all__ = ["BrokerProcess"]


async def test_a_residents_car_in_and_out_with_the_free_spaces_right(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        assert site.free() == 10
        assert site.last_shown("led-1", "idle")["lines"] == ["余位 10"]
        await site.read("cam-1", "粤B10001")
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"], entry["plate_masked"], entry["free"]) == ("resident", "space:A-001",
                                                                                         "粤B1***1", 9)
        assert entry["reason"] == "粤B1***1: a car of household 1-1-0101 on its space A-001"
        assert [e["rule"] for e in site.fired("access_granted")] == ["group:residents_cars"]
        assert site.free() == 9
        assert site.last_shown("led-1") == {"lines": ["粤B1***1", "欢迎回家", "余位 9"], "mode": "event", "seconds": 10,
                                             "colour": "green", "voice": "欢迎回家", "ts": site.clock.time()}
        assert site.last_shown("led-1", "idle")["lines"] == ["余位 9"]
        site.later(hours=3)
        await site.read("cam-2", "粤B10001")
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        [left] = site.fired("parking_exit")
        assert (left["fee_fen"], left["rule"], left["matched"]) == (0, "free", "exact")
        assert site.free() == 10
        [session] = site.parking.sessions.by_id.values()
        assert (session.status, session.exited_at - session.entered_at) == ("left", 3 * 3600)
        assert site.last_shown("led-2")["lines"] == ["粤B1***1", "一路顺风"]
