"""Names and limits of the modbus integration."""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .hub import ModbusHub

DOMAIN: Final = "modbus"
#: The configured hubs by name (``get_hub`` reads it).
DATA_HUBS: Final[HubKey[dict[str, ModbusHub]]] = HubKey(DOMAIN)

EVENT_DEVICE_FAULT: Final = "modbus_device_fault"
"""A device stopped answering: ``{hub, device_id, reason}``; fired once per outage."""
EVENT_DEVICE_RECOVERED: Final = "modbus_device_recovered"
"""A device that had a fault answers again: ``{hub, device_id}``."""

SERVICE_WRITE_REGISTER: Final = "write_register"
SERVICE_WRITE_COIL: Final = "write_coil"

DEFAULT_HUB_NAME: Final = "modbus_hub"
DEFAULT_DEVICE_ID: Final = 1
DEFAULT_SCAN_INTERVAL: Final = 10.0
DEFAULT_TIMEOUT: Final = 3.0
DEFAULT_RETRIES: Final = 3
DEFAULT_SERIAL_MESSAGE_WAIT_MS: Final = 30
"""A serial line needs a quiet gap between frames; many RS-485 converters need more than
the 3.5 character times of the standard (Home Assistant uses the same default)."""

MAX_DEVICE_ID: Final = 247
"""Unit ids 248-255 are reserved by the Modbus serial line specification."""
MAX_WRITE_REGISTERS: Final = 123
"""The most registers one write may carry (Modbus application protocol, 6.12)."""
MAX_WRITE_COILS: Final = 1968
"""The most coils one write may carry (Modbus application protocol, 6.11)."""


class Table(enum.StrEnum):
    """The four Modbus data tables, named as in the config (``input_type``)."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    HOLDING = "holding"
    INPUT = "input"

    @property
    def is_bits(self) -> bool:
        return self in (Table.COIL, Table.DISCRETE_INPUT)

    @property
    def max_read(self) -> int:
        """The most one read request may ask for (Modbus application protocol, 6.1-6.4)."""
        return 2000 if self.is_bits else 125

    @property
    def max_gap(self) -> int:
        """How many unwanted values a batched read may carry to save a request.

        A request costs a round trip (a millisecond on a LAN, tens on a serial line); a few
        extra registers cost two bytes each. Devices that refuse a read spanning an address
        they do not have are handled by splitting the batch (see ``poller``).
        """
        return 64 if self.is_bits else 8

    @property
    def description(self) -> str:
        return {
            Table.COIL: "coil",
            Table.DISCRETE_INPUT: "discrete input",
            Table.HOLDING: "holding register",
            Table.INPUT: "input register",
        }[self]


# Exception codes of the Modbus application protocol (section 7), for readable errors.
EXCEPTION_NAMES: Final = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}
