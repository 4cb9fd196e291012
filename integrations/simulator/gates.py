"""Vehicle lanes: a licence-plate camera, a barrier gate, and the cars queueing at them.

A car rolls onto the loop, the camera reads its plate (two or three reads, the first one
sometimes wrong), and the car waits for the arm. Whoever opens it — the hub over Modbus or
MQTT, or, when the hub says nothing for a while, the guard with the remote — the car drives
through once it is up, and the arm comes down behind it. The next car rolls onto the loop
only when the arm is down (one car per opening); a queue longer than :data:`QUEUE_LIMIT`
turns newcomers away.

The MQTT barrier variant takes ``barrier/<id>/command`` and reports ``barrier/<id>/state``
(on every change and every minute), the same mechanics behind another transport.

Cameras read as real ones do (docs/lpr.md): two or three reads per car, sometimes a
confusable character wrong at a low confidence first, a 0 or 1 written O or I, a car read
doubtfully twice, a new-energy plate cut to 7 characters by the first read. A camera the
hub's ``lpr: cameras`` lists with ``format: vzenith`` (and its secret) is a Vzenith camera:
it pushes ``AlarmInfoPlate`` JSON to the hub over HTTP, and raises the arm when the answer
says ``info: ok``, as its relay would; every other camera publishes ``lpr/<id>/plate``.
"""
from __future__ import annotations

import logging
import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from xiaoqu.core.http.const import DATA_SERVER

from .barrier import BarrierGate, BarrierState, FaultCode
from .context import SimContext
from .estate import Lane
from .plates import is_new_energy, lookalike, misread, truncated

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle

_LOGGER = logging.getLogger(__name__)

#: Real seconds a car waits for the hub to open the barrier before the guard raises it.
GUARD_DELAY = 8.0
#: Real seconds from the arm being fully up to the car leaving the loop.
DRIVE_THROUGH = (1.5, 3.5)
#: Seconds between repeated reads of the same car.
REREAD = (0.3, 0.8)
QUEUE_LIMIT = 5
#: Shares of cars whose reads go wrong in each way cameras' do.
MISREAD_SHARE = 0.1  # a confusable character wrong (8 for B...), at a low confidence, first
LOOKALIKE_SHARE = 0.1  # a 0 or 1 written O or I in one read: the hub reads it back
DOUBTFUL_SHARE = 0.08  # read twice, both times below the hub's threshold: the pair agrees
TRUNCATED_SHARE = 0.3  # of new-energy plates: the first read stops at 7 characters
#: Vzenith's codes: colorType (1 blue, 2 yellow, 5 green) and plate type (1 small blue, 3 yellow, 19 new-energy).
VZENITH_CODES = {"blue": (1, 1), "yellow": (2, 3), "green": (5, 19)}
#: How often the MQTT barrier repeats its state with nothing changed (seconds).
STATE_HEARTBEAT = 60.0

FAULT_TEXT = {
    FaultCode.MOTOR_OVERLOAD: "motor overload",
    FaultCode.ENCODER_LOST: "encoder lost",
    FaultCode.ARM_BREAKAWAY: "arm knocked off",
    FaultCode.LOOP_DETECTOR: "loop detector fault",
}


def plate_reads(plate: str, rng: random.Random) -> list[tuple[str, float]]:
    """What the camera reports for one car: (text, confidence) per read, in order."""
    if rng.random() < DOUBTFUL_SHARE:
        return [(plate, rng.uniform(0.6, 0.78)) for _ in range(2)]
    reads = [(misread(plate, rng), rng.uniform(0.55, 0.8))] if rng.random() < MISREAD_SHARE else []
    if is_new_energy(plate) and rng.random() < TRUNCATED_SHARE:
        reads.append((truncated(plate), rng.uniform(0.85, 0.95)))
    if rng.random() < LOOKALIKE_SHARE:
        reads.append((lookalike(plate, rng), rng.uniform(0.86, 0.97)))
    return reads + [(plate, rng.uniform(0.86, 0.995)) for _ in range(rng.choice((1, 2, 2, 3)))]


