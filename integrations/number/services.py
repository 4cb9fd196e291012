"""The number services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import vol

from .const import ATTR_VALUE

SERVICES = (
    EntityService("set_value", "set_value", {vol.Required(ATTR_VALUE): vol.Coerce(float)},
                  "Set the value (within the number's min and max)"),
)
