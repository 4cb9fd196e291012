"""Names of the event domain: its attributes and device classes (its state is a time)."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "event"

#: The type of the last event (one of ``event_types``).
ATTR_EVENT_TYPE: Final = "event_type"
#: Every type of event the entity can fire.
ATTR_EVENT_TYPES: Final = "event_types"


class EventDeviceClass(StrEnum):
    """What fires the events (Home Assistant's event device classes)."""

    BUTTON = "button"
    DOORBELL = "doorbell"
    MOTION = "motion"


#: The English name an unnamed event entity takes from its device class (Home Assistant's
#: ``event`` ``entity_component`` translations; see the sensor domain's).
DEVICE_CLASS_NAMES: Final[dict[str, str]] = {
    EventDeviceClass.BUTTON: "Button",
    EventDeviceClass.DOORBELL: "Doorbell",
    EventDeviceClass.MOTION: "Motion",
}