def vzenith_url(ctx: SimContext, camera: str) -> str | None:
    """The hub's push URL for ``camera`` when ``lpr: cameras`` makes it a Vzenith camera."""
    section = ctx.hub.config.raw.get("lpr")
    cameras = section.get("cameras") if isinstance(section, dict) else None
    for entry in cameras if isinstance(cameras, list) else ():
        if isinstance(entry, dict) and entry.get("id") == camera and entry.get("format") == "vzenith" and entry.get("secret"):
            return f"/api/lpr/{camera}/{entry['secret']}"
    return None


class VzenithCamera:
    """A lane camera pushing Vzenith ``AlarmInfoPlate`` JSON to the hub; its relay raises the
    arm when the answer says ``info: ok``."""

    def __init__(self, ctx: SimContext, camera: str, path: str, gate: BarrierGate) -> None:
        self.ctx = ctx
        self.camera = camera
        self.path = path
        self.gate = gate
        self.plate_id = 0
        self.opened = 0

    def read(self, plate: str, confidence: float, color: str) -> None:
        self.plate_id += 1
        colour_type, plate_type = VZENITH_CODES.get(color, (0, 0))
        stamp = self.ctx.stamp()
        result = {"license": plate, "colorType": colour_type, "type": plate_type, "confidence": round(confidence * 100),
                  "plateid": self.plate_id, "isoffline": 0, "triggerType": 8, "direction": 0,
                  "timeStamp": {"Timeval": {"sec": int(stamp), "usec": int(stamp % 1 * 1_000_000)}}}
        body = {"AlarmInfoPlate": {"channel": 0, "deviceName": self.camera, "ipaddr": "192.168.10.30",
                                   "serialno": f"sim-{self.camera}", "result": {"PlateResult": result}}}
        self.ctx.hub.create_task(self._push(body), name=f"simulated camera {self.camera}")

    async def _push(self, body: dict[str, Any]) -> None:
        server = self.ctx.hub.data.get(DATA_SERVER)
        if server is None or server.port is None:
            return
        url = f"{'https' if server.ssl_context else 'http'}://127.0.0.1:{server.port}{self.path}"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
                    session.post(url, json=body, ssl=False) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            _LOGGER.debug("Simulated camera %s: push failed: %s", self.camera, err)
            return
        reply = answer.get("Response_AlarmInfoPlate") if isinstance(answer, dict) else None
        if isinstance(reply, dict) and reply.get("info") == "ok" and self.gate.state is BarrierState.CLOSED:
            self.opened += 1
            self.gate.open()


@dataclass(slots=True, frozen=True)
class Car:
    plate: str
    direction: str  # "in" or "out"
    who: str  # "resident 1-2-0601" or "visitor"


class MqttBarrier:
    """A barrier gate speaking the device protocol instead of Modbus."""

    STATES = {
        BarrierState.CLOSED: "closed",
        BarrierState.OPENING: "opening",
        BarrierState.OPEN: "open",
        BarrierState.CLOSING: "closing",
        BarrierState.STOPPED: "stopped",
        BarrierState.FAULT: "fault",
    }

    def __init__(self, ctx: SimContext, barrier_id: str, gate: BarrierGate) -> None:
        self.ctx = ctx
        self.barrier_id = barrier_id
        self.gate = gate
        self._reported: tuple[BarrierState, FaultCode] | None = None
        gate.on_change(self._changed)
        ctx.listen("barrier", barrier_id, "command", self._on_command)

    def start(self) -> None:
        self._report()
        self._heartbeat()

    def _heartbeat(self) -> None:
        self.ctx.timers.later(STATE_HEARTBEAT, self._heartbeat)
        self._report()

    def _on_command(self, payload: dict[str, Any]) -> None:
        action = {"open": self.gate.open, "close": self.gate.close, "stop": self.gate.stop}.get(payload.get("action", ""))
        if action is not None:
            action()

    def _changed(self, gate: BarrierGate) -> None:
        if self._reported != (gate.state, gate.fault_code):
            self._report()

    def _report(self) -> None:
        gate = self.gate
        self._reported = (gate.state, gate.fault_code)
        payload: dict[str, Any] = {"state": self.STATES[gate.state], "ts": self.ctx.stamp()}
        if gate.state is BarrierState.FAULT:
            payload["fault"] = FAULT_TEXT.get(gate.fault_code, f"fault {int(gate.fault_code)}")
        self.ctx.publish("barrier", self.barrier_id, "state", payload)


