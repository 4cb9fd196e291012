"""Names shared by the core and every plugin: event types, state strings, defaults."""
from __future__ import annotations

from typing import Final

__version__: Final = "0.1.0"

MATCH_ALL: Final = "*"

# Event types the core fires.
EVENT_STATE_CHANGED: Final = "state_changed"
EVENT_CALL_SERVICE: Final = "call_service"
EVENT_SERVICE_REGISTERED: Final = "service_registered"
EVENT_HUB_START: Final = "hub_start"
EVENT_HUB_STARTED: Final = "hub_started"
EVENT_HUB_STOP: Final = "hub_stop"
EVENT_PLUGIN_LOADED: Final = "plugin_loaded"
EVENT_ENTITY_REGISTRY_UPDATED: Final = "entity_registry_updated"
EVENT_DEVICE_REGISTRY_UPDATED: Final = "device_registry_updated"

# State strings every entity may take.
STATE_UNAVAILABLE: Final = "unavailable"
STATE_UNKNOWN: Final = "unknown"
STATE_ON: Final = "on"
STATE_OFF: Final = "off"

MAX_STATE_LENGTH: Final = 255

DEFAULT_CONFIG_FILE: Final = "config.yaml"
DEFAULT_DATA_DIR: Final = ".xiaoqu"
RECORDER_FILE: Final = "recorder.db"  # in the data dir
DEFAULT_SITE: Final = "demo"
#: A store in the data directory cannot commit (disk full, I/O error): {file, error}; once per outage.
EVENT_STORAGE_FAULT: Final = "storage_fault"
#: It commits again: {file, down_for} (seconds).
EVENT_STORAGE_RECOVERED: Final = "storage_recovered"
