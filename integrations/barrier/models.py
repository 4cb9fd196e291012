"""What ``Barriers.open`` answers: the gate confirmed its arm is going up (:class:`Opened`), or
it did not, and why (:class:`BarrierNotOpened`, naming the gate and the wait)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xiaoqu.core.errors import HubError

from .const import BarrierState


@dataclass(frozen=True, slots=True)
class Opened:
    """The gate confirmed an open command."""

    entity_id: str
    #: what it reported: ``opening`` or ``open``
    state: BarrierState
    #: real seconds from the command to the confirmation (0 when it was up already)
    seconds: float
    #: the arm was up or rising before the command (the command was sent all the same: it
    #: restarts the controller's own wait before it closes)
    already: bool = False


class NotOpenedWhy(StrEnum):
    """Why a gate did not open, for a caller that acts on it (parking tells the guard)."""

    #: no confirmation within the gate's ``confirm_timeout``
    TIMEOUT = "timeout"
    #: the controller is silent (no answer on Modbus, no message within ``offline_after``)
    UNAVAILABLE = "unavailable"
    #: the controller reports a fault
    FAULT = "fault"
    #: the command itself failed (a Modbus write with no answer or an exception)
    COMMAND_FAILED = "command_failed"


class BarrierNotOpened(HubError):
    """A gate did not confirm opening; the message names it and says why (and how long was waited)."""

    def __init__(self, entity_id: str, why: NotOpenedWhy, message: str) -> None:
        super().__init__(message)
        self.entity_id = entity_id
        self.why = why
