"""The lock services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import string, vol

from .const import ATTR_CODE, LockEntityFeature

_CODE = {vol.Optional(ATTR_CODE): string}

SERVICES = (
    EntityService("lock", "lock", _CODE, "Lock"),
    EntityService("unlock", "unlock", _CODE, "Unlock"),
    EntityService("open", "open", _CODE, "Unlatch the door", required_features=LockEntityFeature.OPEN),
)
