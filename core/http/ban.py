"""Banning addresses that keep failing to authenticate (``ip_ban_enabled``, ``login_attempts_threshold``).

As in Home Assistant: each bad token or bad password from an address counts; at the threshold
the address is banned — persisted in the ``auth`` store, so a restart does not lift it — and
every request from it gets 403. A good login from the address clears its count. Staff lift a
ban with ``xiaoqu ban remove IP``.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Final

from xiaoqu.core.auth import Actor, AuthManager
from xiaoqu.core.ratelimit import RateLimitedLog

_LOGGER = logging.getLogger(__name__)

#: Addresses whose failures are remembered; beyond this the oldest are forgotten, so a flood
#: from many addresses cannot grow memory without bound.
MAX_TRACKED: Final = 10_000
#: Password checks one address may have queued at once; more are answered 429 at once.
MAX_LOGINS_IN_FLIGHT: Final = 3


class LoginAttempts:
    def __init__(self, manager: AuthManager, clock: Callable[[], float], *, enabled: bool, threshold: int) -> None:
        self._manager = manager
        self._enabled = enabled and threshold > 0
        self._threshold = threshold
        self._failures: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        # Each failure is audited; the log says it once a minute per address, so an address
        # that is never banned (bans off, or a trusted proxy's) cannot flood it.
        self._log = RateLimitedLog(_LOGGER, clock)

    def is_banned(self, ip: str | None) -> bool:
        return self._manager.is_banned(ip)

    @contextlib.contextmanager
    def login(self, ip: str | None) -> Iterator[bool]:
        """Hold one of the few password checks an address may have queued at once.

        Yields False when the address already has ``MAX_LOGINS_IN_FLIGHT`` waiting: password
        hashing is slow on purpose, and one address must not queue the whole site's logins.
        """
        key = ip or ""
        if self._in_flight.get(key, 0) >= MAX_LOGINS_IN_FLIGHT:
            yield False
            return
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            yield True
        finally:
            if (left := self._in_flight.pop(key) - 1) > 0:
                self._in_flight[key] = left

    async def failed(self, ip: str | None, reason: str) -> None:
        """Count one failure from ``ip``; ban it at the threshold. ``reason`` must hold no secret."""
        if self.is_banned(ip):
            return  # counted and logged when it was banned
        self._log.warning(ip, "Failed authentication from %s: %s", ip, reason)
        if not self._enabled or ip is None:
            return
        count = self._failures.pop(ip, 0) + 1
        if count < self._threshold:
            self._failures[ip] = count  # re-inserted last: the dict stays oldest-first
            if len(self._failures) > MAX_TRACKED:
                del self._failures[next(iter(self._failures))]
            return
        await self._manager.ban(ip, f"{count} failed authentications, the last: {reason}", Actor("hub", "hub", None, ip))
        _LOGGER.warning(
            "Banned %s after %d failed authentications; lift it with: xiaoqu ban remove %s", ip, count, ip
        )

    def succeeded(self, ip: str | None) -> None:
        if ip is not None:
            self._failures.pop(ip, None)
