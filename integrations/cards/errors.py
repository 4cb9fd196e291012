"""The card centre's refusals: one exception whose sentence names the reason."""
from __future__ import annotations

from xiaoqu.core.errors import ServiceValidationError


class CardError(ServiceValidationError):
    """A card act refused (a lost card charged, a zero recharge, a card number in use): the
    sentence says why, and nothing moved."""
