"""Exact amounts to whole fen, by a mode the site chooses (never float).

Every fee line and every late fee is worked exactly as a fraction of a fen and rounded once,
at the end, by the setting ``rounding`` (fee lines) or ``late_fee.rounding`` (late fees):

- ``half_up`` (the default, 四舍五入): 0.5 fen and more up, less down;
- ``half_even``: 0.5 fen to the even fen (banker's rounding), else to the nearest;
- ``down``: any part of a fen dropped (never charges a fen nobody owes);
- ``up``: any part of a fen charged in full.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

from .const import DOWN, HALF_EVEN, HALF_UP, UP

NAMES: Final = {HALF_UP: "rounded half up to the fen", HALF_EVEN: "rounded half to even to the fen",
                DOWN: "rounded down to the fen", UP: "rounded up to the fen"}


def to_fen(exact: Fraction, mode: str) -> int:
    """``exact`` (fen, non-negative) to a whole fen by ``mode``."""
    if mode == DOWN:
        return math.floor(exact)
    if mode == UP:
        return math.ceil(exact)
    if mode == HALF_EVEN:
        return round(exact)  # Fraction.__round__ rounds half to even
    if mode == HALF_UP:
        return math.floor(exact + Fraction(1, 2))
    raise ValueError(f"unknown rounding mode {mode!r}")


def exact_fen(exact: Fraction) -> str:
    """An exact amount of fen to four decimals (``2752.1250 fen``), to show what was rounded."""
    shown = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return f"{shown} fen"
