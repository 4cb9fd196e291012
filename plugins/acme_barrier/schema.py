"""The ``acme_barrier:`` section of config.yaml: one entry per controller on a modbus hub."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import positive_int, string, time_period, vol
from xiaoqu.integrations.barrier import GATE_OPTIONS


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
    **GATE_OPTIONS,  # auto_close, close_after_pass, confirm_timeout: as every gate (docs/barrier.md)
})
CONFIG_SCHEMA = vol.All(lambda value: [] if value is None else value, [BARRIER])
