"""What a card pays: the list price less its class's discount, in integer fen.

Rounding: the discount is ``amount * percent // 100``, rounded down to the fen, so the price
the card pays rounds up: ¥12.50 at 15 % off is 187.5 fen off, charged 1,063 fen. Integer
arithmetic only; a float would drift a fen over a day's till.
"""
from __future__ import annotations


def discounted(amount_fen: int, percent: int) -> int:
    """``amount_fen`` less ``percent`` % (0 to 100), the discount rounded down to the fen."""
    return amount_fen - amount_fen * percent // 100

