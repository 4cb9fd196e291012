"""What a door is doing, from what its controller reported and what the hub told it.

Pure bookkeeping with no hub and no clock of its own (the caller passes ``now``), so every
rule is one short method a test can drive: the contact opening while the door is locked is
*forced*; an unlocked door that opened and stays open past its limit is *held open*; a door
relocks as it shuts after a timed unlock (as controllers do), but not while it is unlocked
for the day (first card) or held open for a fire (emergency), which only staff end.
"""
from __future__ import annotations

from dataclasses import dataclass

from .const import DoorState, UnlockSource

#: Unlocks that end when the door shuts again or their time is up.
_TIMED = frozenset({UnlockSource.READER, UnlockSource.REMOTE})


@dataclass(slots=True)
class DoorStatus:
    contact_open: bool | None = None
    #: why the door is unlocked now (None: locked)
    unlock: UnlockSource | None = None
    #: when a timed unlock ends (epoch seconds); None: until told
    unlocked_until: float | None = None
    #: who unlocked it: a person's pseudonymous id, a staff user, "fire linkage"...
    unlocked_by: str | None = None
    opened_at: float | None = None
    forced: bool = False
    held_open: bool = False
    #: the controller's own fault, in words
    fault: str | None = None
    online: bool = True

    @property
    def state(self) -> DoorState:
        """The most urgent of what is true (unavailability is the entity's, see ``online``)."""
        if self.fault is not None:
            return DoorState.FAULT
        if self.contact_open:
            if self.forced:
                return DoorState.FORCED
            return DoorState.HELD_OPEN if self.held_open else DoorState.OPEN
        return DoorState.LOCKED if self.unlock is None else DoorState.UNLOCKED

    @property
    def emergency(self) -> bool:
        return self.unlock is UnlockSource.EMERGENCY

    @property
    def closed_and_locked(self) -> bool:
        """What an interlocked partner must be before this door may unlock."""
        return not self.contact_open and self.unlock is None

    def contact(self, is_open: bool, now: float) -> bool:
        """The contact reported open or closed; True when this opening is forced (new)."""
        if is_open == bool(self.contact_open) and self.contact_open is not None:
            return False
        self.contact_open = is_open
        if is_open:
            self.opened_at = now
            self.forced = self.unlock is None
            return self.forced
        self.opened_at, self.forced, self.held_open = None, False, False
        if self.unlock in _TIMED:
            self._relock()
        return False

    def unlocked(self, source: UnlockSource, until: float | None, by: str | None) -> bool:
        """The hub unlocked the door; False when a stronger unlock already holds it (the
        door stays as it is and no command is needed)."""
        if self.unlock is UnlockSource.EMERGENCY and source is not UnlockSource.EMERGENCY:
            return False
        if self.unlock is UnlockSource.FIRST_CARD and source in _TIMED:
            return False
        self.unlock, self.unlocked_until, self.unlocked_by = source, until, by
        if self.contact_open:
            self.forced = False  # staff opened a forced door: it is open on purpose now
        return True

    def locked(self) -> None:
        """The hub locked the door (staff, or the end of an unlock it held)."""
        self._relock()

    def expire(self, now: float) -> bool:
        """A timed unlock's time may be up; True when it was and the door relocked."""
        if self.unlock in _TIMED and self.unlocked_until is not None and now >= self.unlocked_until:
            self._relock()
            return True
        return False

    def check_held(self, now: float, limit: float) -> bool:
        """True once, when the door has been open on purpose longer than ``limit`` seconds
        (a forced door is already an alarm; a door held open for a fire is meant to be)."""
        if (not self.contact_open or self.forced or self.held_open or self.emergency
                or self.opened_at is None or now - self.opened_at < limit):
            return False
        self.held_open = True
        return True

    def reported_fault(self, fault: str | None) -> bool:
        """The controller reported a fault (None: cleared); True when it is a new one."""
        new = fault is not None and fault != self.fault
        self.fault = fault
        return new

    def _relock(self) -> None:
        self.unlock, self.unlocked_until, self.unlocked_by = None, None, None
