"""What a failed Modbus request raises: always naming the hub, the device and the address."""
from __future__ import annotations

from xiaoqu.core.errors import HubError

from .const import EXCEPTION_NAMES


class ModbusHubNotFound(HubError, LookupError):
    """No hub of that name in the ``modbus:`` section."""


class ModbusError(HubError):
    """A request to a Modbus device failed, or could not be made as asked.

    ``str(err)`` is one sentence for a log or an API answer:
    ``modbus hub 'plant', device 3, holding registers 100-101: no answer within 1 s``.
    """

    def __init__(self, hub: str, device_id: int, target: str, reason: str) -> None:
        self.hub = hub
        self.device_id = device_id
        self.target = target
        self.reason = reason
        super().__init__(f"modbus hub '{hub}', device {device_id}, {target}: {reason}")


class ModbusNoResponse(ModbusError):
    """The device did not answer: a timeout, no connection, or a gateway saying its target is
    silent. Counts against the device's health (it becomes unavailable)."""


class ModbusExceptionResponse(ModbusError):
    """The device answered with a Modbus exception (``code``): it is alive but refused the request."""

    def __init__(self, hub: str, device_id: int, target: str, code: int) -> None:
        self.code = code
        name = EXCEPTION_NAMES.get(code, "unknown exception")
        super().__init__(hub, device_id, target, f"{name} (exception {code})")


def describe(table_name: str, address: int, count: int) -> str:
    """``holding register 100`` or ``holding registers 100-109``."""
    if count == 1:
        return f"{table_name} {address}"
    return f"{table_name}s {address}-{address + count - 1}"
