"""The ``door:`` section of config.yaml and the data of the ``door.*`` services."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final

from xiaoqu.core.validation import boolean, comp_entity_ids, ensure_list, name, number, string, vol

from .const import (
    DEFAULT_HELD_OPEN_SECONDS,
    DEFAULT_UNLOCK_SECONDS,
    MAX_UNLOCK_SECONDS,
    DoorKind,
)

#: A device's own id, as the device protocol's topics carry it (docs/device-protocol.md).
_DEVICE_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_REASON: Final = 200


def device_id(value: Any) -> str:
    text = string(value)
    if not _DEVICE_ID.match(text):
        raise vol.Invalid("expected a device id: 1 to 64 letters, digits, '-' or '_' (it is part of MQTT topics)")
    return text


def _seconds(low: float, high: float) -> Callable[[Any], float]:
    return vol.All(number, vol.Range(min=low, max=high, msg=f"expected seconds from {low:g} to {high:g}"))


READER_SCHEMA: Final = vol.Schema({
    vol.Required("id"): device_id,
    vol.Optional("direction", default="in"): vol.In(("in", "out"), msg="expected in or out"),
})


def _readers(value: Any) -> list[dict[str, Any]]:
    """A reader as its id alone (``[b1-u1]``) or as a mapping with its direction."""
    return [READER_SCHEMA({"id": item} if isinstance(item, str) else item) for item in ensure_list(value)]


#: What the office's device list says of a device (its number, maker and model), as typed.
_HARDWARE: Final[dict[Any, Any]] = {
    vol.Optional("number"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("manufacturer"): vol.All(string, vol.Length(min=1, max=100)),
    vol.Optional("model"): vol.All(string, vol.Length(min=1, max=100)),
}

DOOR_SCHEMA: Final = vol.Schema({
    vol.Required("id"): device_id,
    vol.Optional("name"): name,
    **_HARDWARE,
    vol.Optional("kind", default=DoorKind.PEDESTRIAN.value): vol.In(
        [k.value for k in DoorKind], msg="expected pedestrian or vehicle"),
    vol.Optional("area"): vol.Any(None, device_id),
    #: No readers listed: one reader of the door's own id (the simulator's and most
    #: single-reader doors' way).
    vol.Optional("readers"): _readers,
    vol.Optional("unlock_seconds", default=DEFAULT_UNLOCK_SECONDS): _seconds(1, MAX_UNLOCK_SECONDS),
    vol.Optional("held_open_seconds", default=DEFAULT_HELD_OPEN_SECONDS): _seconds(1, 86400),
    vol.Optional("anti_passback", default=False): boolean,
    vol.Optional("interlock"): device_id,
    vol.Optional("first_card_groups", default=list): vol.All(ensure_list, [string]),
    vol.Optional("controller"): device_id,
    vol.Optional("offline_after"): vol.Any(None, _seconds(10, 86400)),
})

#: The offline controllers' own entries (integrations/door/controllers.py reads the rest), with
#: what the device list shows of each (``area``: where it is, when its doors do not say).
CONTROLLER_SCHEMA: Final = vol.Schema({
    vol.Required("id"): device_id,
    vol.Optional("name"): name,
    **_HARDWARE,
    vol.Optional("firmware"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("area"): device_id,
}, extra=vol.ALLOW_EXTRA)


def _unique(items: Iterable[tuple[int, str, str]], what: str) -> None:
    seen: dict[str, int] = {}
    for index, key, value in items:
        if value in seen:
            raise vol.Invalid(f"{what} {value!r} is already used by entry {seen[value] + 1}", path=[index, key])
        seen[value] = index


def _cross_check(section: dict[str, Any]) -> dict[str, Any]:
    """Ids unique; every reader at one door; interlocks and controllers name real ones."""
    doors = section["doors"]
    _unique(((i, "id", d["id"]) for i, d in enumerate(doors)), "door id")
    _unique(((i, "readers", r["id"]) for i, d in enumerate(doors) for r in d.get("readers") or ()), "reader id")
    _unique(((i, "id", c["id"]) for i, c in enumerate(section["controllers"])), "controller id")
    ids = {d["id"] for d in doors}
    controllers = {c["id"] for c in section["controllers"]}
    partners: dict[str, str] = {}
    for index, door in enumerate(doors):
        other = door.get("interlock")
        if other is not None:
            if other == door["id"] or other not in ids:
                why = "itself" if other == door["id"] else "no configured door"
                raise vol.Invalid(f"interlock names {why} ({other!r})", path=["doors", index, "interlock"])
            if partners.get(other, door["id"]) != door["id"] or partners.get(door["id"], other) != other:
                raise vol.Invalid(f"{other!r} is already interlocked with another door; an interlock pairs two doors",
                                  path=["doors", index, "interlock"])
            partners[door["id"]], partners[other] = other, door["id"]
        if controllers and door.get("controller") is not None and door["controller"] not in controllers:
            raise vol.Invalid(f"controller {door['controller']!r} is not in door: controllers:",
                              path=["doors", index, "controller"])
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("doors", default=list): [DOOR_SCHEMA],
        vol.Optional("controllers", default=list): [CONTROLLER_SCHEMA],
        #: Seconds of silence after which a door (and its readers) is unavailable, for doors
        #: that do not say otherwise; None: silence is not a fault.
        vol.Optional("offline_after"): vol.Any(None, _seconds(10, 86400)),
    }),
    _cross_check,
)

_REASON: Final = vol.All(string, vol.Length(min=1, max=MAX_REASON))

UNLOCK_SCHEMA: Final = vol.Schema({
    vol.Required("entity_id"): comp_entity_ids,
    vol.Optional("duration"): _seconds(1, MAX_UNLOCK_SECONDS),
    vol.Optional("reason"): _REASON,
})
LOCK_SCHEMA: Final = vol.Schema({
    vol.Required("entity_id"): comp_entity_ids,
    vol.Optional("reason"): _REASON,
})
UNLOCK_ALL_SCHEMA: Final = vol.Schema({vol.Optional("reason"): _REASON})
RESTORE_SCHEMA: Final = vol.Schema({vol.Optional("reason"): _REASON})
SYNC_STATUS_SCHEMA: Final = vol.Schema({vol.Optional("controller"): device_id})
