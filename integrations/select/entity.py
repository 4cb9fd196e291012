"""The base class of every select, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import ATTR_OPTIONS, DOMAIN


class SelectEntity(Entity):
    """One of ``options``: the state is the option chosen (``unknown`` while it is ``None``)
    and the options are an attribute. A subclass implements :meth:`select_option`, calling
    ``self.check_offered("option", option, self.options)`` first."""

    domain = DOMAIN

    _attr_current_option: str | None = None
    _attr_options: Sequence[str] = ()

    @property
    def current_option(self) -> str | None:
        return self._attr_current_option

    @property
    def options(self) -> Sequence[str]:
        return self._attr_options

    @property
    def state(self) -> str | None:
        return self.current_option

    def domain_attributes(self) -> dict[str, Any]:
        return {ATTR_OPTIONS: self.options}

    def select_option(self, option: str) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "select_option")
