"""Names of the select domain (its state is the option chosen)."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "select"

ATTR_OPTION: Final = "option"
ATTR_OPTIONS: Final = "options"
