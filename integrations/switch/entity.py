"""The base class of every switch, whoever drives it."""
from __future__ import annotations

from xiaoqu.core.entity import ToggleEntity

from .const import DOMAIN


class SwitchEntity(ToggleEntity):
    """A switch: ``on`` or ``off`` from ``is_on``; a subclass implements ``turn_on`` and
    ``turn_off`` (``toggle`` follows from them)."""

    domain = DOMAIN
