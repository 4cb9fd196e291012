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
from xiaoqu.core.errors import HubError
from xiaoqu.core.validation import positive_int, string, time_period, vol
from xiaoqu.integrations.modbus import get_hub

from .entity import AcmeBarrier

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

DOMAIN = "acme_barrier"


def _seconds(value: Any) -> float:
    seconds = time_period(value).total_seconds()
    if seconds <= 0:
        raise vol.Invalid("expected a time period of more than 0 seconds")
    return seconds


def _unit_id(value: Any) -> int:
    number = positive_int(value)
    if not 1 <= number <= 247:
        raise vol.Invalid("expected a unit id from 1 to 247")
    return number


BARRIER = vol.Schema({
    vol.Required("name"): string,
    vol.Optional("hub"): string,
    vol.Required("device_id"): _unit_id,
    vol.Optional("scan_interval", default=2.0): _seconds,
})
CONFIG_SCHEMA = vol.All(lambda value: [] if value is None else value, [BARRIER])


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: list[dict[str, Any]] | None) -> None:
    barriers = []
    for index, conf in enumerate(config or []):
        try:
            modbus = get_hub(hub, conf.get("hub"))
        except HubError as err:
            raise HubError(f"{DOMAIN}[{index}] ({conf['name']}): {err}") from None
        barriers.append(AcmeBarrier(modbus, conf))
    await hub.entities.add(DOMAIN, barriers)
