"""The switch services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import toggle_services

SERVICES = toggle_services()
