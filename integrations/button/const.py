"""Names of the button domain (its state is the time of the last press)."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "button"

#: The English name an unnamed button takes from its device class (Home Assistant's
#: ``button`` ``entity_component`` translations; see the sensor domain's).
DEVICE_CLASS_NAMES: Final[dict[str, str]] = {
    "identify": "Identify",
    "restart": "Restart",
    "update": "Update",
}
