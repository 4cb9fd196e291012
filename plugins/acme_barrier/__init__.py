"""Acme barrier gates: the worked example of a vendor plugin (docs/vendor-plugin.md).

    acme_barrier:
      - name: Main gate exit
        hub: gates            # the modbus hub the controller is on (optional with only one hub)
        device_id: 2          # its unit id
        scan_interval: 1      # seconds between polls

Each controller becomes a ``barrier`` entity (``closed``, ``opening``, ``open``, ``closing``,
``stopped``, ``fault``; attributes ``vehicle_present``, ``fault_code``, ``fault``, ``cycles``)
answering ``barrier.open``, ``barrier.close`` and ``barrier.stop``, which the barrier
integration (a dependency) owns and registers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl

from .const import DOMAIN
from .entity import barriers
from .schema import CONFIG_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]]) -> None:
    await hub.entities.add(DOMAIN, barriers(hub, config))
