"""Names of the script integration: its keys, services, attributes and events."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "script"

SERVICE_TURN_ON: Final = "turn_on"
SERVICE_TURN_OFF: Final = "turn_off"
SERVICE_TOGGLE: Final = "toggle"
SERVICE_RELOAD: Final = "reload"
#: The services every hub has; each script adds ``script.<id>``. A script cannot take one
#: of these names as its id (as in Home Assistant).
SERVICES: Final = (SERVICE_TURN_ON, SERVICE_TURN_OFF, SERVICE_TOGGLE, SERVICE_RELOAD)

CONF_SEQUENCE: Final = "sequence"
CONF_FIELDS: Final = "fields"
CONF_ICON: Final = "icon"

ATTR_VARIABLES: Final = "variables"

#: Variables a run sets itself; what a caller passes under these names is ignored.
RESERVED_VARIABLES: Final = frozenset({"this", "context"})

#: Fired as a script is asked to run: {name, entity_id}, with the run's context.
EVENT_SCRIPT_STARTED: Final = "script_started"