class VehicleLane:
    """One lane: its camera (if any), its barrier and the queue of cars."""

    def __init__(self, ctx: SimContext, lane: Lane, gate: BarrierGate) -> None:
        self.ctx = ctx
        self.lane = lane
        self.gate = gate
        self.queue: deque[Car] = deque()
        self.passed: list[Car] = []
        self.turned_away = 0
        self.guard_opened = 0
        self._current: Car | None = None
        self._driving = False
        self._guard_timer: TimerHandle | None = None
        path = vzenith_url(ctx, lane.camera) if lane.camera else None
        self.vzenith = VzenithCamera(ctx, lane.camera, path, gate) if lane.camera and path else None
        gate.on_change(self._gate_changed)

    def serves(self, direction: str) -> bool:
        return self.lane.direction in (direction, "both")

    def arrive(self, car: Car) -> bool:
        """A car joins the queue; False when the queue is too long and it turns away."""
        if len(self.queue) >= QUEUE_LIMIT:
            self.turned_away += 1
            return False
        self.queue.append(car)
        self._next_car()
        return True

    def _next_car(self) -> None:
        """The first car in the queue rolls onto the loop, once the last one is through and
        the arm is down."""
        if not self.queue or self._current is not None or self.gate.state is not BarrierState.CLOSED:
            return
        car = self._current = self.queue.popleft()
        self._driving = False
        self.gate.vehicle_arrived()
        self._read_plate(car)
        self._call_guard()

    def _call_guard(self) -> None:
        if self._guard_timer is None:
            self._guard_timer = self.ctx.timers.later(GUARD_DELAY, self._guard_opens)

    def _read_plate(self, car: Car) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        camera = self.lane.camera
        if camera is None:
            ctx.log.act("car", "%s: %s %s (%s), no camera", self.lane.name, car.who, car.plate, car.direction)
            return
        reads = plate_reads(car.plate, rng)
        color = "green" if is_new_energy(car.plate) else ("yellow" if rng.random() < 0.03 else "blue")
        delay = 0.2
        for plate, confidence in reads:
            # ignored: mypy cannot infer the type of a lambda with a default argument (python/mypy#15459)
            ctx.timers.later(delay, lambda p=plate, c=confidence: self._send(  # type: ignore[misc]
                camera, car.direction, p, c, color))
            delay += rng.uniform(*REREAD)
        ctx.log.act("car", "%s: camera %s reads %s (%s, %s) ×%d", self.lane.name, camera, car.plate, car.who,
                    car.direction, len(reads))

    def _send(self, camera: str, direction: str, plate: str, confidence: float, color: str) -> None:
        """One read, as the camera sends it: pushed to the hub over HTTP, or published on MQTT."""
        if self.vzenith is not None:
            self.vzenith.read(plate, confidence, color)
            return
        payload = {"plate": plate, "confidence": round(confidence, 3), "direction": direction, "color": color,
                   "ts": self.ctx.stamp()}
        self.ctx.publish("lpr", camera, "plate", payload)

    def _guard_opens(self) -> None:
        self._guard_timer = None
        if self._current is None or self.gate.state is BarrierState.FAULT:
            return  # a faulty arm waits for the technician's reset
        self.guard_opened += 1
        self.ctx.log.act("car", "%s: no open command from the hub; the guard raises the arm for %s",
                         self.lane.name, self._current.plate)
        self.gate.open()

    def _gate_changed(self, gate: BarrierGate) -> None:
        waiting = self._current is not None and not self._driving
        if gate.state is BarrierState.OPEN and waiting:
            if self._guard_timer is not None:
                self._guard_timer.cancel()
                self._guard_timer = None
            self._drive_through()
        elif gate.state is BarrierState.CLOSED and self._current is None:
            self._next_car()
        elif waiting and gate.state in (BarrierState.CLOSED, BarrierState.STOPPED):
            self._call_guard()  # back from a fault, or stopped half-way: the guard tries again

    def _drive_through(self) -> None:
        self._driving = True
        self.ctx.timers.later(self.ctx.rng.uniform(*DRIVE_THROUGH), self._left_loop)

    def _left_loop(self) -> None:
        """The car is through; the arm comes down behind it and the next car rolls up once it is down."""
        car, self._current, self._driving = self._current, None, False
        if car is not None:
            self.passed.append(car)
        self.gate.vehicle_left()
