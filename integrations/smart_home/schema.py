"""The ``smart_home:`` section of config.yaml and the services' data.

    smart_home:
      max_entities_per_household: 50     # what one household's devices may announce, at most
      accounts_file: household_accounts.yaml   # smart_home.write_accounts: mqtt: users: !include it
      mosquitto_acl: mosquitto/xiaoqu.acl      # optional: Mosquitto's acl_file, written beside it
      mosquitto_passwd: mosquitto/xiaoqu.passwd  # optional: Mosquitto's password_file

Relative paths are beside config.yaml.
"""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.validation import ensure_list, entity_ids, positive_int, string, vol

from .households import HOUSEHOLD_LEVEL

DEFAULT_ACCOUNTS_FILE: Final = "household_accounts.yaml"

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("max_entities_per_household", default=50): vol.All(positive_int, vol.Range(min=1, max=10_000)),
        vol.Optional("accounts_file", default=DEFAULT_ACCOUNTS_FILE): string,
        vol.Optional("mosquitto_acl"): string,
        vol.Optional("mosquitto_passwd"): string,
    }),
)


def household(value: Any) -> str:
    text = string(value)
    if HOUSEHOLD_LEVEL.fullmatch(text) is None:
        raise vol.Invalid(f"expected a household id such as 1-2-0601, not {text[:40]!r}")
    return text


def _names_something(data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("device_id") and not data.get("entity_id"):
        raise vol.Invalid("name the device_id or entity_id (or both) to act on")
    return data


_TARGETS: Final[dict[Any, Any]] = {
    vol.Optional("device_id", default=list): vol.All(ensure_list, [string]),
    vol.Optional("entity_id", default=list): entity_ids,
}
ASSIGN_SCHEMA: Final = vol.All(vol.Schema({vol.Required("household"): household, **_TARGETS}), _names_something)
UNASSIGN_SCHEMA: Final = vol.All(vol.Schema(_TARGETS), _names_something)
ENTITIES_SCHEMA: Final = vol.Schema({vol.Required("household"): household})
WRITE_ACCOUNTS_SCHEMA: Final = vol.Schema({})
