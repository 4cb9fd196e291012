"""Small helpers with no better home."""
from __future__ import annotations

import inspect
from typing import Any


async def await_me_maybe(value: Any) -> Any:
    """Await ``value`` if it is awaitable; call it first if it is a plain callable.

    pluggy has no async: a hook implementation may return a value, a callable or an
    awaitable, and the core resolves each the same way (datasette's pattern).
    """
    if callable(value):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    return value
