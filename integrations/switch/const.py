"""Names of the switch domain (its states are ``on`` and ``off``, the core's)."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "switch"
