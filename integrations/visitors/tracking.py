"""Where a confirmed visitor is seen: their pass at a reader, their plate at a camera.

- ``plate_read`` (the plate cameras, docs/lpr.md) of a visit's plate: at a camera whose
  direction is ``in`` the visitor arrived, ``out`` they left. A camera with no direction says
  nothing of which way the car went, and is not taken.
- ``access_granted`` for a visit's QR pass or plate (matched by the household and the masked
  credential the decision shows) at a door: their arrival; at a door of ``visitors: exits``,
  their leaving — ``access_denied`` there too, since a visitor who overstayed shows a pass that
  no longer opens on the way out.

A visitor seen leaving closes the visit; nothing else does but staff (``visitors.checkout``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xiaoqu.integrations.access.const import EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED, PLATE, QR
from xiaoqu.integrations.lpr.const import EVENT_PLATE_READ

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event

    from .models import Visit
    from .visits import Visitors


def _shows(visit: Visit, kind: object, value: object) -> bool:
    """Whether a decision's masked credential is one of the visit's passes."""
    if kind == QR:
        return visit.passes.qr_masked is not None and visit.passes.qr_masked == value
    return kind == PLATE and visit.passes.plate is not None and visit.plate_masked == value


def listen(visitors: Visitors) -> Callable[[], None]:
    """Follow plate reads and access decisions; the function that stops it."""
    hub = visitors.hub

    def plate_read(event: Event) -> None:
        direction = event.data.get("direction")
        visit = visitors.admitted_with_plate(str(event.data.get("plate")))
        if visit is not None and direction in ("in", "out"):
            hub.create_task(visitors.seen(visit.id, str(event.data.get("camera")), event.time_fired,
                                          leaving=direction == "out"), name=f"visitors: {visit.id} at a camera")

    def decided(event: Event) -> None:
        data = event.data
        if data.get("type") not in (QR, PLATE):  # cards and faces: the bulk of decisions, never a visitor's
            return
        door = str(data.get("door"))
        leaving = door in visitors.exits
        if event.event_type == EVENT_ACCESS_DENIED and not leaving:
            return
        for visit in visitors.admitted_of(data.get("household")):
            if _shows(visit, data.get("type"), data.get("value")):
                hub.create_task(visitors.seen(visit.id, door, event.time_fired, leaving=leaving),
                                name=f"visitors: {visit.id} at {door}")
                return

    stops = [hub.bus.listen(EVENT_PLATE_READ, plate_read), hub.bus.listen(EVENT_ACCESS_GRANTED, decided),
             hub.bus.listen(EVENT_ACCESS_DENIED, decided)]

    def stop() -> None:
        for unsubscribe in stops:
            unsubscribe()

    return stop
