"""What each gate is configured to do, whoever drives it: when the hub closes it behind a car
or after a while, and how long an open command may take to be confirmed."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .const import DEFAULT_AUTO_CLOSE, DEFAULT_CLOSE_AFTER_PASS, DEFAULT_CONFIRM_TIMEOUT


@dataclass(frozen=True, slots=True)
class GateOptions:
    """A gate's behaviour (the keys every gate's config shares: ``schema.GATE_OPTIONS``)."""

    #: Seconds the arm may stay up with no car under it before the hub closes it; None: never.
    auto_close: float | None = DEFAULT_AUTO_CLOSE
    #: Seconds after the car has left the loop (``vehicle_present`` falls) before the hub
    #: closes the arm behind it; None: the hub leaves that to the controller. Only a gate
    #: that reports ``vehicle_present`` is closed this way.
    close_after_pass: float | None = DEFAULT_CLOSE_AFTER_PASS
    #: Real seconds ``Barriers.open`` waits for the gate to say its arm is going up (a
    #: network wait, like a Modbus request's timeout, so not on the hub's clock).
    confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT

    @classmethod
    def from_config(cls, conf: Mapping[str, Any]) -> GateOptions:
        """From a gate's validated entry (absent keys keep the defaults)."""
        return cls(
            auto_close=conf.get("auto_close", DEFAULT_AUTO_CLOSE),
            close_after_pass=conf.get("close_after_pass", DEFAULT_CLOSE_AFTER_PASS),
            confirm_timeout=conf.get("confirm_timeout", DEFAULT_CONFIRM_TIMEOUT),
        )
