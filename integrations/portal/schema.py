"""The ``portal:`` section: nothing to set yet (``portal: {}`` turns it on)."""
from __future__ import annotations

from typing import Final

from xiaoqu.core.validation import vol

CONFIG_SCHEMA: Final = vol.All(lambda value: {} if value is None else value, vol.Schema({}))
