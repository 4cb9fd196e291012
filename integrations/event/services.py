"""The event services: none, an event entity only reports (the table keeps the domains alike)."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService

SERVICES: tuple[EntityService, ...] = ()
