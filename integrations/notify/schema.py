"""The notify section of config.yaml and the data of a notify.* call."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.validation import ensure_list, log_level, slug, string, vol

from .const import ATTR_DATA, ATTR_MESSAGE, ATTR_TARGET, ATTR_TITLE, CHANNEL_LOG, SERVICE_NOTIFY

#: The longest message a channel is given; longer is refused (a message is for a person).
MAX_MESSAGE: Final = 4000


def target_name(value: Any) -> str:
    name = slug(value)
    if name == SERVICE_NOTIFY:
        raise vol.Invalid(f"'{SERVICE_NOTIFY}' is the service that sends to every target; choose another name")
    return name


TARGET_SCHEMA: Final = vol.Schema({
    vol.Required("name"): target_name,
    vol.Optional("channel", default=CHANNEL_LOG): vol.In(
        (CHANNEL_LOG,), msg=f"expected {CHANNEL_LOG} (the only built-in channel)"
    ),
    vol.Optional("level", default="INFO"): log_level,
})


def _unique_names(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for index, target in enumerate(targets):
        if target["name"] in seen:
            raise vol.Invalid("names a target already defined above", path=[index, "name"])
        seen.add(target["name"])
    return targets


CONFIG_SCHEMA: Final = vol.All(lambda value: [] if value is None else value, [TARGET_SCHEMA], _unique_names)

MESSAGE_SCHEMA: Final = vol.Schema({
    vol.Required(ATTR_MESSAGE): vol.All(string, vol.Length(min=1, max=MAX_MESSAGE)),
    vol.Optional(ATTR_TITLE): vol.All(string, vol.Length(max=200)),
    vol.Optional(ATTR_TARGET): vol.All(ensure_list, [string]),
    vol.Optional(ATTR_DATA): dict,
})
