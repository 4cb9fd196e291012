"""Names of the automation language's keys, its defaults and the events it fires."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.automation.config import StartChecked
    from xiaoqu.core.automation.engine import AutomationEngine

DOMAIN: Final = "automation"
#: The engine in ``hub.data``.
DATA_ENGINE: Final[HubKey[AutomationEngine]] = HubKey(DOMAIN)
#: The automations as the config's check found them while the hub was built, for the engine
#: to arm at start without checking them again.
DATA_START_CHECKED: Final[HubKey[StartChecked]] = HubKey("automation_start_checked")
#: The services the engine registers (declared for check-config through xiaoqu_services).
SERVICES: Final = ("turn_on", "turn_off", "toggle", "trigger", "reload")

# Keys of one automation (Home Assistant 2024.10 spelling; the old singular ones are renamed).
CONF_ID: Final = "id"
CONF_ALIAS: Final = "alias"
CONF_DESCRIPTION: Final = "description"
CONF_INITIAL_STATE: Final = "initial_state"
CONF_MODE: Final = "mode"
CONF_MAX: Final = "max"
CONF_MAX_EXCEEDED: Final = "max_exceeded"
CONF_MAX_ITERATIONS: Final = "max_iterations"
CONF_TRACE: Final = "trace"
CONF_STORED_TRACES: Final = "stored_traces"
CONF_VARIABLES: Final = "variables"
CONF_TRIGGER_VARIABLES: Final = "trigger_variables"
CONF_TRIGGERS: Final = "triggers"
CONF_CONDITIONS: Final = "conditions"
CONF_ACTIONS: Final = "actions"
CONF_USE_BLUEPRINT: Final = "use_blueprint"

# Keys shared by triggers, conditions and steps.
CONF_TRIGGER: Final = "trigger"
CONF_CONDITION: Final = "condition"
CONF_ENABLED: Final = "enabled"
CONF_CONTINUE_ON_ERROR: Final = "continue_on_error"

MODE_SINGLE: Final = "single"
MODE_RESTART: Final = "restart"
MODE_QUEUED: Final = "queued"
MODE_PARALLEL: Final = "parallel"
MODES: Final = (MODE_SINGLE, MODE_RESTART, MODE_QUEUED, MODE_PARALLEL)

DEFAULT_MAX: Final = 10
DEFAULT_MAX_EXCEEDED: Final = "WARNING"
DEFAULT_STORED_TRACES: Final = 5
#: Iterations of all `repeat` steps of one run together before the run is stopped with an
#: error (Home Assistant stops a `while`/`until` loop at the same count).
DEFAULT_MAX_ITERATIONS: Final = 10_000

#: Fired when an automation's run starts: {name, entity_id, id, source}.
EVENT_AUTOMATION_TRIGGERED: Final = "automation_triggered"
#: Fired after `automation.reload` has armed the new set.
EVENT_AUTOMATION_RELOADED: Final = "automation_reloaded"

ATTR_LAST_TRIGGERED: Final = "last_triggered"
ATTR_CURRENT: Final = "current"
