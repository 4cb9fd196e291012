"""Names of the smart_home integration: its services, what residents may call, its keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .households import SmartHome

DOMAIN: Final = "smart_home"
#: The running integration (:func:`xiaoqu.integrations.smart_home.get_smart_home`).
DATA_SMART_HOME: Final[HubKey[SmartHome]] = HubKey(DOMAIN)

#: ``<prefix>/household/<id>/<DISCOVERY_LEVEL>/<component>/[<node>/]<object>/config``: where a
#: household's devices announce themselves (their Zigbee2MQTT's or ESPHome's discovery prefix).
DISCOVERY_LEVEL: Final = "homeassistant"
#: The store of staff's assignments of devices discovered elsewhere (``<data dir>/smart_home.json``).
STORE_NAME: Final = "smart_home"
STORE_VERSION: Final = 1
ASSIGNMENTS: Final = "assignments"

SERVICE_ASSIGN: Final = "assign"
SERVICE_UNASSIGN: Final = "unassign"
SERVICE_ENTITIES: Final = "entities"
SERVICE_WRITE_ACCOUNTS: Final = "write_accounts"

#: The entity services a resident may call: on their own household's entities only (the
#: core's entity scope refuses the others). Named one by one, not ``light.*``, so a service
#: a domain adds later is not opened to residents unseen.
RESIDENT_SERVICES: Final = (
    "light.turn_on", "light.turn_off", "light.toggle",
    "switch.turn_on", "switch.turn_off", "switch.toggle",
    "fan.turn_on", "fan.turn_off", "fan.toggle", "fan.set_percentage", "fan.set_preset_mode", "fan.oscillate",
    "cover.open_cover", "cover.close_cover", "cover.stop_cover", "cover.set_cover_position",
    "cover.set_cover_tilt_position",
    "climate.set_temperature", "climate.set_hvac_mode", "climate.set_preset_mode", "climate.set_fan_mode",
    "lock.lock", "lock.unlock", "lock.open",
    "button.press", "number.set_value", "select.select_option",
)
#: Who else may do what here: managers assign devices and write the broker's accounts.
ROLE_PERMISSIONS: Final = {
    "resident": list(RESIDENT_SERVICES),
    "manager": [f"{DOMAIN}.*"],
    "maintenance": [f"{DOMAIN}.{SERVICE_ENTITIES}"],
}

#: The refusal counted when a household's device names a topic outside its household.
REFUSED_TOPIC: Final = "topic_outside_household"
REFUSED_HOUSEHOLD: Final = "household_id"
REFUSED_TOO_MANY: Final = "too_many_entities_per_household"
