"""Names of the lock domain: its states, attributes and features."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Final

DOMAIN: Final = "lock"


class LockState(StrEnum):
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    LOCKING = "locking"
    UNLOCKING = "unlocking"
    JAMMED = "jammed"
    #: unlatched: the door can be pushed open
    OPEN = "open"
    OPENING = "opening"


class LockEntityFeature(IntFlag):
    """The optional services a lock may offer (every lock locks and unlocks)."""

    OPEN = 1


#: The code a service call carries.
ATTR_CODE: Final = "code"
#: The regular expression a code must match, whole (shown so a keypad knows what to ask).
ATTR_CODE_FORMAT: Final = "code_format"

#: A code is matched against ``code_format`` for this long at most: the pattern may come
#: from a device, and a backtracking one must not freeze the hub.
CODE_MATCH_SECONDS: Final = 0.05
