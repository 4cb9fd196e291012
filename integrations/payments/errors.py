"""What payments refuses, and why; each message is one sentence naming the thing refused."""
from __future__ import annotations

from xiaoqu.core.errors import ServiceValidationError

__all__ = ["NotifyRefused", "NotifyUnreadable", "PaymentError"]


class PaymentError(ServiceValidationError):
    """An order that cannot be made (an id taken with another amount, an unknown provider);
    a service call answers it as bad data (400), naming why."""


class NotifyRefused(Exception):
    """Not a notify from the provider now: unsigned, forged, stale or replayed, or malformed
    before its signature could be checked. The message names why, never a secret."""


class NotifyUnreadable(Exception):
    """Signed by the provider, but not usable with our config: it does not decrypt with our
    key, or it is for another merchant. Staff must fix the config; the provider retries."""
