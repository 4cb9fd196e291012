"""The select services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import string, vol

from .const import ATTR_OPTION

SERVICES = (
    EntityService("select_option", "select_option", {vol.Required(ATTR_OPTION): string}, "Choose one of the options"),
)
