"""The base class of every lock, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import regex

from xiaoqu.core.entity import Entity, ServiceNotSupported
from xiaoqu.core.errors import ServiceValidationError

from .const import ATTR_CODE_FORMAT, CODE_MATCH_SECONDS, DOMAIN, LockState


class LockEntity(Entity):
    """A lock. A subclass sets the ``_attr_is_*`` fields (or overrides the properties) and
    implements :meth:`lock` and :meth:`unlock` (and :meth:`open`, declaring
    ``LockEntityFeature.OPEN``), each taking ``code`` and each may be ``async def``. The
    state follows from the fields as in Home Assistant: jammed first, then a movement, then
    open, then locked or unlocked.

    With a ``code_format`` the subclass calls :meth:`check_code` before it acts.
    """

    domain = DOMAIN

    _attr_is_locked: bool | None = None
    _attr_is_locking: bool | None = None
    _attr_is_unlocking: bool | None = None
    _attr_is_jammed: bool | None = None
    _attr_is_open: bool | None = None
    _attr_is_opening: bool | None = None
    _attr_code_format: str | None = None

    @property
    def is_locked(self) -> bool | None:
        return self._attr_is_locked

    @property
    def is_locking(self) -> bool | None:
        return self._attr_is_locking

    @property
    def is_unlocking(self) -> bool | None:
        return self._attr_is_unlocking

    @property
    def is_jammed(self) -> bool | None:
        return self._attr_is_jammed

    @property
    def is_open(self) -> bool | None:
        return self._attr_is_open

    @property
    def is_opening(self) -> bool | None:
        return self._attr_is_opening

    @property
    def code_format(self) -> str | None:
        return self._attr_code_format

    @property
    def state(self) -> str | None:
        if self.is_jammed:
            return LockState.JAMMED
        if self.is_opening:
            return LockState.OPENING
        if self.is_locking:
            return LockState.LOCKING
        if self.is_open:
            return LockState.OPEN
        if self.is_unlocking:
            return LockState.UNLOCKING
        if (locked := self.is_locked) is None:
            return None
        return LockState.LOCKED if locked else LockState.UNLOCKED

    def domain_attributes(self) -> dict[str, Any]:
        return {ATTR_CODE_FORMAT: self.code_format} if self.code_format else {}

    def check_code(self, code: str | None) -> None:
        """Refuse ``code`` unless it matches :attr:`code_format` whole (no format: any code)."""
        pattern = self.code_format
        if pattern is None:
            return
        try:
            matches = regex.fullmatch(pattern, code or "", timeout=CODE_MATCH_SECONDS) is not None
        except TimeoutError:
            matches = False
        if not matches:
            what = "does not match" if code else "is missing; it must match"
            raise ServiceValidationError(f"the code for {self.entity_id} {what} the pattern {pattern}")

    def lock(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "lock")

    def unlock(self, code: str | None = None) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "unlock")

    def open(self, code: str | None = None) -> Awaitable[None] | None:
        """Unlatch the door (``LockEntityFeature.OPEN``)."""
        raise ServiceNotSupported(self, "open")
