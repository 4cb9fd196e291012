"""Names of the button domain (its state is the time of the last press)."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "button"
