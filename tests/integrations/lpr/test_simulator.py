"""The demo's simulated cameras against lpr over a real broker and the hub's HTTP server:
the mix of reads real cameras send (misreads, O for 0, doubtful pairs, repeats, new-energy
plates cut short) becomes one plate_read per car, and the Vzenith camera's relay raises its
arm when parking's reply says so."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.simulator.conftest import broker, run_for, simulated  # noqa: F401 (broker is a fixture)
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.lpr import GateReply, get_lpr

from .conftest import SECRET

MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=SITE_TZ)
CAMERAS = [
    {"id": "cam-1", "lane": "main-1", "direction": "in"},
    {"id": "cam-2", "lane": "main-2", "direction": "out"},
    {"id": "cam-3", "lane": "back-1", "format": "vzenith", "secret": SECRET},
]


async def test_the_simulated_cameras_mix(tmp_path: Path, broker: BrokerProcess) -> None:  # noqa: F811
    clock = ManualClock(MORNING, SITE_TZ)
    events: dict[str, list[dict]] = {"plate_read": [], "plate_read_uncertain": [], "plate_unreadable": []}
    async with simulated(tmp_path, broker, clock, simulator={"lpr_cameras": 3, "speed": 20},
                         lpr={"cameras": CAMERAS, "reply_timeout": 0.5}) as hub:
        lpr = get_lpr(hub)
        for kind, seen in events.items():
            hub.bus.listen(kind, lambda event, seen=seen: seen.append(dict(event.data)))
        hub.bus.listen("plate_read", lambda e: lpr.set_reply(e.data["read_id"], GateReply(open=True))
                       if e.data["camera"] == "cam-3" else None)
        await run_for(hub, clock, 900, step=2)
        back = next(lane for lane in hub.data["simulator"].lanes if lane.lane.id == "back-1")
        reads = events["plate_read"]
        assert {r["source"] for r in reads} == {"mqtt", "vzenith"}
        assert lpr.counts["folded"] > len(reads) / 2  # cameras read each car two or three times
        assert events["plate_read_uncertain"]  # low-confidence misreads and doubtful pairs
        assert any(r.get("agreed_with") for r in reads)  # a doubtful pair made one read
        assert any("O read for 0 in the serial" in r.get("fixes", ()) or "I read for 1 in the serial" in r.get("fixes", ())
                   for r in reads)
        assert back.vzenith is not None and back.vzenith.opened > 0 and back.guard_opened < back.vzenith.opened
        # one read per car at each camera: the folded repeats and the agreeing pairs leave no two reads of a plate
        # at one camera within fold_seconds
        times: dict[tuple[str, str], list[float]] = {}
        for read in reads:
            times.setdefault((read["camera"], read["plate"]), []).append(datetime.fromisoformat(read["time"]).timestamp())
        assert all(b - a > 5 for stamps in times.values() for a, b in zip(stamps, stamps[1:], strict=False))
