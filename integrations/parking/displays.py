"""What the lanes' displays show, and what a camera that answers on its own request is told.

Two kinds of message on ``display/<id>/show`` (schema ``display_show``, docs/device-protocol.md):

- **guidance** (``mode: idle``, retained): the lot's free spaces, ``余位 23`` (and
  ``临时车位已满`` when the temporary spaces are full), on every display of the lot's lanes,
  whenever the count changes; a display that restarts gets it back from the broker;
- **a decision** (``mode: event``): the car's plate (masked), the decision's line (``欢迎回家``,
  ``欠费 请到物业缴费``, ``请缴费 ¥11.00`` with the order's QR code), shown for
  ``show_seconds`` (a payment: until it is paid or five minutes), then back to the guidance.

A camera that answers on its own HTTP request (Vzenith, Dahua) is given the decision too,
through lpr's ``set_reply``: it pulses its relay and speaks the line. The barrier is commanded
whatever the camera does (:mod:`.parking`): only the barrier confirms that the arm went up.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations import mqtt
from xiaoqu.integrations.lpr import GateReply, get_lpr
from xiaoqu.integrations.mqtt.client import encode_payload

from .const import DISPLAY_TOPIC

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .models import Lane
    from .occupancy import Count

_LOGGER = logging.getLogger(__package__)

#: How long a payment's screen stays (it goes back to the guidance when the car is let out).
PAY_SECONDS: Final = 300
LINE_MAX: Final = 32
GREEN: Final = "green"
RED: Final = "red"
YELLOW: Final = "yellow"
WHITE: Final = "white"


def guidance_lines(count: Count) -> list[str]:
    """What a lot's displays show between cars (the staff's lot page shows the same lines)."""
    lines = [f"余位 {count.free}"]
    if count.lot.admit_temporary and count.free and not count.temporary_free:
        lines.append("临时车位已满")
    return lines


class Displays:
    def __init__(self, hub: Hub, lanes: list[Lane], show_seconds: int) -> None:
        self.hub = hub
        self.show_seconds = show_seconds
        self._by_lot: dict[str, list[str]] = {}
        for lane in lanes:
            if lane.display is not None:
                self._by_lot.setdefault(lane.lot, []).append(lane.display)

    def guidance(self, count: Count) -> None:
        """The lot's free spaces on every display of its lanes (retained), behind the gates'
        commands and answers: only the newest count matters to a display (``publish_latest``).
        One message for all of them, encoded once: it follows every car in or out."""
        displays = self._by_lot.get(count.lot.id, ())
        if not displays:
            return
        message = encode_payload({"lines": guidance_lines(count), "mode": "idle", "colour": WHITE,
                                  "ts": round(self.hub.clock.time(), 3)})
        for display in displays:
            self._publish(display, message, retain=True, latest=True)

    def show(self, lane: Lane, lines: list[str], colour: str, *, voice: str | None = None, qr: str | None = None,
             seconds: int | None = None) -> None:
        """A decision on ``lane``'s display, for ``seconds`` (``show_seconds`` unless told)."""
        if lane.display is None:
            return
        payload: dict[str, Any] = {"lines": [line[:LINE_MAX] for line in lines[:4]], "mode": "event",
                                   "seconds": seconds or self.show_seconds, "colour": colour}
        if voice:
            payload["voice"] = voice[:64]
        if qr:
            payload["qr"] = qr[:512]
        self._publish(lane.display, {**payload, "ts": round(self.hub.clock.time(), 3)}, retain=False)

    def reply(self, read_id: str | None, *, open: bool, text: str) -> None:
        """Answer the camera that sent ``read_id`` on its own request, when its format has one."""
        if read_id is not None:
            get_lpr(self.hub).set_reply(read_id, GateReply(open=open, voice=text, text=text))

    def _publish(self, display: str, payload: dict[str, Any] | bytes, *, retain: bool, latest: bool = False) -> None:
        try:
            topic = f"{mqtt.topic_root(self.hub)}/{DISPLAY_TOPIC.format(id=display)}"
            send = mqtt.publish_latest if latest else mqtt.publish_nowait
            send(self.hub, topic, payload, qos=1, retain=retain)
        except RuntimeError as err:  # no mqtt on this hub: the displays cannot be reached
            _LOGGER.debug("Display %s not told (%s)", display, err)
