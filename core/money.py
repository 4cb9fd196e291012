"""Money as people read and type it, and as the hub keeps it: integer fen.

Amounts are integers in fen everywhere (ledgers, services, events); these two functions are
the only places yuan appear. Typed yuan are read as a :class:`~decimal.Decimal`, never a
float, and a third decimal (``12.345``) is refused rather than rounded — a fen nobody typed
is a fen the till does not hold.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

#: Yuan as typed: whole yuan and at most two decimals, up to ¥9,999,999.99; a leading ¥ is allowed.
_YUAN: Final = re.compile(r"[¥￥]?\s*([0-9]{1,7}(?:\.[0-9]*)?)")


def yuan(fen: int) -> str:
    """``2450`` → ``¥24.50``, ``-5`` → ``-¥0.05``: as a receipt, a reason or a log line shows money."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole}.{cents:02d}"


def fen_of(text: str) -> int:
    """``"12.5"`` → 1250, exactly; ValueError naming why for anything that is not yuan in
    whole fen (``12.345``, ``1e3``, ``-5``, ``NaN``). The messages are message ids: a page
    shows them in its reader's language."""
    found = _YUAN.fullmatch(text.strip())
    if found is None:
        raise ValueError("expected an amount in yuan, like 50 or 12.50")
    fen = Decimal(found.group(1)) * 100
    if fen != fen.to_integral_value():
        raise ValueError("at most two decimals: a fen is the smallest amount")
    return int(fen)
