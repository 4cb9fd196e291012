"""Roles and what each may do.

A permission is a name shaped like a service, ``domain.name``: the services themselves
(``door.unlock``, ``billing.refund``) and a few names for what the HTTP API does besides
calling services (``api.read``, ``api.set_state``, ...). A role is granted names and
patterns with ``*`` wildcards (``door.*``). ``admin`` may do everything; every other role may
do exactly what the core grants below, what plugins grant through ``xiaoqu_role_permissions``
and what the site grants in ``auth: roles:`` — nothing by default, so a new service is closed
to everyone but admins until someone decides otherwise.

Plugins may grant their own services but never ``api.*``: a plugin must not be able to let a
role rewrite states or read the audit log. Only the site's config can do that.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Final

_LOGGER = logging.getLogger(__name__)

ADMIN: Final = "admin"
ROLES: Final = ("admin", "manager", "finance", "guard", "maintenance", "resident")
STAFF_ROLES: Final = ROLES[:5]
#: Roles that reach only the entities plugins put in their scope (``xiaoqu_entity_scope``):
#: a resident sees and acts on their own household's devices, never the estate's. No grant
#: of ``api.*`` reaches them: what they read comes through their scope.
SCOPED_ROLES: Final = ("resident",)

API_READ: Final = "api.read"
API_SET_STATE: Final = "api.set_state"
API_FIRE_EVENT: Final = "api.fire_event"
API_UPDATE_ENTITY: Final = "api.update_entity"
API_READ_AUDIT: Final = "api.read_audit"
API_TEMPLATE: Final = "api.template"

#: What each API permission lets a role do (for error messages and docs/security.md).
API_PERMISSIONS: Final = {
    API_READ: "read states, services, events, devices, entities and the configuration",
    API_SET_STATE: "set an entity's state directly",
    API_FIRE_EVENT: "fire events",
    API_UPDATE_ENTITY: "rename or disable entities",
    API_READ_AUDIT: "read the audit log",
    API_TEMPLATE: "render a template (it reads every state)",
}
RESERVED_DOMAIN: Final = "api"

#: The core's own grants. Managers run the site (they rename devices staff see and may run
#: or pause automations by hand); the other staff roles read. Residents get nothing here:
#: their apps come with the plugins that serve them.
CORE_GRANTS: Final[Mapping[str, tuple[str, ...]]] = {
    "manager": (API_READ, API_UPDATE_ENTITY, "automation.trigger", "automation.turn_on", "automation.turn_off"),
    "finance": (API_READ,),
    "guard": (API_READ,),
    "maintenance": (API_READ,),
    "resident": (),
}

PATTERN: Final = re.compile(r"^[a-z0-9_]+\.[a-z0-9_*]+$")


def check_pattern(pattern: object) -> str:
    """Return ``pattern`` if it is ``domain.service`` (wildcards only in the service), else raise."""
    if not isinstance(pattern, str) or not PATTERN.match(pattern):
        raise ValueError(
            "not a permission pattern: write domain.service, with * only in the service part "
            "(door.unlock, door.*)"
        )
    return pattern


class Permissions:
    """Answers "may this role do that?" in one dict lookup once a name has been asked."""

    def __init__(self, grants: Mapping[str, Iterable[str]]) -> None:
        self._grants: dict[str, frozenset[str]] = {role: frozenset(grants.get(role, ())) for role in ROLES}
        self._matchers: dict[str, re.Pattern[str] | None] = {}
        for role, patterns in self._grants.items():
            wild = [re.escape(p).replace(r"\*", "[a-z0-9_]*") for p in patterns if "*" in p]
            self._matchers[role] = re.compile("(?:" + "|".join(wild) + ")") if wild else None
        self._cache: dict[tuple[str, str], bool] = {}

    def allows(self, role: str, name: str) -> bool:
        if role == ADMIN:
            return True
        if role in SCOPED_ROLES and name.partition(".")[0] == RESERVED_DOMAIN:
            return False
        key = (role, name)
        answer = self._cache.get(key)
        if answer is None:
            matcher = self._matchers.get(role)
            answer = name in self._grants.get(role, ()) or (matcher is not None and matcher.fullmatch(name) is not None)
            self._cache[key] = answer
        return answer

    def grants(self) -> dict[str, list[str]]:
        """Every role's patterns, sorted (admin: everything)."""
        return {ADMIN: ["*"], **{role: sorted(p) for role, p in self._grants.items() if role != ADMIN}}


def merge_grants(
    plugin_grants: Iterable[tuple[str, object]],
    site_grants: Mapping[str, Iterable[str]] | None = None,
) -> Permissions:
    """The core's grants plus each plugin's (``(plugin, result)`` pairs) plus the site's.

    A plugin's grant that names an unknown role, is not a pattern or touches ``api.*`` is
    skipped with a warning naming the plugin; the rest of its grants still apply.
    """
    merged: dict[str, set[str]] = {role: set(patterns) for role, patterns in CORE_GRANTS.items()}
    for plugin, result in plugin_grants:
        if result is None:
            continue
        if not isinstance(result, Mapping):
            _LOGGER.warning("%s: xiaoqu_role_permissions returned %s, not {role: [patterns]}; ignored",
                            plugin, type(result).__name__)
            continue
        for role, patterns in result.items():
            if role not in ROLES or role == ADMIN:
                _LOGGER.warning("%s grants permissions to %r, which is not a role (%s); ignored",
                                plugin, role, ", ".join(r for r in ROLES if r != ADMIN))
                continue
            for pattern in [patterns] if isinstance(patterns, str) else patterns:
                try:
                    check_pattern(pattern)
                except ValueError as err:
                    _LOGGER.warning("%s grants %s %r: %s; ignored", plugin, role, pattern, err)
                    continue
                if pattern.partition(".")[0] == RESERVED_DOMAIN:
                    _LOGGER.warning("%s grants %s %r: only the site's auth: roles: may grant api.*; ignored",
                                    plugin, role, pattern)
                    continue
                merged[role].add(pattern)
    for role, patterns in (site_grants or {}).items():
        merged.setdefault(role, set()).update(patterns)
    return Permissions(merged)
