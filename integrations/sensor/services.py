"""The sensor services: none, a sensor only reports (the table keeps the domains alike)."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService

SERVICES: tuple[EntityService, ...] = ()
