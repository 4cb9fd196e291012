"""Names of the Acme barrier plugin."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "acme_barrier"
