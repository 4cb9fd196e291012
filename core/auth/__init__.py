"""Users, roles, tokens and the audit log — a core plugin, always set up.

Config (all optional)::

    auth:
      roles:                      # grants on top of the core's and the plugins'
        guard: [barrier.open, door.unlock]
      login_token_lifetime: {hours: 12}
      audit_keep_days: 365        # at least 180

docs/security.md explains roles, tokens and the audit log.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.auth.access import Access, get_access
from xiaoqu.core.auth.audit import MIN_KEEP_DAYS, Actor, AuditLog
from xiaoqu.core.auth.const import DATA_ACCESS, DATA_CONTROL, SOURCE_API
from xiaoqu.core.auth.control import ControlServer
from xiaoqu.core.auth.manager import AuthError, AuthManager, Token, User
from xiaoqu.core.auth.permissions import (
    ADMIN,
    API_FIRE_EVENT,
    API_READ,
    API_READ_AUDIT,
    API_SET_STATE,
    API_TEMPLATE,
    API_UPDATE_ENTITY,
    RESERVED_DOMAIN,
    ROLES,
    SCOPED_ROLES,
    check_pattern,
)
from xiaoqu.core.validation import ensure_list, time_period, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "ADMIN",
    "API_FIRE_EVENT",
    "API_READ",
    "API_READ_AUDIT",
    "API_TEMPLATE",
    "API_SET_STATE",
    "API_UPDATE_ENTITY",
    "ROLES",
    "SOURCE_API",
    "Access",
    "Actor",
    "AuthError",
    "AuthManager",
    "Token",
    "User",
    "get_access",
]

_LOGGER = logging.getLogger(__name__)


def _pattern(value: Any) -> str:
    try:
        return check_pattern(value)
    except ValueError as err:
        raise vol.Invalid(str(err)) from None


_PATTERNS = vol.All(ensure_list, [_pattern])


def _role_grants(value: Any) -> dict[str, list[str]]:
    """``{role: [patterns]}``; each key must be a role other than admin (who may do everything)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise vol.Invalid("expected a mapping of role to the services it may call")
    grants: dict[str, list[str]] = {}
    errors: list[vol.Invalid] = []
    for role, patterns in value.items():
        if role == ADMIN:
            errors.append(vol.Invalid("admin may already do everything; grant other roles", path=[role]))
        elif role not in ROLES:
            errors.append(vol.Invalid(f"not a role; roles are {', '.join(ROLES)}", path=[role]))
        else:
            try:
                grants[role] = _PATTERNS(patterns)
            except vol.Invalid as err:
                errors.extend(_prefixed(err, role))
                continue
            if role in SCOPED_ROLES:
                errors.extend(_scoped_api_grants(role, grants[role]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return grants


def _scoped_api_grants(role: str, patterns: list[str]) -> list[vol.Invalid]:
    """A scoped role reads its own entities through its scope; ``api.*`` would reach them all."""
    return [
        vol.Invalid(f"{role} sees only the entities plugins put in its scope; {pattern} would reach every "
                    "entity, so it cannot be granted to this role", path=[role])
        for pattern in patterns
        if pattern.partition(".")[0] == RESERVED_DOMAIN
    ]


def _prefixed(err: vol.Invalid, key: str) -> list[vol.Invalid]:
    leaves = err.errors if isinstance(err, vol.MultipleInvalid) else [err]
    return [type(leaf)(leaf.msg, path=[key, *leaf.path]) for leaf in leaves]


def _audit_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_KEEP_DAYS:
        raise vol.Invalid(f"expected a whole number of days, at least {MIN_KEEP_DAYS} (six months, as the law asks)")
    return value


CONFIG_SCHEMA = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema(
        {
            vol.Optional("roles", default={}): _role_grants,
            vol.Optional("login_token_lifetime", default=timedelta(days=1)): time_period,
            vol.Optional("audit_keep_days", default=365): _audit_days,
        }
    ),
)


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    audit_log = AuditLog(hub.recorder, timedelta(days=config["audit_keep_days"]))
    await audit_log.resume()
    manager = await AuthManager.open(hub.storage, audit_log, hub.clock.time)
    access = Access(hub, manager, site_grants=config["roles"], login_lifetime=config["login_token_lifetime"])
    await access.load_permissions()
    access.install()
    hub.data[DATA_ACCESS] = access
    control = ControlServer(manager, Path(hub.config.data_dir or "."))
    await control.start()
    hub.data[DATA_CONTROL] = control
    if not manager.users():
        _LOGGER.warning("%s", _first_user_hint(hub))


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    control = hub.data.pop(DATA_CONTROL, None)
    if control is not None:
        await control.stop()


def _first_user_hint(hub: Hub) -> str:
    config_file = Path(hub.config.config_dir) / (getattr(hub.config.raw, "__config_file__", None) or "config.yaml")
    where = "" if config_file.parent.resolve() == Path.cwd().resolve() else f" -c {config_file}"
    return (
        "No users yet. Create the first admin and an API token with: "
        f"xiaoqu user add admin --role admin --password-stdin{where} && xiaoqu token create admin{where}"
    )
