"""The button services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService

SERVICES = (EntityService("press", "press", {}, "Press the button"),)
