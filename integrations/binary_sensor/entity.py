"""The base class of every binary sensor, whoever reads it."""
from __future__ import annotations

from xiaoqu.core.entity import OnOffEntity

from .const import DEVICE_CLASS_NAMES, DOMAIN


class BinarySensorEntity(OnOffEntity):
    """``on`` or ``off`` from ``is_on`` (``unknown`` while it is ``None``). Unlike a switch,
    nothing turns it on: it only reports."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES
