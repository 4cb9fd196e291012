"""The ``dashboard:`` section: how long a sign-in lasts.

    dashboard:
      session_lifetime: {hours: 12}   # a shift: signed out after this however busy
      idle_timeout: {minutes: 30}     # signed out after this long without a request
"""
from __future__ import annotations

from datetime import timedelta
from typing import Final

from xiaoqu.core.validation import time_period, vol

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("session_lifetime", default=timedelta(hours=12)): time_period,
        vol.Optional("idle_timeout", default=timedelta(minutes=30)): time_period,
    }),
)
