"""Names of the company report."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "company"
