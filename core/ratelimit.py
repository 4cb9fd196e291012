"""A log that says a recurring problem once, not at every occurrence.

A device that sends garbage ten times a second, or a Modbus register that fails at every
poll, must not bury the log. The first occurrence of a problem is logged; the same problem
again is logged only after ``interval`` seconds, with a count of the occurrences left out.
A *different* message under the same key (the fault changed) is logged at once.

The keys are chosen by the caller, and some callers see keys that outsiders choose (an MQTT
topic, a device id): the log remembers at most ``max_keys`` of them and forgets the least
recently used first, so a flood of new keys costs bounded memory. Callers that can should
key by the kind of problem (``("discovery", "invalid_json")``), not by who sent it.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

#: How many problem keys a log remembers by default.
DEFAULT_MAX_KEYS = 1024


@dataclass(slots=True)
class _Seen:
    message: str
    logged_at: float
    suppressed: int = 0


class RateLimitedLog:
    """Log lines (warnings; errors with their traceback; any level) rate-limited per key, with
    a bounded memory of keys.

    ``clock`` gives the time in seconds (the hub's ``clock.time`` where tests advance time,
    ``time.monotonic`` where real time matters).
    """

    def __init__(
        self,
        logger: logging.Logger,
        clock: Callable[[], float],
        interval: float = 60.0,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._logger = logger
        self._clock = clock
        self._interval = interval
        self._max_keys = max_keys
        self._seen: OrderedDict[Hashable, _Seen] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are remembered now."""
        return len(self._seen)

    def warning(self, key: Hashable, message: str, *args: Any) -> None:
        """Log ``message % args`` unless ``message`` was logged for ``key`` less than ``interval`` ago."""
        self.log(logging.WARNING, key, message, *args)

    def exception(self, key: Hashable, message: str, *args: Any) -> None:
        """:meth:`warning` at ERROR with the traceback being handled: a bug that a sender can
        trigger at will (a handler failing on some payload) shows its traceback once a minute,
        not once per message."""
        self.log(logging.ERROR, key, message, *args, exc_info=True)

    def log(self, level: int, key: Hashable, message: str, *args: Any, exc_info: bool = False) -> None:
        """:meth:`warning` at ``level``."""
        now = self._clock()
        seen = self._seen.get(key)
        if seen is not None:
            self._seen.move_to_end(key)
            if seen.message == message and now - seen.logged_at < self._interval:
                seen.suppressed += 1
                return
            skipped = seen.suppressed if seen.message == message else 0
            seen.message, seen.logged_at, seen.suppressed = message, now, 0
        else:
            skipped = 0
            self._seen[key] = _Seen(message, now)
            if len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
        if skipped:
            template = message if args else message.replace("%", "%%")
            self._logger.log(level, template + " (%d similar messages not logged)", *args, skipped, exc_info=exc_info)
        else:
            self._logger.log(level, message, *args, exc_info=exc_info)

    def clear(self, key: Hashable, message: str | None = None, *args: Any) -> None:
        """The problem under ``key`` is gone; ``message`` (if any) is logged at info, only if
        the problem had been logged."""
        if self._seen.pop(key, None) is not None and message:
            self._logger.info(message, *args)
