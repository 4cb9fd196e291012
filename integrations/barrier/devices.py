"""Each configured gate is a device in the registry: ``barrier:<id>``, with the office's
number, maker and model where its entry gives them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xiaoqu.core.entity import DeviceInfo

from .const import DOMAIN


def gate_device(conf: Mapping[str, Any]) -> DeviceInfo:
    return DeviceInfo(
        identifiers=[f"{DOMAIN}:{conf['id']}"],
        name=conf.get("name") or conf["id"],
        number=conf.get("number"),
        manufacturer=conf.get("manufacturer"),
        model=conf.get("model"),
    )
